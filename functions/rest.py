"""What the staff REST APIs behind the Cognito authorizer share: who is calling, the request's body and query,
JSON responses, the errors every route answers the same way, and the access gate every route passes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import BaseModel, ValidationError

from alpr.claims import roles_from_claims
from alpr.domain.errors import DomainError, Unauthenticated
from alpr.runtime import runtime
from alpr.services.access import Member
from alpr.services.staff import Call, Rule


def member_from_claims(claims: dict[str, Any] | None) -> Member:
    member_id = str((claims or {}).get("cognito:username") or (claims or {}).get("sub") or "")
    if not claims or not member_id:
        raise Unauthenticated("sign in first")
    roles = roles_from_claims(claims)
    return Member(
        member_id=member_id,
        name=str(claims.get("name") or member_id),
        roles=roles,
        # Training is what administrators recorded (policy 418.4(d)), the same source the staff page uses.
        trained=runtime().repos.training.get(member_id) is not None,
    )


class Requests:
    """The current request of one resolver, read the same way by every route."""

    def __init__(self, app: APIGatewayRestResolver) -> None:
        self._app = app

    def member(self) -> Member:
        authorizer = self._app.current_event.request_context.authorizer
        return member_from_claims(authorizer.claims if authorizer else None)

    def body(self, model: type[BaseModel]) -> Any:
        return model.model_validate_json(self._app.current_event.decoded_body or "{}")

    def query(self, name: str) -> str | None:
        return self._app.current_event.get_query_string_value(name)


def validated_body(app: APIGatewayRestResolver, model: type[BaseModel]) -> Any:
    """The request's JSON body as ``model``; a body that is not JSON or does not validate is a DomainError (400)."""
    try:
        return model.model_validate(app.current_event.json_body or {})
    except (ValidationError, ValueError) as exc:
        raise DomainError(f"invalid request body: {exc}") from exc


def json_response(value: Any, status: int = 200) -> Response:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return Response(status, "application/json", value)


def answer_errors(app: APIGatewayRestResolver, logger: Logger) -> None:
    """Refusals keep their status and code; a body that does not validate is a 400 naming what is wrong."""

    @app.exception_handler(DomainError)
    def refuse(error: DomainError) -> Response:
        logger.warning("request refused", code=error.code, reason=error.message)
        return Response(error.status, "application/json", {"error": error.code, "message": error.message})

    @app.exception_handler(ValidationError)
    def bad_request(error: ValidationError) -> Response:
        return Response(400, "application/json", {"error": "bad_request", "message": str(error)})


def route_key(method: str, path: str) -> str:
    """How a route is named in rules and records: ``GET /v1/alerts/<alert_id>``."""
    return f"{method.upper()} {path}"


def routes_of(app: APIGatewayRestResolver) -> list[tuple[str, str]]:
    """Every (method, path) the resolver serves: tests walk them, so a new route is tested by construction."""
    found = [*app._static_routes, *app._dynamic_routes]
    return sorted(
        {
            (m, route.path)
            for route in found
            for m in ([route.method] if isinstance(route.method, str) else route.method)
        }
    )


def gate_every_route(
    app: APIGatewayRestResolver, service: str, rules: Mapping[str, Rule] | None = None
) -> Callable[..., Response]:
    """Runs every route of ``app`` inside ``StaffGate.guard`` (alpr/services/staff.py).

    The caller is who the Cognito authorizer's claims say. By default a route needs a signed-in member with
    training on record (policy 418.4(d)); ``rules`` (keyed by ``route_key``) relaxes that for the few routes
    that are not about ALPR data or whose caller the service identifies itself (an outside agency's grant
    token). Allowed, refused and failed calls alike leave an access record before the answer leaves.
    """
    overrides = dict(rules or {})

    def gate(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        route = resolver.context.get("_route")
        key = route_key(resolver.current_event.http_method, route.path if route else resolver.current_event.path)
        rule = overrides.get(key) or Rule(f"{service} {key}", justified=False)
        event = resolver.current_event
        params = {**(event.query_string_parameters or {}), **_json_object(event.decoded_body)}
        call = Call(
            token=None,
            client=event.request_context.identity.source_ip or "",
            subject=f"{event.http_method} {event.path}",
            purpose=_text(params.get("purpose")),
            offense=_text(params.get("offense")),
            case_number=_text(params.get("case_number") or params.get("case")),
            correlation_id=str(event.request_context.request_id or ""),
        )
        return runtime().staff_gate.guard(
            rule, call, lambda: Requests(resolver).member(), lambda _: next_middleware(resolver), count_results
        )

    app.use(middlewares=[gate])
    return gate


def count_results(answer: Any) -> int:
    """The number of items an answer hands out: the length of its lists (a JSON object of lists), else 1."""
    body = answer.body if isinstance(answer, Response) else answer
    if isinstance(body, str):
        body = _json_object(body)
    if isinstance(body, Mapping):
        lists = [len(v) for v in body.values() if isinstance(v, list)]
        return sum(lists) if lists else 1
    return 1


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _json_object(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
