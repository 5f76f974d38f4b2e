"""Daily purge (EventBridge schedule): removes what the retention policy says must be gone."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.runtime import runtime

logger = Logger(service="purge")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    report = runtime().purge.run(deadline_ms=context.get_remaining_time_in_millis())
    logger.info("purge run finished", **report.summary())
    return report.summary()
