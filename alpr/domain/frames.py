"""What makes an uploaded frame acceptable, judged by its bytes rather than by what the client claims."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image

from alpr.clock import iso
from alpr.domain.cameras import Camera
from alpr.domain.errors import Conflict, FrameTooLarge, InvalidFrame
from alpr.domain.records import FrameMetadata, FrameRecord, FrameStatus, capture_time
from alpr.domain.retention import RetentionPolicy
from alpr.schema import BUCKET

FRAME_ID_NAMESPACE = uuid.UUID("4f1c2a8e-3b7d-5e9f-a0c1-d2e3f4a5b6c7")
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)
MAX_PIXELS = 50_000_000  # larger than any ALPR camera; stops decompression bombs
MIN_SIDE = 32
# A camera's own frame id (X-Client-Frame-Id) travels in the frame object's S3 user-defined metadata, which
# AWS limits to 2 KB per PUT for all keys and values together ("Amazon S3 limits the size of user-defined
# metadata within the PUT request header to 2 KB", https://docs.aws.amazon.com/AmazonS3/latest/userguide/
# UsingMetadata.html). 128 printable ASCII characters leave room for the rest of FrameMetadata
# (alpr.repositories.images checks the total against METADATA_LIMIT_BYTES).
MAX_CLIENT_FRAME_ID = 128
CLIENT_FRAME_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$")


@dataclass(frozen=True)
class ImageFormat:
    extension: str
    content_type: str


JPEG = ImageFormat("jpg", "image/jpeg")
PNG = ImageFormat("png", "image/png")


def sniff_format(data: bytes) -> ImageFormat:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    raise InvalidFrame("the body is not a JPEG or PNG image (checked by its bytes, not its Content-Type)")


def check_size(size: int, limit: int) -> None:
    if size == 0:
        raise InvalidFrame("the body is empty: send the frame's bytes")
    if size > limit:
        raise FrameTooLarge(
            f"frame is {size} bytes, over the {limit}-byte limit for this route; "
            "use POST /v1/frames/uploads for a presigned upload"
        )


def check_decodes(data: bytes) -> tuple[int, int]:
    """Fully decodes the image, so a truncated or corrupt file is refused at the door."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise InvalidFrame(f"image is {width}x{height}, over the {MAX_PIXELS}-pixel limit")
                image.load()
    except InvalidFrame:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidFrame(f"the image does not decode ({exc})") from exc
    if min(width, height) < MIN_SIDE:
        raise InvalidFrame(f"image is {width}x{height}, too small to hold a readable plate")
    return width, height


def check_capture_time(captured_at: datetime, now: datetime, camera: Camera, retention: RetentionPolicy) -> None:
    if captured_at > now + ALLOWED_CLOCK_SKEW:
        raise InvalidFrame(
            f"capture time {captured_at.isoformat()} is in the future (server time {now.isoformat()}); "
            "check the camera's clock"
        )
    if retention.expires_at(camera.source, captured_at) <= now:
        raise InvalidFrame(
            f"capture time {captured_at.isoformat()} is past the {retention.days(camera.source)}-day "
            f"retention of {camera.source.value} data: the policy forbids keeping it"
        )


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_client_frame_id(client_frame_id: str | None) -> str | None:
    """The camera's frame id is bounded and plain ASCII, so it fits S3 metadata and a log line unchanged."""
    if client_frame_id is None or client_frame_id == "":
        return None
    if len(client_frame_id) > MAX_CLIENT_FRAME_ID:
        raise InvalidFrame(
            f"X-Client-Frame-Id is {len(client_frame_id)} characters, over the {MAX_CLIENT_FRAME_ID}-character limit"
        )
    if not CLIENT_FRAME_ID.match(client_frame_id):
        raise InvalidFrame(
            "X-Client-Frame-Id may hold only letters, digits and . _ : / @ + = - (starting with a letter or digit)"
        )
    return client_frame_id


def check_same_content(existing: FrameRecord, digest: str) -> None:
    """A client frame id names one frame: the same bytes again is a retry, other bytes are a conflict."""
    if existing.content_sha256 != digest:
        raise Conflict(
            f"X-Client-Frame-Id {existing.client_frame_id!r} was already used for a different frame "
            f"(SHA-256 {existing.content_sha256[:12]}..., this one {digest[:12]}...); nothing was stored: "
            "send this frame again under a new X-Client-Frame-Id"
        )


def frame_id_for(camera_id: str, client_frame_id: str | None, digest: str) -> str:
    """Deterministic, so a camera retrying the same frame gets the same id and one read."""
    identity = f"client:{client_frame_id}" if client_frame_id else f"sha256:{digest}"
    return str(uuid.uuid5(FRAME_ID_NAMESPACE, f"{camera_id}/{identity}"))


def frame_key(camera: Camera, captured_at: datetime, frame_id: str, image_format: ImageFormat) -> str:
    return BUCKET.frame_key(
        camera.source.value, camera.camera_id, captured_at.strftime("%Y/%m/%d"), frame_id, image_format.extension
    )


def ledger_entry(
    meta: FrameMetadata,
    key: str,
    retention: RetentionPolicy,
    now: datetime,
    status: FrameStatus = FrameStatus.RECEIVED,
    reason: str | None = None,
) -> FrameRecord:
    """The frame ledger's entry; it expires with the frame's data so the ledger keeps no plate history."""
    return FrameRecord(
        **meta.model_dump(),
        status=status,
        image_key=key,
        received_at=iso(now),
        reason=reason,
        expires_at=retention.expires_epoch(meta.source, capture_time(meta)),
    )
