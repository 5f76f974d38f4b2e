"""What the REST functions share: who is calling, the request's body and query, JSON responses, the errors
every route answers the same way, and the access gate every staff route passes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from alpr.claims import member_from_claims
from alpr.domain.errors import DomainError
from alpr.runtime import runtime
from alpr.services.access import Member
from alpr.services.staff import Call, Rule

# Where a gate leaves the member it identified, for the route to read (``Requests.member``). Powertools clears
# a resolver's context after every event, so it never outlives the call.
MEMBER = "alpr.member"


class Requests:
    """The current request of one resolver or router, read the same way by every route.

    It holds the router, never the event: Powertools keeps the current event on ``BaseRouter`` itself, shared
    by every resolver in a process, so it is read afresh on every call.
    """

    def __init__(self, router: BaseRouter) -> None:
        self._router = router

    def event(self) -> APIGatewayProxyEvent:
        return cast(APIGatewayProxyEvent, self._router.current_event)

    def member(self) -> Member:
        """Who the route's gate identified; else who the Cognito authorizer's claims say (training looked up in
        the records administrators keep, policy 418.4(d), the same source the staff page uses)."""
        known = self._router.context.get(MEMBER)
        if isinstance(known, Member):
            return known
        return member_from_claims(
            self.event().request_context.authorizer.claims,
            trained=lambda member_id: runtime().repos.training.get(member_id) is not None,
        )

    def body(self, model: type[BaseModel]) -> Any:
        """The JSON body as ``model``; one that does not validate is answered 400 ``bad_request`` (answer_errors)."""
        return model.model_validate_json(self.event().decoded_body or "{}")

    def validated(self, model: type[BaseModel]) -> Any:
        """The JSON body as ``model``; one that is not JSON or does not validate is a DomainError (400)."""
        try:
            return model.model_validate(self.event().json_body or {})
        except (ValidationError, ValueError) as exc:
            raise DomainError(f"invalid request body: {exc}") from exc

    def json_object(self) -> dict[str, Any]:
        """The JSON object body; anything else reads as no body (a route's model then says what is missing)."""
        return _json_object(self.event().decoded_body)

    def query(self, name: str) -> str | None:
        return self.event().get_query_string_value(name)

    def header(self, name: str) -> str | None:
        headers = self.event().headers
        return headers.get(name.lower()) or headers.get(name)


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


def request_call(
    router: BaseRouter, token: str | None = None, case_keys: tuple[str, ...] = ("case_number", "case")
) -> Call:
    """What the gate knows of the request before it decides: the client, the route called, and the purpose,
    offense and case number the query or the JSON body name (418.4.1)."""
    event = Requests(router).event()
    params = {**(event.query_string_parameters or {}), **_json_object(event.decoded_body)}
    return Call(
        token=token,
        client=event.request_context.identity.source_ip or "",
        subject=f"{event.http_method} {event.path}",
        purpose=_text(params.get("purpose")),
        offense=_text(params.get("offense")),
        case_number=_text(next((params[key] for key in case_keys if params.get(key)), None)),
        # The id the Logger's correlation path (correlation_paths.API_GATEWAY_REST) reads.
        correlation_id=str(event.request_context.request_id or ""),
    )


def remember(router: BaseRouter, member: Member) -> Member:
    """Leaves the member the gate identified for the route (``Requests.member``)."""
    router.append_context(**{MEMBER: member})
    return member


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
        event = resolver.current_event
        route = resolver.context.get("_route")
        key = route_key(event.http_method, route.path if route else event.path)
        rule = overrides.get(key) or Rule(f"{service} {key}", justified=False)
        return runtime().staff_gate.guard(
            rule,
            request_call(resolver),
            lambda: remember(resolver, Requests(resolver).member()),
            lambda _: next_middleware(resolver),
            count_results,
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
