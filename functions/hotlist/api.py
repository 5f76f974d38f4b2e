"""Hotlist and alert API: list imports, manual entries, alert review and status (policy 418.4(c), 418.4(f)).

Identity comes from the API Gateway authorizer's claims (Cognito): ``cognito:groups`` are the roles and
``custom:alpr_trained`` says training is on record. The services check who may do what; every route that
returns alerts writes an access record first (purpose and case number as query parameters).
"""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, ValidationError

from alpr.claims import roles_from_claims
from alpr.domain.errors import DomainError, Unauthenticated
from alpr.domain.records import AlertStatus
from alpr.runtime import runtime
from alpr.services.access import Member

logger = Logger(service="hotlist-api")
app = APIGatewayRestResolver()


class NewEntry(BaseModel):
    value: str = Field(description="a plate, or a partial plate with ? and *")
    reason: str
    case_number: str
    expires_in_days: int | None = None
    state: str | None = None
    priority: str | None = None
    vehicle: str = ""
    notes: str = ""


class Deactivation(BaseModel):
    why: str


class Extension(BaseModel):
    days: int


class Review(BaseModel):
    outcome: str
    note: str = ""


class StatusChange(BaseModel):
    status: AlertStatus
    note: str = ""
    clets_reference: str = ""


class MuteRequest(BaseModel):
    everyone: bool = False
    reason: str = ""


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


def _member() -> Member:
    authorizer = app.current_event.request_context.authorizer
    return member_from_claims(authorizer.claims if authorizer else None)


def _body(model: type[BaseModel]) -> Any:
    return model.model_validate_json(app.current_event.decoded_body or "{}")


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name)


def _json(value: Any, status: int = 200) -> Response:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return Response(status, "application/json", value)


@app.post("/v1/hotlists/<list_name>/imports")
def import_list(list_name: str) -> Response:
    event = app.current_event
    data = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    report = runtime().hotlist.import_list(_member(), list_name, data, origin="api")
    return _json(report, 201 if report.status == "in_force" else 422)


@app.get("/v1/hotlists/<list_name>/imports")
def list_imports(list_name: str) -> Response:
    return _json({"versions": runtime().hotlist.versions(_member(), list_name)})


@app.post("/v1/hotlist/entries")
def add_entry() -> Response:
    request = _body(NewEntry)
    entry, historical = runtime().hotlist.add(_member(), **request.model_dump())
    return _json({"entry": entry.model_dump(mode="json"), "historical_hits": len(historical)}, 201)


@app.get("/v1/hotlist/entries")
def list_entries() -> Response:
    entries = runtime().hotlist.entries(_member(), include_inactive=_query("all") == "true")
    return _json({"entries": [e.model_dump(mode="json") for e in entries]})


@app.post("/v1/hotlist/entries/<entry_id>/deactivate")
def deactivate(entry_id: str) -> Response:
    return _json(runtime().hotlist.deactivate(_member(), entry_id, _body(Deactivation).why))


@app.post("/v1/hotlist/entries/<entry_id>/extend")
def extend(entry_id: str) -> Response:
    return _json(runtime().hotlist.extend(_member(), entry_id, _body(Extension).days))


@app.get("/v1/hotlist/entries/<entry_id>/history")
def history(entry_id: str) -> Response:
    changes = runtime().hotlist.history(_member(), entry_id)
    return _json({"changes": [c.model_dump(mode="json") for c in changes]})


@app.get("/v1/alerts")
def list_alerts() -> Response:
    status = _query("status")
    alerts = runtime().alerts.list(
        _member(),
        _query("purpose"),
        _query("case"),
        "api",
        status=AlertStatus(status) if status else None,
        entry_id=_query("entry"),
    )
    return _json({"alerts": [a.model_dump(mode="json") for a in alerts]})


@app.post("/v1/alerts/<alert_id>/review")
def review(alert_id: str) -> Response:
    request = _body(Review)
    return _json(runtime().alerts.review(_member(), alert_id, request.outcome, request.note))


@app.post("/v1/alerts/<alert_id>/status")
def move(alert_id: str) -> Response:
    request = _body(StatusChange)
    return _json(runtime().alerts.move(_member(), alert_id, request.status, request.note, request.clets_reference))


@app.post("/v1/alerts/<alert_id>/mute")
def mute(alert_id: str) -> Response:
    request = _body(MuteRequest)
    return _json(runtime().alerts.mute(_member(), alert_id, request.everyone, request.reason), 201)


@app.exception_handler(DomainError)
def refuse(error: DomainError) -> Response:
    logger.warning("request refused", code=error.code, reason=error.message)
    return Response(error.status, "application/json", {"error": error.code, "message": error.message})


@app.exception_handler(ValidationError)
def bad_request(error: ValidationError) -> Response:
    return Response(400, "application/json", {"error": "bad_request", "message": str(error)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
