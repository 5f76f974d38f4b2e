"""ALPR administration over API Gateway, behind the staff Cognito authorizer (policy 418.3.1(e), 418.4(d), 418.6).

GET   /v1/admin/designee                      the current ALPR administrator designee (any signed-in member)
PUT   /v1/admin/designee                      {title, name}: record a new designee
GET   /v1/admin/cameras                       the camera registry and its change history
GET   /v1/admin/cameras/health                each camera's last heartbeat or frame, agent, spool, last error
POST  /v1/admin/cameras                       {camera_id, source, name?, latitude?, longitude?}: the key, once
PATCH /v1/admin/cameras/{id}                  {reason, active?, name?, latitude?, longitude?}
GET   /v1/admin/members                       members (user pool) with their training records
PUT   /v1/admin/members/{id}/training         {course, completed_on}
GET   /v1/admin/training-changes              every training record made, with who and when
GET   /v1/admin/error-reports                 every error report (an access record is written: they name plates)
POST  /v1/admin/error-reports                 {read_id, error, description, corrected_plate?, alert_id?}

Who may do what is the administration service's rule (alpr/services/administration.py); the caller is who the
authorizer's claims say (``functions.rest.Requests.member``). Every change lands in the append-only
administration log.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from alpr.domain.cameras import Camera
from alpr.domain.errors import DomainError, Forbidden
from alpr.runtime import runtime
from alpr.schema import SourceClass
from alpr.services.access import Member
from functions.rest import Requests, answer_errors, gate_every_route

logger = Logger(service="admin-api")
app = APIGatewayRestResolver()
request = Requests(app)
gate_every_route(app, "admin-api")

TEXT = 2000


class DesigneeRequest(BaseModel):
    title: str = Field(max_length=200)
    name: str = Field(max_length=200)


class NewCamera(BaseModel):
    camera_id: str = Field(max_length=63)
    source: SourceClass
    name: str = Field(default="", max_length=200)
    latitude: float | None = None
    longitude: float | None = None


class CameraChange(BaseModel):
    reason: str = Field(max_length=TEXT)
    active: bool | None = None
    name: str | None = Field(default=None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None


class TrainingRequest(BaseModel):
    course: str = Field(max_length=200)
    completed_on: date


class ErrorReportRequest(BaseModel):
    read_id: str = Field(max_length=256)
    error: Literal["misread", "wrong_hit"]
    description: str = Field(max_length=TEXT)
    corrected_plate: str | None = Field(default=None, max_length=16)
    alert_id: str | None = Field(default=None, max_length=128)


def trained_caller() -> Member:
    """Error reports open ALPR data: policy 418.4(d) asks for recorded training first."""
    member = request.member()
    if not member.trained:
        raise Forbidden("no recorded completion of department-approved ALPR training (policy 418.4(d))")
    return member


def _camera(camera: Camera) -> dict[str, Any]:
    # The key's salt and hash stay in the registry.
    return camera.model_dump(mode="json", exclude={"key_salt", "key_hash"})


@app.get("/v1/admin/designee")
def designee() -> dict[str, Any]:
    request.member()
    return {"designee": runtime().administration.designee()}


@app.put("/v1/admin/designee")
def designate() -> dict[str, Any]:
    body: DesigneeRequest = request.validated(DesigneeRequest)
    return {"designation": runtime().administration.designate(request.member(), body.title, body.name)}


@app.get("/v1/admin/cameras")
def cameras() -> dict[str, Any]:
    service = runtime().administration
    registry = [_camera(c) for c in service.cameras(request.member())]
    return {"cameras": registry, "changes": service.camera_history()}


@app.get("/v1/admin/cameras/health")
def camera_health() -> dict[str, Any]:
    """Camera health (418.3.1(c)): last seen, agent, spool depth, last error; silent ones first."""
    runtime().administration.cameras(request.member())  # who may list the registry may see its health
    report = runtime().camera_health.report()
    order = {"silent": 0, "never_seen": 1, "ok": 2, "not_watched": 3, "deactivated": 4}
    report.sort(key=lambda h: (order.get(h.state.value, 9), h.camera_id))
    return {"cameras": [h.model_dump(mode="json") for h in report]}


@app.post("/v1/admin/cameras")
def add_camera() -> Response:
    body: NewCamera = request.validated(NewCamera)
    camera, api_key = runtime().administration.add_camera(
        request.member(), body.camera_id, body.source, body.name, body.latitude, body.longitude
    )
    return Response(201, "application/json", {"camera": _camera(camera), "api_key": api_key})


@app.patch("/v1/admin/cameras/<camera_id>")
def change_camera(camera_id: str) -> dict[str, Any]:
    body: CameraChange = request.validated(CameraChange)
    located = body.latitude is not None or body.longitude is not None
    if located and (body.latitude is None or body.longitude is None):
        raise DomainError("give both latitude and longitude")
    service = runtime().administration
    changes = service.update_camera(
        request.member(),
        unquote(camera_id),
        body.reason,
        active=body.active,
        name=body.name,
        location=(body.latitude, body.longitude) if body.latitude is not None and body.longitude is not None else None,
    )
    return {"changes": changes}


@app.get("/v1/admin/members")
def members() -> dict[str, Any]:
    return {"members": runtime().administration.members(request.member())}


@app.put("/v1/admin/members/<member_id>/training")
def record_training(member_id: str) -> dict[str, Any]:
    body: TrainingRequest = request.validated(TrainingRequest)
    record = runtime().administration.record_training(
        request.member(), unquote(member_id), body.course, body.completed_on
    )
    return {"training": record.model_dump()}


@app.get("/v1/admin/training-changes")
def training_changes() -> dict[str, Any]:
    return {"changes": runtime().administration.training_history(request.member())}


@app.get("/v1/admin/error-reports")
def error_reports() -> dict[str, Any]:
    return {"error_reports": runtime().administration.error_reports(trained_caller())}


@app.post("/v1/admin/error-reports")
def report_error() -> Response:
    body: ErrorReportRequest = request.validated(ErrorReportRequest)
    report = runtime().administration.report_error(
        trained_caller(), body.read_id, body.error, body.description, body.corrected_plate, body.alert_id
    )
    return Response(201, "application/json", {"error_report": report})


# Refusals keep their status and code, a body that does not validate is a 400: the same on every API.
answer_errors(app, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
