"""Each bad upload gets its clear error, and nothing at all is written."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from alpr import schema
from alpr.local.stack import LocalStack
from alpr.services.cameras import set_active
from tests.integration.helpers import bucket_keys, push_multipart, table_items
from tests.integration.helpers import push as raw_push

Pusher = Callable[..., requests.Response]


@pytest.fixture(params=["raw-body", "multipart-basic"])
def push(request: pytest.FixtureRequest) -> Pusher:
    """Every bad-input case twice: today's raw-body POST, and the multipart/form-data event push with HTTP Basic
    credentials that IP cameras send (issue 17): the same status and the same message."""
    return raw_push if request.param == "raw-body" else push_multipart


def assert_nothing_written(stack: LocalStack) -> None:
    assert bucket_keys(stack) == []
    assert table_items(stack, "frames") == []
    assert table_items(stack, "reads") == []


def jpeg_bytes(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (height, width, 3), dtype=np.uint8)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"this is not an image at all", 422, "not a JPEG or PNG"),
        (b"", 422, "empty"),
        (jpeg_bytes()[:4000], 422, "does not decode"),
    ],
    ids=["non-image", "zero-bytes", "truncated-jpeg"],
)
def test_bad_bodies_are_refused(stack: LocalStack, push: Pusher, body: bytes, status: int, message: str) -> None:
    response = push(stack, body)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert_nothing_written(stack)


def test_oversized_body_is_pointed_to_the_presigned_flow(stack: LocalStack, push: Pusher) -> None:
    big = b"\xff\xd8\xff" + b"\x00" * (schema.MAX_DIRECT_FRAME_BYTES + 1)
    response = push(stack, big)
    assert response.status_code == 413
    assert "/v1/frames/uploads" in response.json()["message"]
    assert_nothing_written(stack)


def test_over_api_gateway_limit_is_refused_before_any_function(stack: LocalStack, push: Pusher) -> None:
    response = push(stack, b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 10))
    assert response.status_code == 413
    assert_nothing_written(stack)


def test_unknown_camera(stack: LocalStack, push: Pusher, demo_photo: Path) -> None:
    response = push(stack, demo_photo, camera="not-a-camera", key="whatever")
    assert response.status_code == 401
    assert "unknown camera" in response.json()["message"]
    assert_nothing_written(stack)


def test_wrong_key(stack: LocalStack, push: Pusher, demo_photo: Path) -> None:
    response = push(stack, demo_photo, key="wrong-key")
    assert response.status_code == 401
    assert_nothing_written(stack)


def test_missing_key(stack: LocalStack, push: Pusher, demo_photo: Path) -> None:
    response = push(stack, demo_photo, key="")
    assert response.status_code == 401
    assert "missing camera key" in response.json()["message"]
    assert_nothing_written(stack)


def test_deactivated_camera(stack: LocalStack, push: Pusher, demo_photo: Path) -> None:
    set_active(stack.runtime.repos.cameras, "demo-fixed-1", False)
    response = push(stack, demo_photo)
    assert response.status_code == 403
    assert_nothing_written(stack)


@pytest.mark.parametrize(
    ("captured_at", "message"),
    [
        ("yesterday", "not a valid timestamp"),
        ("2026-11-02T10:00:00", "no time zone"),
        ("2030-01-01T00:00:00Z", "future"),
        ("2025-01-01T00:00:00Z", "retention"),
    ],
)
def test_implausible_capture_times(
    stack: LocalStack, push: Pusher, demo_photo: Path, captured_at: str, message: str
) -> None:
    response = push(stack, demo_photo, X_Capture_Time=captured_at)
    assert response.status_code == 422
    assert message in response.json()["message"]
    assert_nothing_written(stack)


def test_presigned_upload_for_a_large_frame(stack: LocalStack, demo_photo: Path) -> None:
    data = demo_photo.read_bytes()
    assert stack.api is not None
    ticket = requests.post(
        f"{stack.api.url}/v1/frames/uploads",
        json={
            "captured_at": stack.clock.now().isoformat(),
            "content_sha256": hashlib.sha256(data).hexdigest(),
            "content_type": "image/jpeg",
            "size": len(data),
        },
        headers={"X-Camera-Id": "demo-fixed-1", "X-Camera-Key": stack.demo_keys["demo-fixed-1"]},
        timeout=30,
    )
    assert ticket.status_code == 201, ticket.text
    ticket_body = ticket.json()
    upload = requests.put(ticket_body["upload_url"], data=data, headers=ticket_body["headers"], timeout=30)
    assert upload.status_code == 200
    stack.drain()
    frame = stack.runtime.repos.frames.get(ticket_body["frame_id"])
    assert frame is not None and frame.status.value == "read"
    assert all(not k.startswith("uploads/") for k in bucket_keys(stack) if k == frame.image_key)


def test_presigned_upload_whose_bytes_do_not_match_is_dead_lettered(stack: LocalStack, demo_photo: Path) -> None:
    data = demo_photo.read_bytes()
    assert stack.api is not None
    ticket = requests.post(
        f"{stack.api.url}/v1/frames/uploads",
        json={
            "captured_at": stack.clock.now().isoformat(),
            "content_sha256": "0" * 64,
            "content_type": "image/jpeg",
            "size": len(data),
        },
        headers={"X-Camera-Id": "demo-fixed-1", "X-Camera-Key": stack.demo_keys["demo-fixed-1"]},
        timeout=30,
    ).json()
    requests.put(ticket["upload_url"], data=data, headers=ticket["headers"], timeout=30)
    stack.drain()
    frame = stack.runtime.repos.frames.get(ticket["frame_id"])
    assert frame is not None and frame.status.value == "dead_letter"
    assert "SHA-256" in (frame.reason or "")
    assert table_items(stack, "reads") == []
