"""What the staff REST APIs behind the Cognito authorizer share: who is calling, the request's body and query,
JSON responses, and the errors every route answers the same way."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel, ValidationError

from alpr.claims import roles_from_claims
from alpr.domain.errors import DomainError, Unauthenticated
from alpr.runtime import runtime
from alpr.services.access import Member


def member_from_claims(claims: dict[str, Any] | None) -> Member:
    if not claims or not claims.get("sub"):
        raise Unauthenticated("sign in first")
    roles = roles_from_claims(claims)
    member_id = str(claims.get("cognito:username") or claims["sub"])
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
