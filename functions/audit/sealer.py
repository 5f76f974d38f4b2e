"""The ``access-sealer`` function (``schema.ACCESS_SEALER_FUNCTION``): run daily by EventBridge a few minutes
after midnight UTC, it seals every finished day of the access-record chain that has no seal yet under S3 Object
Lock in compliance mode (alpr/services/access_seals.py). A missed run is caught up by the next one."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.runtime import runtime

logger = Logger(service="access-sealer")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sealed = runtime().access_sealer.seal_due()
    logger.info("access days sealed", days=sealed)
    return {"sealed": sealed}
