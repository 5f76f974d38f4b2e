"""Issue 17's camera push format (multipart/form-data + HTTP Basic) and issue 16.5's client frame id rules."""

from __future__ import annotations

import base64
from pathlib import Path

import requests

from alpr.domain.records import FrameStatus
from alpr.local.demo import DEMO_PLATE, write_demo_photo
from alpr.local.stack import LocalStack
from tests.integration.helpers import bucket_keys, push, push_multipart, table_items


def test_an_ip_camera_event_push_becomes_a_read(stack: LocalStack, demo_photo: Path) -> None:
    response = push_multipart(stack, demo_photo, X_Client_Frame_Id="axis-event-1")
    assert response.status_code == 202, response.text
    stack.drain()
    frame = stack.runtime.repos.frames.get(response.json()["frame_id"])
    assert frame is not None and frame.status is FrameStatus.READ
    assert frame.client_frame_id == "axis-event-1"
    [read] = stack.runtime.repos.reads.for_frame(frame.frame_id)
    assert read.plate == DEMO_PLATE


def test_a_mobile_camera_sends_its_position_as_form_fields(stack: LocalStack, demo_photo: Path) -> None:
    missing = push_multipart(stack, demo_photo, camera="demo-car-1")
    assert missing.status_code == 422 and "GPS" in missing.json()["message"]
    sent = push_multipart(stack, demo_photo, camera="demo-car-1", X_Latitude="37.72", X_Longitude="-122.15")
    assert sent.status_code == 202, sent.text
    frame = stack.runtime.repos.frames.get(sent.json()["frame_id"])
    assert frame is not None and (frame.latitude, frame.longitude) == (37.72, -122.15)


def _post_form(stack: LocalStack, files: list, auth: tuple[str, str] | None = None) -> requests.Response:
    assert stack.api is not None
    return requests.post(
        f"{stack.api.url}/v1/frames",
        files=files,
        auth=auth or ("demo-fixed-1", stack.demo_keys["demo-fixed-1"]),
        timeout=30,
    )


def test_a_form_without_an_image_or_with_two_is_refused(stack: LocalStack, demo_photo: Path) -> None:
    when = stack.clock.now().isoformat()
    none = _post_form(stack, [("capture_time", (None, when))])
    assert none.status_code == 422 and "no image" in none.json()["message"]
    data = demo_photo.read_bytes()
    two = _post_form(
        stack, [("capture_time", (None, when)), ("image", ("a.jpg", data, "image/jpeg")), ("b", ("b.jpg", data))]
    )
    assert two.status_code == 422 and "one frame per request" in two.json()["message"]
    assert bucket_keys(stack) == [] and table_items(stack, "frames") == []


def test_malformed_basic_credentials_are_refused_before_the_form_is_read(stack: LocalStack, demo_photo: Path) -> None:
    assert stack.api is not None
    response = requests.post(
        f"{stack.api.url}/v1/frames",
        files={"image": ("a.jpg", demo_photo.read_bytes(), "image/jpeg")},
        headers={"Authorization": "Basic " + base64.b64encode(b"no-colon-here").decode()},
        timeout=30,
    )
    assert response.status_code == 401 and "Basic" in response.json()["message"]
    assert bucket_keys(stack) == []


def test_a_multipart_body_without_a_boundary_is_a_clear_400(stack: LocalStack) -> None:
    assert stack.api is not None
    response = requests.post(
        f"{stack.api.url}/v1/frames",
        data=b"whatever",
        headers={"Content-Type": "multipart/form-data"},
        auth=("demo-fixed-1", stack.demo_keys["demo-fixed-1"]),
        timeout=30,
    )
    assert response.status_code == 400 and "boundary" in response.json()["message"]


# --- issue 16.5: one client frame id names one frame ---------------------------------------------------------


def test_same_client_frame_id_with_different_bytes_is_a_409_and_loses_nothing(
    stack: LocalStack, demo_photo: Path, tmp_path: Path
) -> None:
    first = push(stack, demo_photo, X_Client_Frame_Id="cam-seq-7")
    assert first.status_code == 202
    other = write_demo_photo(tmp_path / "other.jpg", "4XYZ567")
    conflict = push(stack, other, X_Client_Frame_Id="cam-seq-7")
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["error"] == "conflict"
    assert "already used for a different frame" in conflict.json()["message"]
    assert "new X-Client-Frame-Id" in conflict.json()["message"]
    # the first frame is untouched; the second, resent under another id, is stored as its own frame
    assert len(bucket_keys(stack)) == 1
    resent = push(stack, other, X_Client_Frame_Id="cam-seq-8")
    assert resent.status_code == 202 and resent.json()["duplicate"] is False
    stack.drain()
    plates = sorted(r["plate"] for r in table_items(stack, "reads"))
    assert plates == sorted([DEMO_PLATE, "4XYZ567"])
    # and the same bytes under the first id stay an idempotent duplicate
    again = push(stack, demo_photo, X_Client_Frame_Id="cam-seq-7")
    assert again.status_code == 202 and again.json() == {"frame_id": first.json()["frame_id"], "duplicate": True}


def test_a_conflicting_presigned_upload_request_is_a_409(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo, X_Client_Frame_Id="cam-seq-9")
    assert stack.api is not None
    ticket = requests.post(
        f"{stack.api.url}/v1/frames/uploads",
        json={
            "captured_at": stack.clock.now().isoformat(),
            "content_sha256": "ab" * 32,
            "content_type": "image/jpeg",
            "size": 1000,
            "client_frame_id": "cam-seq-9",
        },
        headers={"X-Camera-Id": "demo-fixed-1", "X-Camera-Key": stack.demo_keys["demo-fixed-1"]},
        timeout=30,
    )
    assert ticket.status_code == 409, ticket.text


def test_an_overlong_or_odd_client_frame_id_is_refused(stack: LocalStack, demo_photo: Path) -> None:
    """S3 user-defined metadata is limited to 2 KB per PUT (AWS S3 user guide, "Working with object metadata"):
    a 5,000-character id was accepted into it (issue 16.5)."""
    long = push(stack, demo_photo, X_Client_Frame_Id="a" * 5000)
    assert long.status_code == 422 and "128-character limit" in long.json()["message"]
    odd = push(stack, demo_photo, X_Client_Frame_Id="../etc passwd")
    assert odd.status_code == 422 and "X-Client-Frame-Id may hold only" in odd.json()["message"]
    assert bucket_keys(stack) == [] and table_items(stack, "frames") == []
    at_limit = push(stack, demo_photo, X_Client_Frame_Id="a" * 128)
    assert at_limit.status_code == 202, at_limit.text
