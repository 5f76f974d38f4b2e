"""The staff page's routes each pass their gate (functions/search/page.py): a route declared without one is
found when the function loads, not by an auditor later."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router

from alpr.services.staff import Rule, Served
from functions.search.page import rules_of, staff


def test_the_rules_are_read_back_from_the_routes_and_an_ungated_route_stops_the_load() -> None:
    app, router = APIGatewayRestResolver(), Router()

    @router.get("/api/gated", middlewares=[staff(Rule("gated"))])
    def gated() -> Served[dict[str, str]]:
        return Served({})

    app.include_router(router)
    assert {key: rule.action for key, rule in rules_of(app).items()} == {"GET/api/gated": "gated"}

    @router.get("/api/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app = APIGatewayRestResolver()
    app.include_router(router)
    with pytest.raises(RuntimeError, match="GET/api/forgotten"):
        rules_of(app)
