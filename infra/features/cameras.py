"""Camera health (policy 418.3.1(c), how the system is monitored): the scheduled check that publishes the count of
silent cameras (alarmed in guardrails/observability.py), and the camera-health table's grants for the check."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.grants import allow_table


class CameraHealth(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, data: DataPlane, check: lambda_.Function) -> None:
        super().__init__(scope, construct_id)
        allow_table(check, data.table(schema.CAMERAS), ["Scan"])
        allow_table(check, data.table(schema.CAMERA_HEALTH), ["Scan"], indexes=False)
        events.Rule(
            self,
            "Every5Minutes",
            schedule=events.Schedule.rate(cdk.Duration.minutes(schema.CAMERA_HEALTH_EVERY_MINUTES)),
            # A missed check is no loss (the next one comes minutes later): no retries, no target DLQ.
            targets=[targets.LambdaFunction(check, retry_attempts=0)],
        )
