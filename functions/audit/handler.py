"""Audits over API Gateway, for auditors behind the staff Cognito authorizer (policy 418.6.1).

GET  /v1/audits                               every audit (drafts and finalized)
GET  /v1/audits/finalized                     the finished audits: quarter, when, by whom, sample size, locked copy
POST /v1/audits                               run the quarterly audit {quarter?, seed?, size?}
GET  /v1/audits/{id}                          one audit; a finalized one is read from its locked copy
POST /v1/audits/{id}/items/{n}/review         {consistent, comment}
POST /v1/audits/{id}/notes                    {community_safety?, prosecutions?, other?}
POST /v1/audits/{id}/finalize                 store under Object Lock; no change after
POST /v1/audits/bundles                       the annual bundle {from, to}: stored under audits/bundles/
GET  /v1/audits/access-chain?day=YYYY-MM-DD   verify the access-record chain (every day without ?day)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from alpr.domain.audit import Quarter
from alpr.domain.errors import DomainError
from alpr.runtime import runtime
from functions.rest import Requests, answer_errors, gate_every_route

logger = Logger(service="audit-api")
app = APIGatewayRestResolver()
request = Requests(app)
gate_every_route(app, "audit-api")


class RunRequest(BaseModel):
    quarter: str | None = Field(default=None, pattern=r"^\d{4}-[Qq][1-4]$")
    seed: int | None = Field(default=None, ge=0, lt=2**53)
    size: int | None = Field(default=None, ge=5, le=1000)


class ReviewRequest(BaseModel):
    consistent: bool
    comment: str = Field(default="", max_length=4000)


class NotesRequest(BaseModel):
    community_safety: str | None = Field(default=None, max_length=20000)
    prosecutions: str | None = Field(default=None, max_length=20000)
    other: str | None = Field(default=None, max_length=20000)


class BundleRequest(BaseModel):
    first: date = Field(alias="from")
    last: date = Field(alias="to")


def _audit(audit: Any) -> dict[str, Any]:
    return dict(audit.model_dump(mode="json"))


@app.get("/v1/audits")
def list_audits() -> dict[str, Any]:
    audits = runtime().audits.list_audits(request.member())
    return {"audits": [{**_audit(a), "outcome": a.outcome()} for a in audits]}


@app.post("/v1/audits")
def run_quarterly() -> Response:
    body: RunRequest = request.validated(RunRequest)
    quarter = Quarter.parse(body.quarter) if body.quarter else None
    audit = runtime().audits.run_quarterly(request.member(), quarter, body.seed, body.size)
    return Response(201, "application/json", {"audit": _audit(audit)})


@app.post("/v1/audits/bundles")
def bundle() -> Response:
    body: BundleRequest = request.validated(BundleRequest)
    made = runtime().audits.bundle(request.member(), body.first, body.last)
    return Response(
        201,
        "application/json",
        {"bundle_id": made.bundle_id, "stored_at": made.stored_prefix, "manifest": made.manifest},
    )


@app.get("/v1/audits/access-chain")
def verify_chain() -> dict[str, Any]:
    day = request.query("day")
    results = runtime().audits.verify_access_chain(request.member(), [day] if day else None)
    return {
        "intact": all(r.intact for r in results),
        "days": [{"day": r.day, "records": r.records, "intact": r.intact, "finding": r.describe()} for r in results],
    }


@app.get("/v1/audits/finalized")
def finalized() -> dict[str, Any]:
    return {"audits": runtime().audits.finalized(request.member())}


@app.get("/v1/audits/<audit_id>")
def get_audit(audit_id: str) -> dict[str, Any]:
    audit = runtime().audits.get(request.member(), audit_id)
    return {"audit": _audit(audit), "outcome": audit.outcome()}


@app.post("/v1/audits/<audit_id>/items/<item>/review")
def review(audit_id: str, item: str) -> dict[str, Any]:
    body: ReviewRequest = request.validated(ReviewRequest)
    if not item.isdigit():
        raise DomainError("the item is a number")
    audit = runtime().audits.review(request.member(), audit_id, int(item), body.consistent, body.comment)
    return {"audit": _audit(audit)}


@app.post("/v1/audits/<audit_id>/notes")
def notes(audit_id: str) -> dict[str, Any]:
    body: NotesRequest = request.validated(NotesRequest)
    audit = runtime().audits.notes(request.member(), audit_id, body.model_dump(exclude_none=True))
    return {"audit": _audit(audit)}


@app.post("/v1/audits/<audit_id>/finalize")
def finalize(audit_id: str) -> dict[str, Any]:
    return {"audit": _audit(runtime().audits.finalize(request.member(), audit_id))}


# Refusals keep their status and code, a body that does not validate is a 400: the same on every API.
answer_errors(app, logger)


@app.exception_handler(ValueError)
def invalid(error: ValueError) -> Response:
    return Response(400, "application/json", {"error": "bad_request", "message": str(error)})


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
