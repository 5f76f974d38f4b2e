"""Alarms and a dashboard for the pipeline, built from every function, queue and API in the stack.

- every dead-letter queue (redrive targets, stream on-failure and schedule DLQs): alarm at one message;
- every other queue: alarm when its oldest message is older than the backlog limit;
- every function: alarms on errors and throttles;
- OCR latency per frame (the ``ocr_frame_ms`` metric the OCR handler emits), p95;
- purge: a run that fails (errors, or its invocation dead-letter queue) or does not happen at all in a day;
- every RestApi: 5xx answers.
Alarms notify the ``<prefix>-ops-alarms`` topic; subscribe the on-call address to it after deploying.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.guardrails.discovery import constructs_of

METRICS_NAMESPACE = "ALPR"
OCR_FRAME_METRIC = "ocr_frame_ms"
OCR_P95_LIMIT_MS = 5_000
BACKLOG_LIMIT = cdk.Duration.minutes(15)
FIVE_MINUTES = cdk.Duration.minutes(5)


class Observability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stack: cdk.Stack,
        data: DataPlane,
        ocr: lambda_.Function,
        purge: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = _monitor(self, stack, data, ocr, purge)


def _monitor(
    scope: Construct, stack: cdk.Stack, data: DataPlane, ocr: lambda_.Function, purge: lambda_.Function
) -> cloudwatch.Dashboard:
    topic = sns.Topic(
        scope,
        "OpsAlarms",
        topic_name=f"{data.prefix}-ops-alarms",
        master_key=data.queue_key,
        enforce_ssl=True,
    )
    # CloudWatch publishes to the encrypted topic with the queue key.
    data.queue_key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
        )
    )
    notify = actions.SnsAction(topic)
    alarms: list[cloudwatch.Alarm] = []

    def alarm(construct: Any, name: str, metric: cloudwatch.IMetric, threshold: float, **kw: Any) -> None:
        created = cloudwatch.Alarm(
            construct,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=kw.pop("evaluation_periods", 1),
            comparison_operator=kw.pop(
                "comparison_operator", cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
            ),
            treat_missing_data=kw.pop("treat_missing_data", cloudwatch.TreatMissingData.NOT_BREACHING),
            **kw,
        )
        created.add_alarm_action(notify)
        alarms.append(created)

    dead_letters = dead_letter_queues(stack, data.prefix)
    for queue in constructs_of(stack, sqs.Queue):
        if queue in dead_letters:
            alarm(
                queue,
                "DepthAlarm",
                queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
                1,
                alarm_description="a message could not be processed and was set aside: see `alpr dead-letters`",
            )
        else:
            alarm(
                queue,
                "BacklogAlarm",
                queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum"),
                BACKLOG_LIMIT.to_seconds(),
                alarm_description="events wait longer than the pipeline should ever take",
            )

    functions = constructs_of(stack, lambda_.Function)
    for function in functions:
        alarm(function, "ErrorsAlarm", function.metric_errors(period=FIVE_MINUTES, statistic="Sum"), 1)
        alarm(function, "ThrottlesAlarm", function.metric_throttles(period=FIVE_MINUTES, statistic="Sum"), 1)

    ocr_latency = cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=OCR_FRAME_METRIC,
        dimensions_map={"service": "ocr"},
        statistic="p95",
        period=FIVE_MINUTES,
    )
    alarm(
        ocr,
        "LatencyAlarm",
        ocr_latency,
        OCR_P95_LIMIT_MS,
        evaluation_periods=3,
        alarm_description="p95 time to read one frame, 15 minutes running",
    )
    alarm(
        purge,
        "NotRunAlarm",
        purge.metric_invocations(period=cdk.Duration.hours(25), statistic="Sum"),
        1,
        comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        alarm_description="the daily purge (policy 418.5 retention) did not run",
    )
    for api in constructs_of(stack, apigw.RestApi):
        alarm(api, "ServerErrorsAlarm", api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"), 5)

    return _dashboard(scope, data.prefix, functions, dead_letters, ocr_latency, alarms)


def dead_letter_queues(stack: Construct, prefix: str) -> list[sqs.Queue]:
    """Redrive targets, plus queues that other services park failures in (named ``...-dlq`` or
    ``...-failures`` in alpr/schema.py)."""
    queues = constructs_of(stack, sqs.Queue)
    targets = {id(q.dead_letter_queue.queue) for q in queues if q.dead_letter_queue is not None}
    failure_names = {schema.STREAM_FAILURES_QUEUE.physical_name(prefix)}

    def is_dead_letter(queue: sqs.Queue) -> bool:
        name = str(queue.node.default_child.queue_name or "")  # type: ignore[union-attr]
        return id(queue) in targets or name.endswith("-dlq") or name in failure_names

    return [q for q in queues if is_dead_letter(q)]


def _dashboard(
    scope: Construct,
    prefix: str,
    functions: list[lambda_.Function],
    dead_letters: list[sqs.Queue],
    ocr_latency: cloudwatch.Metric,
    alarms: list[cloudwatch.Alarm],
) -> cloudwatch.Dashboard:
    frames = [
        cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=f"frames_{status}",
            dimensions_map={"service": "ocr"},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        for status in ("read", "no_plate", "dead_letter")
    ]

    def per_function(title: str, metric: str, statistic: str) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title=title,
            width=12,
            left=[f.metric(metric, statistic=statistic, period=FIVE_MINUTES) for f in functions],
        )

    dashboard = cloudwatch.Dashboard(scope, "Dashboard", dashboard_name=f"{prefix}-pipeline")
    dashboard.add_widgets(
        cloudwatch.GraphWidget(title="Frames by outcome", width=12, left=frames),
        cloudwatch.GraphWidget(title="OCR ms per frame (p95)", width=12, left=[ocr_latency]),
    )
    dashboard.add_widgets(
        per_function("Invocations", "Invocations", "Sum"),
        per_function("Errors", "Errors", "Sum"),
    )
    dashboard.add_widgets(
        per_function("Throttles", "Throttles", "Sum"),
        per_function("Duration p95", "Duration", "p95"),
    )
    dashboard.add_widgets(
        cloudwatch.GraphWidget(
            title="Dead-letter queue depth",
            width=12,
            left=[q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES) for q in dead_letters],
        ),
        cloudwatch.AlarmStatusWidget(title="Alarms", width=12, alarms=alarms),
    )
    return dashboard
