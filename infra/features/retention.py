"""Retention (policy 418.5): the daily purge and its fan-out, the purge of reads DynamoDB's TTL removed, and
the holds / compliance function."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane, schedule_dead_letters
from infra.core.grants import allow, allow_table

TTL_PRINCIPAL = "dynamodb.amazonaws.com"


class Retention(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        purge: lambda_.Function,
        purge_name: str,
        retention_api: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self._daily_schedule(data, purge)
        # DynamoDB's own TTL deletes reads lazily; their REMOVE records (by the TTL service) carry the image,
        # alerts and ledger entry still to delete. Only those records invoke the purge.
        purge.add_event_source(
            sources.DynamoEventSource(
                data.table(schema.READS),
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                bisect_batch_on_error=True,
                retry_attempts=5,
                report_batch_item_failures=True,
                on_failure=data.stream_failure_destination(),
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
        work = data.queue(schema.PURGE_WORK_QUEUE)
        purge.add_event_source(
            sources.SqsEventSource(
                work,
                batch_size=1,
                report_batch_item_failures=True,
                max_concurrency=schema.PURGE_WORK_QUEUE.max_concurrency,
            )
        )
        work.grant_send_messages(purge)
        self._grant_purge(data, purge)
        self._grant_api(data, retention_api, purge_name)

    def _daily_schedule(self, data: DataPlane, purge: lambda_.Function) -> None:
        purge_failures = schedule_dead_letters(
            self, "PurgeScheduleDlq", data, schema.PURGE_SCHEDULE_DLQ_LOGICAL, "the purge schedule"
        )
        events.Rule(
            self,
            "DailyPurge",
            schedule=events.Schedule.cron(minute="15", hour="8"),  # 00:15 Pacific standard time
            targets=[targets.LambdaFunction(purge, dead_letter_queue=purge_failures, retry_attempts=2)],
        )

    @staticmethod
    def _grant_purge(data: DataPlane, purge: lambda_.Function) -> None:
        frames = data.objects(schema.BUCKET.frames)
        # Scans and (batch) deletes; never the evidence area, never the legal hold itself.
        allow_table(purge, data.table(schema.READS), ["Query", "Scan", "GetItem", "UpdateItem", "DeleteItem"])
        allow_table(purge, data.table(schema.FRAMES), ["GetItem", "DeleteItem", "Scan"])
        allow_table(purge, data.table(schema.ALERTS), ["Query", "Scan", "DeleteItem"])
        allow(purge, ["s3:ListBucketVersions"], [data.images.bucket_arn])
        allow(purge, ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObjectLegalHold"], [frames])
        allow_table(purge, data.table(schema.SIGHTINGS), ["Scan", "DeleteItem"])
        allow_table(purge, data.table(schema.READS), ["DescribeTable", "BatchWriteItem"])
        allow_table(purge, data.table(schema.FRAMES), ["Query", "BatchWriteItem"])
        allow_table(purge, data.table(schema.ALERTS), ["BatchWriteItem"])
        allow_table(purge, data.table(schema.CAMERAS), ["Scan"])
        allow_table(purge, data.table(schema.PURGE_REPORTS), ["PutItem"])
        allow(purge, ["s3:GetObject"], [frames])  # HeadObject

    def _grant_api(self, data: DataPlane, api: lambda_.Function, purge_name: str) -> None:
        # A hold released past its date hands the reads to the purge function; the ARN is built from the name.
        stack = cdk.Stack.of(self)
        purge_arn = stack.format_arn(
            service="lambda",
            resource="function",
            resource_name=purge_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        allow(api, ["lambda:InvokeFunction"], [purge_arn])
        # Holds change TTLs but never delete: a release past the date hands the reads to the purge function.
        allow_table(api, data.table(schema.READS), ["GetItem", "Query", "Scan", "UpdateItem"])
        allow_table(api, data.table(schema.FRAMES), ["GetItem", "UpdateItem"])
        allow_table(api, data.table(schema.ALERTS), ["Query", "Scan", "UpdateItem"])
        allow_table(api, data.table(schema.CAMERAS), ["Scan"])
        allow_table(api, data.table(schema.HOLDS), ["GetItem", "PutItem", "Query"])
        allow_table(api, data.table(schema.HOLD_EVENTS), ["PutItem", "Query"])  # append-only: no update, no delete
        allow_table(api, data.table(schema.PURGE_REPORTS), ["Query", "PutItem"])
        allow(api, ["s3:ListBucketVersions"], [data.images.bucket_arn])
        allow(
            api,
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObjectLegalHold", "s3:GetObjectLegalHold"],
            [data.objects(schema.BUCKET.frames)],
        )
        allow(
            api,
            ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:GetObjectRetention"],
            [data.objects(schema.BUCKET.evidence)],
        )
