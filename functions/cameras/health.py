"""The scheduled camera-health check (policy 418.3.1(c)): publishes how many cameras are silent past their
expected interval as a CloudWatch metric (EMF), which the SilentCameras alarm watches; names them in the log."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr import schema
from alpr.domain.camera_health import ALARMING
from alpr.runtime import runtime

logger = Logger(service="camera-health")
metrics = Metrics(service="camera-health")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = runtime().camera_health.report()
    silent = [h for h in report if h.state in ALARMING]
    # Published every run, zero included: a missing data point means the check itself did not run.
    metrics.add_metric(name=schema.CAMERA_HEALTH_METRIC, unit=MetricUnit.Count, value=len(silent))
    for health in silent:
        logger.warning(
            "camera silent past its expected interval",
            camera_id=health.camera_id,
            last_seen=health.last_seen,
            expected_interval_s=health.expected_interval_s,
        )
    return {"cameras": len(report), "silent": [h.camera_id for h in silent]}
