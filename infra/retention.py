"""Retention in the deployed stack: the purge's TTL-removal stream trigger, its work queue for fan-out,
and least-privilege grants for purge and for the holds/compliance function."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources

from alpr import schema

if TYPE_CHECKING:
    from infra.stack import AlprStack

TTL_PRINCIPAL = "dynamodb.amazonaws.com"


def add_retention(stack: AlprStack) -> None:
    purge = stack.functions["purge"]
    reads = stack.tables[schema.READS.logical_name]
    # DynamoDB's own TTL deletes reads lazily; their REMOVE records (by the TTL service) carry the image,
    # alerts and ledger entry still to delete. Only those records invoke the purge.
    purge.add_event_source(
        sources.DynamoEventSource(
            reads,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=100,
            bisect_batch_on_error=True,
            retry_attempts=5,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(stack.queues[schema.STREAM_FAILURES_QUEUE.logical_name]),
            filters=[
                lambda_.FilterCriteria.filter(
                    {
                        "eventName": lambda_.FilterRule.is_equal("REMOVE"),
                        "userIdentity": {
                            "type": lambda_.FilterRule.is_equal("Service"),
                            "principalId": lambda_.FilterRule.is_equal(TTL_PRINCIPAL),
                        },
                    }
                )
            ],
        )
    )
    # Fan-out: one message per segment, or per rest of a segment; one per invocation, so each gets 15 minutes.
    work = stack.queues[schema.PURGE_WORK_QUEUE.logical_name]
    purge.add_event_source(sources.SqsEventSource(work, batch_size=1, report_batch_item_failures=True))
    work.grant_send_messages(purge)
    _grant(stack)


def _grant(stack: AlprStack) -> None:
    t, fn, images = stack.tables, stack.functions, stack.images
    frames_objects = images.arn_for_objects(f"{schema.BUCKET.frames}*")
    evidence_objects = images.arn_for_objects(f"{schema.BUCKET.evidence}*")

    def allow(function: str, actions: list[str], resources: list[str]) -> None:
        fn[function].add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))

    def table_actions(function: str, table: schema.Table, actions: list[str]) -> None:
        construct = t[table.logical_name]
        allow(function, [f"dynamodb:{a}" for a in actions], [construct.table_arn, f"{construct.table_arn}/index/*"])

    # purge: scans and batch deletes; never the evidence area, never the legal hold itself.
    table_actions("purge", schema.READS, ["DescribeTable", "BatchWriteItem"])
    table_actions("purge", schema.FRAMES, ["Query", "BatchWriteItem"])
    table_actions("purge", schema.ALERTS, ["BatchWriteItem"])
    table_actions("purge", schema.CAMERAS, ["Scan"])
    table_actions("purge", schema.PURGE_REPORTS, ["PutItem"])
    allow("purge", ["s3:GetObject"], [frames_objects])  # HeadObject
    # A hold released past its date hands the reads to the purge function; the ARN is built from the name.
    own_arn = stack.format_arn(
        service="lambda",
        resource="function",
        resource_name=f"{stack.prefix}-purge",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    stack.functions["retention-api"].add_environment("ALPR_PURGE_FUNCTION", f"{stack.prefix}-purge")
    allow("retention-api", ["lambda:InvokeFunction"], [own_arn])

    # holds and the compliance report
    api = "retention-api"
    # Holds change TTLs but never delete: a release past the date hands the reads to the purge function.
    table_actions(api, schema.READS, ["GetItem", "Query", "Scan", "UpdateItem"])
    table_actions(api, schema.FRAMES, ["GetItem", "UpdateItem"])
    table_actions(api, schema.ALERTS, ["Query", "Scan", "UpdateItem"])
    table_actions(api, schema.CAMERAS, ["Scan"])
    table_actions(api, schema.HOLDS, ["GetItem", "PutItem", "Query"])
    table_actions(api, schema.HOLD_EVENTS, ["PutItem", "Query"])  # append-only: no update, no delete
    table_actions(api, schema.PURGE_REPORTS, ["Query", "PutItem"])
    allow(api, ["s3:ListBucketVersions"], [images.bucket_arn])
    allow(
        api,
        [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObjectLegalHold",
            "s3:GetObjectLegalHold",
        ],
        [frames_objects],
    )
    allow(api, ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:GetObjectRetention"], [evidence_objects])
