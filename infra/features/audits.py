"""Audits (418.6.1) and the public transparency summary (418.3.1(g)): least-privilege grants for the audit API
and the transparency function, Object Lock retention on ``audits/`` only, ``GET /public/transparency`` on
the ingest API (public, no login), and the daily access sealer that anchors the access-record chain."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane, schedule_dead_letters
from infra.core.grants import allow, allow_table
from infra.guardrails.nag import acknowledge


class Audits(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        audit_api: lambda_.Function,
        transparency: lambda_.Function,
        public_api: apigw.RestApi,
        sealer: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        route = public_api.root.add_resource("public").add_resource("transparency")
        public = route.add_method("GET", apigw.LambdaIntegration(transparency))
        for rule in ("APIG4", "COG4"):
            acknowledge(
                public,
                f"AwsSolutions::AwsSolutions-{rule}",
                "policy 418.3.1(g): the usage policy and counts are posted publicly; the route returns no plate data",
            )

        # audit API: reads what it audits, writes audits (drafts) and its own access records; never deletes.
        data.grant_access_records(audit_api)
        allow_table(audit_api, data.table(schema.ACCESS_LOG), ["Query", "Scan"])
        allow_table(audit_api, data.table(schema.ACCESS_CHAIN_HEADS), ["Scan"])
        # ConditionCheckItem: finalizing checks, in one transaction, that no other draw of the quarter was finalized.
        allow_table(audit_api, data.table(schema.AUDITS), ["GetItem", "PutItem", "ConditionCheckItem", "Query", "Scan"])
        for table in (schema.HOTLIST_CHANGES, schema.HOLDS, schema.HOLD_EVENTS, schema.PURGE_REPORTS):
            allow_table(audit_api, data.table(table), ["Scan"])
        allow_table(audit_api, data.table(schema.ADMIN_LOG), ["Query"])
        # Compliance-mode retention on audits/ only: the function can lock what it writes, never unlock or delete.
        allow(
            audit_api,
            ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:GetObjectVersion"],
            [data.objects(schema.BUCKET.audits)],
        )

        # Verifying the chain reads every version of each day's seal (an overwritten or hidden seal is reported).
        allow(audit_api, ["s3:ListBucketVersions"], [data.images.bucket_arn])
        self._sealer(data, sealer)

        # transparency: counts only, read-only.
        for table in (schema.CAMERAS, schema.READS, schema.ALERTS, schema.ACCESS_LOG, schema.AUDITS):
            allow_table(transparency, data.table(table), ["Scan"])
        allow_table(transparency, data.table(schema.CAMERA_HEALTH), ["Scan"], indexes=False)  # cameras reporting
        allow_table(transparency, data.table(schema.ADMIN_LOG), ["Query"])

    def _sealer(self, data: DataPlane, sealer: lambda_.Function) -> None:
        """Seals each finished UTC day at 00:05 UTC: it reads the chain's heads and days, and writes (and locks,
        in compliance mode) objects under ``audits/access-seals/`` only; it changes and deletes nothing."""
        allow_table(sealer, data.table(schema.ACCESS_CHAIN_HEADS), ["GetItem", "Scan"], indexes=False)
        allow_table(sealer, data.table(schema.ACCESS_LOG), ["Scan"], indexes=False)
        allow(
            sealer,
            ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:GetObjectVersion"],
            [data.objects(schema.BUCKET.access_seals)],
        )
        allow(sealer, ["s3:ListBucket", "s3:ListBucketVersions"], [data.images.bucket_arn])
        failures = schedule_dead_letters(
            self, "AccessSealerScheduleDlq", data, "access-sealer-schedule-dlq", "the sealer schedule"
        )
        events.Rule(
            self,
            "DailyAccessSeal",
            schedule=events.Schedule.cron(minute="5", hour="0"),  # 00:05 UTC: the chain's days are UTC days
            targets=[targets.LambdaFunction(sealer, dead_letter_queue=failures, retry_attempts=2)],
        )
