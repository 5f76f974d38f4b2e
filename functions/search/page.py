"""What every route of the staff page's API (``/api/...``) shares: the gate it passes, declared beside the route.

The page's routes are not behind API Gateway's Cognito authorizer: the gate verifies the ID token itself. Each
route names its ``Rule`` in its route middleware, ``middlewares=[staff(Rule(...))]``, and runs inside
``StaffGate.serve``: login check, role, training (418.4(d)), purpose/offense/case number (418.4.1), then the
access record (Civil Code § 1798.90.52) is written before the answer leaves. A route answers with ``Served``
(its payload, how many items it hands out, what it opened); the gate hands the payload on.

``rules_of`` reads every route's rule back from the resolver and refuses to load a resolver with a route that
has no gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler, NextMiddleware

from alpr.runtime import runtime
from alpr.schema import Role
from alpr.services.access import Member
from alpr.services.staff import Justified, Rule, Served
from functions.rest import Requests, remember, request_call

SEARCHERS = (Role.OFFICER, Role.ADMINISTRATOR)
ALERT_READERS = (Role.OFFICER, Role.ADMINISTRATOR, Role.CAPTAIN)

# Where the gate leaves the route's purpose, offense and case number (a justified rule's), for ``reasons``.
REASONS = "alpr.reasons"


class StaffGateMiddleware(BaseMiddlewareHandler[APIGatewayRestResolver]):
    """The route middleware that runs one page route inside ``StaffGate.serve`` under its rule."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def handler(self, app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        # Read ids contain "#", which travels percent-encoded in a path: the route gets them decoded (Powertools
        # calls the route with the context's ``_route_args``).
        arguments: Mapping[str, str] = app.context.get("_route_args") or {}
        app.append_context(_route_args={name: unquote(value) for name, value in arguments.items()})
        call = request_call(app, token=bearer(Requests(app).header("Authorization")), case_keys=("case_number",))

        def body(member: Member, why: Justified | None) -> Served[Response]:
            if self.rule.authenticated:
                remember(app, member)
            app.append_context(**{REASONS: why})
            answer = next_middleware(app)
            served = answer.body
            if not isinstance(served, Served):
                raise TypeError(f"a staff page route answers with Served, not {type(served).__name__}")
            payload = served.payload
            if not isinstance(payload, Response):
                answer.body = payload
                payload = answer
            return replace(served, payload=payload)

        return runtime().staff_gate.serve(self.rule, call, body)


def staff(rule: Rule) -> StaffGateMiddleware:
    """The gate of one route: ``@router.get(path, middlewares=[staff(Rule(...))])``."""
    return StaffGateMiddleware(rule)


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else header.strip()


def reasons(router: BaseRouter) -> Justified:
    """The purpose, offense and case number the gate checked; only a justified rule's route has them."""
    why = router.context.get(REASONS)
    if not isinstance(why, Justified):
        raise TypeError("only a route whose rule is justified has reasons")
    return why


def rules_of(app: APIGatewayRestResolver) -> dict[str, Rule]:
    """Every route's rule, keyed like Powertools' route keys (``GET/api/reads/<read_id>``); a route without
    its gate stops the function from loading."""
    rules: dict[str, Rule] = {}
    for route in [*app._static_routes, *app._dynamic_routes]:
        gates = [m for m in route.middlewares if isinstance(m, StaffGateMiddleware)]
        methods = [route.method] if isinstance(route.method, str) else list(route.method)
        for method in methods:
            key = f"{method}{route.path}"
            if len(gates) != 1:
                raise RuntimeError(f"{key} must pass exactly one staff gate: middlewares=[staff(Rule(...))]")
            rules[key] = gates[0].rule
    return rules


def cameras() -> dict[str, Any]:
    return {c.camera_id: c for c in runtime().repos.cameras.list()}
