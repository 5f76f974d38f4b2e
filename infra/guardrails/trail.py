"""The CloudTrail trail (418.6(a)): log-file validation, management events, and data events for every bucket
and table that holds ALPR data (who read which plate, when)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.removal import KEEP
from infra.guardrails.discovery import constructs_of
from infra.guardrails.log_groups import encrypted_log_group

# Tables with no plate data, only operational state, left out of CloudTrail data events (each data event
# costs money): the camera registry (key hashes), the frame ledger (status per upload) and Powertools
# idempotency records. Every other table, including ones added later, is audited by default.
OPERATIONAL_TABLES = frozenset(
    t.logical_name for t in (schema.CAMERAS, schema.FRAMES, schema.IDEMPOTENCY, schema.CAMERA_HEALTH)
)


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
            removal_policy=KEEP,
        )
        allow_cloudtrail(key)
        # Object Lock: a trail's log files are evidence of who saw what (418.6(a)); versions cannot be removed
        # while locked, and log-file validation proves none was changed.
        bucket = s3.Bucket(
            self,
            "TrailLogs",
            object_lock_enabled=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=data.access_logs,
            server_access_logs_prefix="trail/",
            removal_policy=KEEP,
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


def allow_cloudtrail(key: kms.Key) -> None:
    """The key-policy statements CloudTrail needs to encrypt a trail's log and digest files with a customer
    managed key; without them CreateTrail fails ("Insufficient permissions to access S3 bucket ... or KMS key")
    and the first deploy rolls back (aws/aws-cdk#3822, #23391: the Trail construct does not add them).
    AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail": GenerateDataKey* conditioned on
    the trail's encryption context (kms:EncryptionContext:aws:cloudtrail:arn), and DescribeKey. Reading the
    files (kms:Decrypt) stays with the account's principals through the key's account-root statement."""
    stack = cdk.Stack.of(key)
    trails_of_this_account = f"arn:{stack.partition}:cloudtrail:*:{stack.account}:trail/*"
    cloudtrail_service = iam.ServicePrincipal("cloudtrail.amazonaws.com")
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudTrailEncryptsLogFiles",
            principals=[cloudtrail_service],
            actions=["kms:GenerateDataKey*"],
            resources=["*"],
            conditions={
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails_of_this_account},
                "StringEquals": {"aws:SourceAccount": stack.account},
            },
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudTrailDescribesTheKey",
            principals=[cloudtrail_service],
            actions=["kms:DescribeKey"],
            resources=["*"],
        )
    )


def _selector(name: str, fields: list[cloudtrail.CfnTrail.AdvancedFieldSelectorProperty]) -> Any:
    return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(name=name, field_selectors=fields)


def _field(field: str, **match: list[str]) -> cloudtrail.CfnTrail.AdvancedFieldSelectorProperty:
    return cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(field=field, **match)
