"""The staff search API behind the search page (``/api/...``): one resolver, each area of the page in its own
Powertools ``Router``.

Every route declares its ``Rule`` beside it, in its gate middleware (``functions/search/page.py``), and runs
inside ``StaffGate.serve``: login check, role, training (418.4(d)), purpose/offense/case number (418.4.1),
then the access record (Civil Code § 1798.90.52) is written before the answer leaves. ``ROUTE_RULES`` is read
back from the resolver (a route without its gate stops the function from loading), so a test can walk every
route and check its record.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.rest import answer_errors
from functions.search import (
    alert_routes,
    audit_routes,
    hold_routes,
    search_routes,
    session_routes,
    sharing_routes,
    training_routes,
)
from functions.search.page import rules_of

logger = Logger(service="search")
app = APIGatewayRestResolver()

# The page's areas: signing in, searching and what it opens, alerts, audits, training records, holds, sharing.
PAGE_AREAS = (session_routes, search_routes, alert_routes, audit_routes, training_routes, hold_routes, sharing_routes)
for area in PAGE_AREAS:
    app.include_router(area.router)

# Refusals keep their status and code, a body that does not validate is a 400: the same on every API.
answer_errors(app, logger)

ROUTE_RULES = rules_of(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
