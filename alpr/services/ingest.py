"""Accepting frames from cameras: authenticate, check the bytes, store once, answer with a frame id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alpr import schema
from alpr.clock import Clock, iso, parse_timestamp
from alpr.domain import frames as frame_rules
from alpr.domain.cameras import Camera, authenticate
from alpr.domain.errors import InvalidFrame
from alpr.domain.records import FrameMetadata, FrameRecord, FrameStatus
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories


@dataclass(frozen=True)
class FrameSubmission:
    camera_id: str
    api_key: str | None
    captured_at: str | None
    latitude: str | None = None
    longitude: str | None = None
    client_frame_id: str | None = None
    correlation_id: str = ""


@dataclass(frozen=True)
class Accepted:
    frame_id: str
    image_key: str
    duplicate: bool


@dataclass(frozen=True)
class UploadTicket:
    frame_id: str
    upload_url: str
    content_type: str
    expires_in_s: int


class IngestService:
    def __init__(self, repos: Repositories, retention: RetentionPolicy, clock: Clock) -> None:
        self._repos = repos
        self._retention = retention
        self._clock = clock

    def authenticate(self, camera_id: str, api_key: str | None) -> Camera:
        return authenticate(self._repos.cameras.get(camera_id) if camera_id else None, camera_id, api_key)

    def submit(self, submission: FrameSubmission, body: bytes) -> Accepted:
        """Every check runs before anything is written, so a refused frame leaves no trace but the log."""
        camera = self.authenticate(submission.camera_id, submission.api_key)
        frame_rules.check_size(len(body), schema.MAX_DIRECT_FRAME_BYTES)
        image_format = frame_rules.sniff_format(body)
        frame_rules.check_decodes(body)
        meta, key = self._describe(camera, submission, frame_rules.content_digest(body), image_format)
        # The ledger entry goes first: OCR finishes it, and a failed object write is repaired by the retry.
        # A conditional write: a new frame costs one round trip, and only a repeat reads what is there.
        entry = self._ledger_entry(meta, key)
        if not self._repos.frames.add(entry):
            existing = self._repos.frames.get(meta.frame_id)
            if existing is not None:
                # Issue 16.5: the same client frame id with other bytes was answered "duplicate" and the
                # bytes were dropped; now it is a 409 and the camera resends under a new id.
                frame_rules.check_same_content(existing, meta.content_sha256)
                if self._stored(existing):
                    self._seen(camera)
                    return Accepted(existing.frame_id, existing.image_key, duplicate=True)
            self._repos.frames.put(entry)
        self._repos.images.put_frame(key, body, image_format.content_type, meta)
        self._seen(camera)
        return Accepted(meta.frame_id, key, duplicate=False)

    def request_upload(
        self, submission: FrameSubmission, content_sha256: str, content_type: str, size: int
    ) -> UploadTicket:
        """For frames over the API payload limit: the same checks run when the object lands."""
        camera = self.authenticate(submission.camera_id, submission.api_key)
        frame_rules.check_size(size, schema.MAX_PRESIGNED_FRAME_BYTES)
        image_format = {f.content_type: f for f in (frame_rules.JPEG, frame_rules.PNG)}.get(content_type)
        if image_format is None:
            raise InvalidFrame("content_type must be image/jpeg or image/png")
        if len(content_sha256) != 64:
            raise InvalidFrame("content_sha256 must be the frame's SHA-256 as 64 hex digits")
        meta, _ = self._describe(camera, submission, content_sha256.lower(), image_format)
        existing = self._repos.frames.get(meta.frame_id)
        if existing is not None:
            frame_rules.check_same_content(existing, meta.content_sha256)
        key = schema.BUCKET.upload_key(camera.camera_id, meta.frame_id)
        url = self._repos.images.presigned_upload(key, content_type, meta)
        return UploadTicket(meta.frame_id, url, content_type, schema.PRESIGNED_URL_TTL_S)

    def accept_upload(self, upload_key: str) -> Accepted | None:
        """Checks a presigned upload that has landed; a bad one is dead-lettered with its reason."""
        body, meta = self._repos.images.get_frame(upload_key)
        if meta is None:
            raise InvalidFrame(f"upload {upload_key} carries no frame metadata")
        camera = self._repos.cameras.get(meta.camera_id)
        try:
            if camera is None or not camera.active:
                raise InvalidFrame(f"camera {meta.camera_id!r} is unknown or deactivated")
            frame_rules.check_size(len(body), schema.MAX_PRESIGNED_FRAME_BYTES)
            image_format = frame_rules.sniff_format(body)
            frame_rules.check_decodes(body)
            if frame_rules.content_digest(body) != meta.content_sha256:
                raise InvalidFrame("the uploaded bytes do not match the SHA-256 given when the upload was requested")
            frame_rules.check_capture_time(_when(meta.captured_at), self._clock.now(), camera, self._retention)
        except InvalidFrame as refused:
            self._dead_letter_upload(upload_key, meta, refused.message)
            return None
        key = frame_rules.frame_key(camera, _when(meta.captured_at), meta.frame_id, image_format)
        existing = self._repos.frames.get(meta.frame_id)
        if existing is not None and existing.content_sha256 != meta.content_sha256:
            # Two tickets for one client frame id, then different bytes: the first frame stays, and this one is
            # listed as a dead letter under its content's own id rather than overwriting the first or vanishing.
            by_content = frame_rules.frame_id_for(camera.camera_id, None, meta.content_sha256)
            conflict = _conflict_reason(meta.client_frame_id)
            self._dead_letter_upload(upload_key, meta.model_copy(update={"frame_id": by_content}), conflict)
            return None
        if existing is None or not self._stored(existing):
            self._repos.frames.put(self._ledger_entry(meta, key))
            self._repos.images.put_frame(key, body, image_format.content_type, meta)
        self._repos.images.delete_object(upload_key)
        self._seen(camera)
        return Accepted(meta.frame_id, key, duplicate=existing is not None)

    def _describe(
        self,
        camera: Camera,
        submission: FrameSubmission,
        digest: str,
        image_format: frame_rules.ImageFormat,
    ) -> tuple[FrameMetadata, str]:
        if not submission.captured_at:
            raise InvalidFrame("missing capture time: send X-Capture-Time as ISO 8601 with a zone offset")
        try:
            captured_at = parse_timestamp(submission.captured_at)
        except ValueError as exc:
            raise InvalidFrame(f"capture time is not a valid timestamp: {exc}") from exc
        frame_rules.check_capture_time(captured_at, self._clock.now(), camera, self._retention)
        latitude, longitude = _position(camera, submission)
        client_frame_id = frame_rules.check_client_frame_id(submission.client_frame_id)
        frame_id = frame_rules.frame_id_for(camera.camera_id, client_frame_id, digest)
        meta = FrameMetadata(
            frame_id=frame_id,
            camera_id=camera.camera_id,
            source=camera.source,
            captured_at=iso(captured_at),
            latitude=latitude,
            longitude=longitude,
            content_sha256=digest,
            client_frame_id=client_frame_id,
            correlation_id=submission.correlation_id or frame_id,
        )
        return meta, frame_rules.frame_key(camera, captured_at, frame_id, image_format)

    def _seen(self, camera: Camera) -> None:
        """An accepted frame is a sign of life (camera health, 418.3.1(c)), for cameras that send no heartbeat."""
        self._repos.camera_health.record_frame(camera.camera_id, iso(self._clock.now()))

    def _ledger_entry(
        self, meta: FrameMetadata, key: str, status: FrameStatus = FrameStatus.RECEIVED, reason: str | None = None
    ) -> FrameRecord:
        return frame_rules.ledger_entry(meta, key, self._retention, self._clock.now(), status, reason)

    def _stored(self, frame: FrameRecord) -> bool:
        """A ledger entry still 'received' whose object never arrived was a failed write: store it again."""
        return frame.status != FrameStatus.RECEIVED or self._repos.images.exists(frame.image_key)

    def _dead_letter_upload(self, upload_key: str, meta: FrameMetadata, reason: str) -> None:
        self._repos.frames.put(self._ledger_entry(meta, upload_key, FrameStatus.DEAD_LETTER, reason))


def _conflict_reason(client_frame_id: str | None) -> str:
    return f"X-Client-Frame-Id {client_frame_id!r} was already used for a different frame; resend under a new id"


def _when(timestamp: str) -> datetime:
    return parse_timestamp(timestamp)


def _position(camera: Camera, submission: FrameSubmission) -> tuple[float | None, float | None]:
    if submission.latitude is None or submission.longitude is None:
        if camera.mobile:
            raise InvalidFrame("a mobile camera must send its GPS position: X-Latitude and X-Longitude")
        assert camera.location is not None
        return camera.location.latitude, camera.location.longitude
    try:
        latitude, longitude = float(submission.latitude), float(submission.longitude)
    except ValueError as exc:
        raise InvalidFrame("X-Latitude and X-Longitude must be decimal degrees") from exc
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidFrame(f"GPS position {latitude},{longitude} is out of range")
    return latitude, longitude
