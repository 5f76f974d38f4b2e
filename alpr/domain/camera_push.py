"""The push formats IP cameras already speak, beside the raw-body POST: HTTP Basic credentials and a
multipart/form-data event upload (what Axis, Hikvision and Hanwha cameras send on an event: the JPEG as a file
part, the capture time and position as text fields)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from alpr.domain.errors import DomainError, InvalidFrame, Unauthenticated

MULTIPART_FORM = "multipart/form-data"
# Names cameras use for the image part when they do not mark it with a filename.
IMAGE_FIELD_NAMES = frozenset({"image", "file", "snapshot", "picture", "jpeg"})
# Text fields, each with the names camera vendors and our header use for it.
FIELD_ALIASES = {
    "captured_at": ("captured_at", "capture_time", "x-capture-time", "timestamp", "time"),
    "latitude": ("latitude", "lat", "x-latitude"),
    "longitude": ("longitude", "lon", "lng", "x-longitude"),
    "client_frame_id": ("client_frame_id", "frame_id", "x-client-frame-id", "event_id"),
}
MAX_FIELD_CHARS = 512
MAX_PARTS = 16


@dataclass(frozen=True)
class PushedForm:
    image: bytes
    fields: dict[str, str] = field(default_factory=dict)


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(camera id, key) from ``Authorization: Basic ...``; None when the header is absent or another scheme."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthenticated("malformed HTTP Basic credentials: send base64(camera id:camera key)") from exc
    camera_id, colon, key = decoded.partition(":")
    if not colon or not camera_id or not key:
        raise Unauthenticated("malformed HTTP Basic credentials: send base64(camera id:camera key)")
    return camera_id, key


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == MULTIPART_FORM


def parse_form(content_type: str, body: bytes) -> PushedForm:
    """The image part and the known text fields of a multipart/form-data body (RFC 7578)."""
    if "boundary=" not in content_type.lower():
        raise DomainError("multipart/form-data without a boundary parameter in Content-Type")
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(header + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise DomainError("the multipart/form-data body could not be parsed")
    parts = list(message.iter_parts())
    if not parts or len(parts) > MAX_PARTS:
        raise DomainError(f"a camera push holds one image and at most {MAX_PARTS - 1} fields; got {len(parts)} parts")
    images: list[bytes] = []
    fields: dict[str, str] = {}
    for part in parts:
        raw_name = part.get_param("name", header="content-disposition")
        name = raw_name.lower() if isinstance(raw_name, str) else ""
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None or name in IMAGE_FIELD_NAMES:
            images.append(data)
            continue
        for canonical, aliases in FIELD_ALIASES.items():
            if name in aliases:
                text = data.decode("utf-8", "replace").strip()
                if len(text) > MAX_FIELD_CHARS:
                    raise DomainError(f"form field {name!r} is over {MAX_FIELD_CHARS} characters")
                fields[canonical] = text
    if not images:
        raise InvalidFrame("the form has no image: send the frame as a file part (name 'image')")
    if len(images) > 1:
        raise InvalidFrame(f"the form has {len(images)} images: send one frame per request")
    return PushedForm(images[0], fields)
