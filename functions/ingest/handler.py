"""Camera upload endpoint: POST /v1/frames (the frame's bytes) and POST /v1/frames/uploads (presigned)."""

from __future__ import annotations

import base64

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, ValidationError

from alpr.domain import camera_push
from alpr.domain.camera_health import Heartbeat
from alpr.domain.errors import DomainError
from alpr.domain.frames import MAX_CLIENT_FRAME_ID
from alpr.runtime import runtime
from alpr.services.ingest import FrameSubmission
from functions.rest import answer_errors

logger = Logger(service="ingest")
app = APIGatewayRestResolver()


class UploadRequest(BaseModel):
    captured_at: str
    content_sha256: str = Field(min_length=64, max_length=64)
    content_type: str
    size: int = Field(gt=0)
    latitude: float | None = None
    longitude: float | None = None
    client_frame_id: str | None = Field(default=None, max_length=MAX_CLIENT_FRAME_ID)


def _submission(**overrides: str | None) -> FrameSubmission:
    """Who is pushing (X-Camera-Id/X-Camera-Key, or HTTP Basic with the camera id and key) and the headers."""
    headers = app.current_event.headers
    basic = camera_push.basic_credentials(headers.get("authorization"))
    camera_id, api_key = basic if basic else (headers.get("x-camera-id") or "", headers.get("x-camera-key"))
    fields: dict[str, str | None] = {
        "camera_id": camera_id,
        "api_key": api_key,
        "captured_at": headers.get("x-capture-time"),
        "latitude": headers.get("x-latitude"),
        "longitude": headers.get("x-longitude"),
        "client_frame_id": headers.get("x-client-frame-id"),
    }
    fields.update(overrides)
    return FrameSubmission(correlation_id=logger.get_correlation_id() or "", **fields)  # type: ignore[arg-type]


def _body_bytes() -> bytes:
    event = app.current_event
    if not event.body:
        return b""
    return base64.b64decode(event.body) if event.is_base64_encoded else event.body.encode("latin-1")


def _pushed_frame() -> tuple[FrameSubmission, bytes]:
    """The raw-body POST, or a camera's multipart/form-data event push (form fields win over headers)."""
    content_type = app.current_event.headers.get("content-type")
    if not camera_push.is_multipart(content_type):
        return _submission(), _body_bytes()
    assert content_type is not None
    # Authenticate before parsing a stranger's form.
    submission = _submission()
    runtime().ingest.authenticate(submission.camera_id, submission.api_key)
    form = camera_push.parse_form(content_type, _body_bytes())
    return _submission(**form.fields), form.image


@app.post("/v1/frames")
def submit_frame() -> Response:
    submission, body = _pushed_frame()
    accepted = runtime().ingest.submit(submission, body)
    logger.info("frame accepted", frame_id=accepted.frame_id, duplicate=accepted.duplicate)
    return Response(
        status_code=202,
        content_type="application/json",
        body={"frame_id": accepted.frame_id, "duplicate": accepted.duplicate},
    )


@app.post("/v1/frames/uploads")
def request_upload() -> Response:
    try:
        request = UploadRequest.model_validate_json(app.current_event.decoded_body or "")
    except ValueError as exc:
        return Response(400, "application/json", {"error": "bad_request", "message": str(exc)})
    submission = _submission(
        captured_at=request.captured_at,
        latitude=None if request.latitude is None else str(request.latitude),
        longitude=None if request.longitude is None else str(request.longitude),
        client_frame_id=request.client_frame_id,
    )
    ticket = runtime().ingest.request_upload(submission, request.content_sha256, request.content_type, request.size)
    return Response(
        status_code=201,
        content_type="application/json",
        body={
            "frame_id": ticket.frame_id,
            "upload_url": ticket.upload_url,
            "method": "PUT",
            "headers": {"Content-Type": ticket.content_type},
            "expires_in_s": ticket.expires_in_s,
        },
    )


@app.post("/v1/cameras/heartbeat")
def heartbeat() -> Response:
    """The agent's heartbeat (issue 17): last seen, agent version, spool depth, last error."""
    submission = _submission()
    camera = runtime().ingest.authenticate(submission.camera_id, submission.api_key)
    try:
        beat = Heartbeat.model_validate_json(app.current_event.decoded_body or "{}")
    except ValidationError as exc:
        raise DomainError(f"invalid heartbeat: {exc}") from exc
    health = runtime().camera_health.heartbeat(camera, beat)
    return Response(200, "application/json", health.model_dump(mode="json"))


# Refusals keep their status and code, a body that does not validate is a 400: the same on every API.
answer_errors(app, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
