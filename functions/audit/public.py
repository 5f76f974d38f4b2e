"""The public transparency summary (policy 418.3.1(g)): no login, read-only, no plate data.

GET /public/transparency
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.runtime import runtime

logger = Logger(service="transparency")
app = APIGatewayRestResolver()


@app.get("/public/transparency")
def transparency() -> Response:
    summary: dict[str, Any] = runtime().transparency.summary()
    # Public and the same for everyone: browsers and proxies may keep it a few minutes.
    return Response(200, "application/json", summary, headers={"Cache-Control": "public, max-age=300"})


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
