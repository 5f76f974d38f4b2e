"""The CloudTrail trail (418.6(a)): log-file validation, management events, and data events for every bucket
and table that holds ALPR data (who read which plate, when)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.guardrails.discovery import constructs_of
from infra.guardrails.log_groups import encrypted_log_group

# Tables with no plate data, only operational state, left out of CloudTrail data events (each data event
# costs money): the camera registry (key hashes), the frame ledger (status per upload) and Powertools
# idempotency records. Every other table, including ones added later, is audited by default.
OPERATIONAL_TABLES = frozenset(t.logical_name for t in (schema.CAMERAS, schema.FRAMES, schema.IDEMPOTENCY))


def data_buckets(stack: Construct, data: DataPlane) -> list[s3.Bucket]:
    """Buckets holding ALPR data: those encrypted with the data key (images and evidence, and any added)."""
    return [b for b in constructs_of(stack, s3.Bucket) if b.encryption_key is data.data_key]


def audited_tables(stack: Construct, data: DataPlane) -> list[dynamodb.Table]:
    def logical_name(table: dynamodb.Table) -> str:
        physical = str(table.node.default_child.table_name)  # type: ignore[union-attr]
        return physical.removeprefix(f"{data.prefix}-")

    return [t for t in constructs_of(stack, dynamodb.Table) if logical_name(t) not in OPERATIONAL_TABLES]


class AuditTrail(Construct):
    """Management events plus data events on every data bucket and every audited table of ``stack``."""

    def __init__(self, scope: Construct, construct_id: str, *, stack: cdk.Stack, data: DataPlane) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key(
            self,
            "AuditKey",
            enable_key_rotation=True,
            description="ALPR CloudTrail log files",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        bucket = s3.Bucket(
            self,
            "TrailLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=data.access_logs,
            server_access_logs_prefix="trail/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        trail = cloudtrail.Trail(
            self,
            "AuditTrail",
            bucket=bucket,
            encryption_key=key,
            enable_file_validation=True,
            include_global_service_events=True,
            is_multi_region_trail=True,
            send_to_cloud_watch_logs=True,
            cloud_watch_log_group=encrypted_log_group(self, "AuditTrailLogs"),
        )
        cfn: cloudtrail.CfnTrail = trail.node.default_child  # type: ignore[assignment]
        # DynamoDB data events exist only as advanced event selectors, which cannot sit beside the (empty)
        # basic EventSelectors that the L2 Trail always writes.
        cfn.add_property_deletion_override("EventSelectors")
        cfn.advanced_event_selectors = [
            _selector("Management events", [_field("eventCategory", equal_to=["Management"])]),
            _selector(
                "Objects in the images bucket (frames, evidence) and every other data bucket",
                [
                    _field("eventCategory", equal_to=["Data"]),
                    _field("resources.type", equal_to=["AWS::S3::Object"]),
                    _field("resources.ARN", starts_with=[f"{b.bucket_arn}/" for b in data_buckets(stack, data)]),
                ],
            ),
            _selector(
                "Reads, alerts, hotlists, access records and every other table with ALPR data",
                [
                    _field("eventCategory", equal_to=["Data"]),
                    _field("resources.type", equal_to=["AWS::DynamoDB::Table"]),
                    _field("resources.ARN", equal_to=[t.table_arn for t in audited_tables(stack, data)]),
                ],
            ),
        ]
        self.trail, self.key, self.bucket = trail, key, bucket


def _selector(name: str, fields: list[cloudtrail.CfnTrail.AdvancedFieldSelectorProperty]) -> Any:
    return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(name=name, field_selectors=fields)


def _field(field: str, **match: list[str]) -> cloudtrail.CfnTrail.AdvancedFieldSelectorProperty:
    return cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(field=field, **match)
