"""Reads written straight into the local stack (no OCR), and the members who run sharing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from alpr.clock import iso
from alpr.domain.records import PlateRead
from alpr.local.demo import render_plate_photo
from alpr.local.stack import LocalStack
from alpr.schema import Role, SourceClass
from alpr.services.access import Member

ADMIN = Member("admin-1", "A. Administrator", roles=frozenset({Role.ADMINISTRATOR}), trained=True)
CAPTAIN = Member("captain-1", "B. Captain", roles=frozenset({Role.CAPTAIN}), trained=True)
OFFICER = Member("officer-1", "O. Officer", roles=frozenset({Role.OFFICER}), trained=True)
AUDITOR = Member("auditor-1", "I. Auditor", roles=frozenset({Role.AUDITOR}), trained=True)

_PHOTO: bytes | None = None


def photo() -> bytes:
    global _PHOTO
    if _PHOTO is None:
        import cv2

        ok, encoded = cv2.imencode(".jpg", render_plate_photo())
        assert ok
        _PHOTO = encoded.tobytes()
    return _PHOTO


def write_read(stack: LocalStack, source: SourceClass, plate: str = "7ABC123", at: datetime | None = None) -> PlateRead:
    """A read as OCR writes it (its INSERT reaches the reads stream); the image sits outside frames/ so no
    OCR event fires for it."""
    captured = at or stack.clock.now()
    frame_id = uuid.uuid4().hex
    read_id = f"{frame_id}#0"  # as OCR names them: frame id, then the plate's index in the frame
    key = f"evidence/test/{source.value}/{frame_id}.jpg"
    stack.session.client("s3").put_object(Bucket=stack.settings.images_bucket, Key=key, Body=photo())
    read = PlateRead(
        read_id=read_id,
        frame_id=frame_id,
        camera_id=f"demo-{source.value}",
        source=source,
        plate=plate,
        raw_text=plate,
        confidence=0.97,
        box=[10, 10, 110, 60],
        captured_at=iso(captured),
        latitude=37.72,
        longitude=-122.15,
        image_key=key,
        created_at=iso(stack.clock.now()),
        expires_at=stack.runtime.retention.expires_epoch(source, captured),
    )
    assert stack.runtime.repos.reads.add(read)
    return read


def oakland_request(stack: LocalStack) -> dict[str, Any]:
    """A sharing request as Oakland PD files it (policy 418.7(a): agency, requester, purpose), for a fixed-camera
    plate over the last two days; the agency is added to the registry first."""
    from datetime import timedelta

    stack.runtime.sharing.add_agency(ADMIN, "CA0010100", "Oakland Police Department", "CA", "law_enforcement")
    now = stack.clock.now()
    return {
        "ori": "CA0010100",
        "agency_name": "Oakland Police Department",
        "requester_name": "Det. R. Rivera",
        "intended_purpose": "robbery",
        "case_number": "OPD-1",
        "data_class": "fixed",
        "plates": ["7ABC123"],
        "window_start": iso(now - timedelta(days=2)),
        "window_end": iso(now),
    }
