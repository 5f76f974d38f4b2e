"""Hotlist and alert API: list imports, manual entries, alert review and status (policy 418.4(c), 418.4(f)).

Identity comes from the API Gateway authorizer's claims (Cognito): ``cognito:groups`` are the roles and
``custom:alpr_trained`` says training is on record. The services check who may do what; every route that
returns alerts writes an access record first (purpose and case number as query parameters).
"""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from alpr.domain.hotlist.imports import UploadTicket
from alpr.domain.hotlist.searches import HistoricalSearch
from alpr.domain.records import AlertStatus
from alpr.runtime import runtime
from functions.rest import Requests, answer_errors, gate_every_route, json_response

logger = Logger(service="hotlist-api")
app = APIGatewayRestResolver()
request = Requests(app)
answer_errors(app, logger)
gate_every_route(app, "hotlist-api")


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


class UploadRequest(BaseModel):
    filename: str = ""
    size: int | None = Field(default=None, description="the file's size in bytes, to be refused early when too big")


@app.post("/v1/hotlists/<list_name>/imports")
def import_list(list_name: str) -> Response:
    """A small list (at most schema.MAX_DIRECT_HOTLIST_IMPORT_BYTES, what the web ACL lets through) in the body."""
    event = app.current_event
    data = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    report = runtime().hotlist.import_small_list(request.member(), list_name, data)
    return json_response(report, 201 if report.status == "in_force" else 422)


def _upload_view(ticket: UploadTicket, report: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        **ticket.model_dump(mode="json", exclude={"key"}),
        "report": report,
        "see": f"/v1/hotlists/{ticket.list_name}/uploads/{ticket.upload_id}",
    }


@app.post("/v1/hotlists/<list_name>/uploads")
def request_upload(list_name: str) -> Response:
    """A presigned POST to S3 for a list of any size up to schema.MAX_HOTLIST_UPLOAD_BYTES; poll ``see``."""
    body = request.body(UploadRequest)
    upload = runtime().hotlist.request_upload(request.member(), list_name, body.size, body.filename)
    view = _upload_view(upload.ticket)
    view["upload"] = {"method": "POST", "url": upload.post.url, "fields": upload.post.fields, "file_field": "file"}
    return json_response(view, 201)


@app.get("/v1/hotlists/<list_name>/uploads/<upload_id>")
def upload_status(list_name: str, upload_id: str) -> Response:
    ticket, report = runtime().hotlist.upload(request.member(), list_name, upload_id)
    return json_response(_upload_view(ticket, report))


@app.get("/v1/hotlists/<list_name>/imports")
def list_imports(list_name: str) -> Response:
    return json_response({"versions": runtime().hotlist.versions(request.member(), list_name)})


def _queued(search: HistoricalSearch) -> dict[str, object]:
    return {
        **search.model_dump(mode="json", exclude={"resume_key"}),
        "see": f"/v1/hotlist/entries/{search.entry_id}/searches",
    }


@app.post("/v1/hotlist/entries")
def add_entry() -> Response:
    """The entry is in force at once (201 would say all is done): the search of earlier reads is queued (202)."""
    entry, search = runtime().hotlist.add(request.member(), **request.body(NewEntry).model_dump())
    return json_response({"entry": entry.model_dump(mode="json"), "historical_search": _queued(search)}, 202)


@app.get("/v1/hotlist/entries")
def list_entries() -> Response:
    """Each entry with its status by the service's clock (a browser's own clock may be hours off)."""
    entries = runtime().hotlist.entries(request.member(), include_inactive=request.query("all") == "true")
    now = runtime().clock.now()
    return json_response({"entries": [{**e.model_dump(mode="json"), "status": e.status(now)} for e in entries]})


@app.post("/v1/hotlist/entries/<entry_id>/deactivate")
def deactivate(entry_id: str) -> Response:
    return json_response(runtime().hotlist.deactivate(request.member(), entry_id, request.body(Deactivation).why))


@app.post("/v1/hotlist/entries/<entry_id>/extend")
def extend(entry_id: str) -> Response:
    entry, search = runtime().hotlist.extend(request.member(), entry_id, request.body(Extension).days)
    return json_response({"entry": entry.model_dump(mode="json"), "historical_search": _queued(search)}, 202)


@app.get("/v1/hotlist/entries/<entry_id>/searches")
def searches(entry_id: str) -> Response:
    """Status and counts of the entry's historical searches; the hits are alerts (GET /v1/alerts?entry=...)."""
    found = runtime().historical_searches.searches(request.member(), entry_id)
    return json_response({"searches": [s.model_dump(mode="json", exclude={"resume_key"}) for s in found]})


@app.post("/v1/hotlist/entries/<entry_id>/searches")
def search_again(entry_id: str) -> Response:
    return json_response(
        {"historical_search": _queued(runtime().hotlist.search_again(request.member(), entry_id))}, 202
    )


@app.get("/v1/hotlist/entries/<entry_id>/history")
def history(entry_id: str) -> Response:
    changes = runtime().hotlist.history(request.member(), entry_id)
    return json_response({"changes": [c.model_dump(mode="json") for c in changes]})


@app.get("/v1/alerts")
def list_alerts() -> Response:
    status = request.query("status")
    alerts = runtime().alerts.list(
        request.member(),
        request.query("purpose"),
        request.query("case"),
        "api",
        status=AlertStatus(status) if status else None,
        entry_id=request.query("entry"),
    )
    return json_response({"alerts": [a.model_dump(mode="json") for a in alerts]})


@app.post("/v1/alerts/<alert_id>/review")
def review(alert_id: str) -> Response:
    body = request.body(Review)
    return json_response(runtime().alerts.review(request.member(), alert_id, body.outcome, body.note))


@app.post("/v1/alerts/<alert_id>/status")
def move(alert_id: str) -> Response:
    body = request.body(StatusChange)
    return json_response(
        runtime().alerts.move(request.member(), alert_id, body.status, body.note, body.clets_reference)
    )


@app.post("/v1/alerts/<alert_id>/mute")
def mute(alert_id: str) -> Response:
    body = request.body(MuteRequest)
    return json_response(runtime().alerts.mute(request.member(), alert_id, body.everyone, body.reason), 201)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
