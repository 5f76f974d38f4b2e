"""Evidence holds and the compliance report over API Gateway, behind the staff Cognito authorizer.

The caller is who the authorizer says (``cognito:username`` and ``cognito:groups`` claims); without
those claims every route answers 401.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from alpr.domain.holds import HoldScope
from alpr.runtime import runtime
from alpr.schema import Role
from functions.rest import Requests, answer_errors, gate_every_route

logger = Logger(service="retention-api")
app = APIGatewayRestResolver()
request = Requests(app)
gate_every_route(app, "retention-api")


class HoldRequest(BaseModel):
    case_number: str = Field(max_length=64)
    reason: str = Field(max_length=2000)
    read_ids: list[str] = Field(default_factory=list, max_length=5000)
    camera_id: str | None = None
    captured_from: str | None = None
    captured_to: str | None = None
    request_only: bool = False


class ReleaseRequest(BaseModel):
    reason: str = Field(max_length=2000)


def _hold_json(hold: Any) -> dict[str, Any]:
    return dict(hold.model_dump(mode="json", exclude_none=True))


@app.get("/v1/compliance")
def compliance() -> dict[str, Any]:
    return runtime().compliance.report(request.member())


@app.get("/v1/holds")
def holds() -> dict[str, Any]:
    from alpr.domain.holds import READS_COMPLIANCE, require_role

    require_role(request.member(), READS_COMPLIANCE, "listing holds")
    service = runtime().holds
    return {"holds": [_hold_json(h) for h in service.active() + service.requested()]}


@app.post("/v1/holds")
def place_hold() -> Response:
    body: HoldRequest = request.validated(HoldRequest)
    scope = HoldScope(
        read_ids=body.read_ids,
        camera_id=body.camera_id,
        captured_from=body.captured_from,
        captured_to=body.captured_to,
    )
    service, actor = runtime().holds, request.member()
    if body.request_only or not {Role.ADMINISTRATOR, Role.CAPTAIN} & actor.roles:
        hold = service.request(actor, body.case_number, body.reason, scope)
        return Response(202, "application/json", {"hold": _hold_json(hold)})
    outcome = service.place(actor, body.case_number, body.reason, scope)
    return Response(
        201,
        "application/json",
        {"hold": _hold_json(outcome.hold), "held": outcome.held_reads, "refused": outcome.refused_reads},
    )


@app.post("/v1/holds/<hold_id>/approve")
def approve(hold_id: str) -> dict[str, Any]:
    outcome = runtime().holds.approve(request.member(), hold_id)
    return {"hold": _hold_json(outcome.hold), "held": outcome.held_reads, "refused": outcome.refused_reads}


@app.post("/v1/holds/<hold_id>/release")
def release(hold_id: str) -> dict[str, Any]:
    body: ReleaseRequest = request.validated(ReleaseRequest)
    return {"hold": _hold_json(runtime().holds.release(request.member(), hold_id, body.reason))}


@app.post("/v1/holds/<hold_id>/book")
def book(hold_id: str) -> dict[str, Any]:
    return {"manifest": runtime().holds.book(request.member(), hold_id)}


# Refusals keep their status and code, a body that does not validate is a 400: the same on every API.
answer_errors(app, logger)


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
