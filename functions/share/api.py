"""Sharing API (policy 418.7), mounted under /share/ behind a WAF geo-match rule (United States only).

Department members (administrators for the agency registry, the Bureau of Services Captain for decisions)
are identified by the API Gateway authorizer's Cognito claims. Outside agencies file requests without an
account, and fetch what an approved request covers with the grant token the captain handed them
(``Authorization: Bearer <token>``). Every fetch and every frame download writes an access record naming
the agency and the person before anything is returned.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from alpr.clock import parse_timestamp
from alpr.domain.plates import normalize_plate
from alpr.domain.sharing import DEFAULT_GRANT_DAYS, InvalidRequest, RequestStatus, Scope, SharingRefused
from alpr.runtime import runtime
from alpr.services.sharing import SharedData
from alpr.services.staff import Rule
from functions.rest import Requests, answer_errors, gate_every_route, json_response, route_key

logger = Logger(service="share")
app = APIGatewayRestResolver()
request = Requests(app)
answer_errors(app, logger)
# Outside agencies have no account: filing a request is open, and a grant's token (checked by the sharing
# service, which records the agency and person) stands in for the login. Every call is still recorded.
gate_every_route(
    app,
    "share",
    {
        route_key("POST", "/share/requests"): Rule(
            "share POST /share/requests", justified=False, trained=False, authenticated=False
        ),
        route_key("GET", "/share/grants/<request_id>/reads"): Rule(
            "share.fetch", justified=False, trained=False, authenticated=False
        ),
        route_key("GET", "/share/grants/<request_id>/frames/<read_id>"): Rule(
            "share.download", justified=False, trained=False, authenticated=False
        ),
    },
)


class NewAgency(BaseModel):
    ori: str
    name: str
    state: str
    agency_type: str
    ncric_partner: bool = False
    fixed_camera_access: bool = False


class AgencyEdit(BaseModel):
    name: str | None = None
    state: str | None = None
    agency_type: str | None = None
    ncric_partner: bool | None = None
    fixed_camera_access: bool | None = None


class NewRequest(BaseModel):
    ori: str
    agency_name: str = ""
    requester_name: str = ""
    intended_purpose: str = ""
    case_number: str = ""
    data_class: str
    plates: list[str] = Field(min_length=1)
    window_start: str
    window_end: str


class ApprovalBody(BaseModel):
    days: int = DEFAULT_GRANT_DAYS
    note: str = ""


class DenialBody(BaseModel):
    note: str


def _client() -> str:
    return f"api {request.event().request_context.identity.source_ip or ''}".strip()


def _base_url() -> str:
    event = request.event()
    host = request.header("Host") or ""
    stage = event.request_context.stage
    return f"http://{host}" if stage in ("local", "") else f"https://{host}/{stage}"


def _grant_token() -> str | None:
    auth = request.header("Authorization") or ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.header("X-Grant-Token")


@app.post("/share/agencies")
def add_agency() -> Response:
    agency = runtime().sharing.add_agency(request.member(), **request.body(NewAgency).model_dump())
    return json_response(agency.model_dump(mode="json"), 201)


@app.get("/share/agencies")
def list_agencies() -> Response:
    return json_response(
        {"agencies": [a.model_dump(mode="json") for a in runtime().sharing.agencies(request.member())]}
    )


@app.patch("/share/agencies/<ori>")
def edit_agency(ori: str) -> Response:
    changes = request.body(AgencyEdit).model_dump(exclude_none=True)
    return json_response(runtime().sharing.edit_agency(request.member(), ori, **changes).model_dump(mode="json"))


@app.get("/share/agencies/<ori>/history")
def agency_history(ori: str) -> Response:
    changes = runtime().sharing.agency_history(request.member(), ori)
    return json_response({"changes": [c.model_dump(mode="json") for c in changes]})


@app.post("/share/requests")
def file_request() -> Response:
    filed = runtime().sharing.file_request(**request.body(NewRequest).model_dump(), via="api")
    note = (
        "awaiting review by the Bureau of Services Captain" if filed.status is RequestStatus.PENDING else filed.reason
    )
    return json_response({"request_id": filed.request_id, "status": filed.status.value, "note": note}, 202)


@app.get("/share/requests")
def list_requests() -> Response:
    status = request.query("status")
    try:
        wanted = RequestStatus(status) if status else None
    except ValueError:
        raise InvalidRequest(f"status must be one of: {', '.join(s.value for s in RequestStatus)}") from None
    found = runtime().sharing.requests(request.member(), wanted, request.query("ori"))
    return json_response({"requests": [r.model_dump(mode="json", exclude={"grant_token_hash"}) for r in found]})


@app.post("/share/requests/<request_id>/approve")
def approve(request_id: str) -> Response:
    body = request.body(ApprovalBody)
    approval = runtime().sharing.approve(request.member(), request_id, body.days, body.note)
    return json_response(
        {
            "request_id": request_id,
            "status": approval.request.status.value,
            "grant_expires_at": approval.request.grant_expires_at,
            "grant_token": approval.grant_token,
            "note": "the grant token is shown once: hand it to the requesting agency",
        }
    )


@app.post("/share/requests/<request_id>/deny")
def deny(request_id: str) -> Response:
    denied = runtime().sharing.deny(request.member(), request_id, request.body(DenialBody).note)
    return json_response({"request_id": request_id, "status": denied.status.value})


@app.get("/share/grants/<request_id>/reads")
def fetch(request_id: str) -> Response:
    plate, start, end = request.query("plate"), request.query("from"), request.query("to")
    try:
        scope = Scope(
            plate=normalize_plate(plate) if plate else None,
            start=parse_timestamp(start) if start else None,
            end=parse_timestamp(end) if end else None,
        )
    except ValueError as exc:
        raise InvalidRequest(f"from/to must be ISO 8601 with a zone offset: {exc}") from None
    shared = runtime().sharing.fetch(request_id, _grant_token(), scope, _base_url(), _client())
    return json_response(shared_body(shared))


def shared_body(shared: SharedData) -> dict[str, Any]:
    return {
        "request_id": shared.request.request_id,
        "grant_expires_at": shared.request.grant_expires_at,
        "reads": [
            {
                "read_id": s.read.read_id,
                "plate": s.read.plate,
                "captured_at": s.read.captured_at,
                "latitude": s.read.latitude,
                "longitude": s.read.longitude,
                "source": s.read.source.value,
                "confidence": s.read.confidence,
                "frame_link": s.frame_link,
            }
            for s in shared.reads
        ],
    }


@app.get("/share/grants/<request_id>/frames/<read_id>")
def download(request_id: str, read_id: str) -> Response:
    try:
        expires = int(request.query("expires") or "0")
    except ValueError:
        raise InvalidRequest("expires must be a number") from None
    data, content_type = runtime().sharing.download(
        request_id, unquote(read_id), expires, request.query("sig") or "", _client()
    )
    return Response(200, content_type, data, headers={"Cache-Control": "no-store"})


@app.exception_handler(SharingRefused)
def refuse_sharing(error: SharingRefused) -> Response:
    logger.warning("sharing refused", rule=error.rule, request_id=error.request_id)
    body = {"error": error.code, "rule": error.rule, "message": error.message}
    if error.request_id:
        body["request_id"] = error.request_id
    return Response(error.status, "application/json", body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
