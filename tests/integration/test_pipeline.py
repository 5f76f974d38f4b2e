"""A real photo through ingest -> S3 -> OCR -> read -> stream -> match -> alert -> SNS, each step checked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alpr.domain.records import FrameStatus
from alpr.local.demo import DEMO_PLATE, write_demo_photo
from alpr.local.stack import LocalStack
from alpr.schema import RETENTION, SourceClass
from tests.integration.helpers import bucket_keys, notifications, push, table_items


def test_a_photo_becomes_a_read_an_alert_and_a_notification(stack: LocalStack, demo_photo: Path) -> None:
    response = push(stack, demo_photo)
    assert response.status_code == 202, response.text
    frame_id = response.json()["frame_id"]

    # ingest: the frame is in the bucket under source/camera/date, and in the ledger as received
    [key] = bucket_keys(stack)
    assert key.startswith("frames/fixed/demo-fixed-1/2026/11/02/") and frame_id in key
    assert stack.runtime.repos.frames.get(frame_id).status is FrameStatus.RECEIVED

    stack.drain()

    # OCR: one read with everything a search needs, expiring by the fixed-camera rule
    frame = stack.runtime.repos.frames.get(frame_id)
    assert frame.status is FrameStatus.READ and frame.plates == 1
    [read] = stack.runtime.repos.reads.for_frame(frame_id)
    assert read.plate == DEMO_PLATE
    assert 0 < read.confidence <= 1
    assert read.camera_id == "demo-fixed-1" and read.source is SourceClass.FIXED
    assert read.image_key == key
    assert (read.latitude, read.longitude) == (37.7249, -122.1561)
    assert len(read.box) == 4
    expected_expiry = stack.runtime.retention.expires_epoch(SourceClass.FIXED, stack.clock.now())
    assert read.expires_at == expected_expiry
    assert read.correlation_id

    # match: one alert for the demo hotlist entry, and one SNS message on the subscribed queue
    [alert] = table_items(stack, "alerts")
    assert alert["plate"] == DEMO_PLATE and alert["read_id"] == read.read_id and alert["match_kind"] == "match"
    [message] = notifications(stack)
    assert message["plate"] == DEMO_PLATE
    assert message["camera_id"] == "demo-fixed-1"
    assert message["image_link"].startswith("http")
    assert "CLETS" in message["verify"]


def test_a_replayed_frame_gives_one_frame_one_read_one_alert(stack: LocalStack, demo_photo: Path) -> None:
    first = push(stack, demo_photo, X_Client_Frame_Id="cam-seq-0001")
    stack.drain()
    again = push(stack, demo_photo, X_Client_Frame_Id="cam-seq-0001")
    stack.drain()
    assert again.status_code == 202
    assert again.json() == {"frame_id": first.json()["frame_id"], "duplicate": True}
    assert len(bucket_keys(stack)) == 1
    assert len(table_items(stack, "reads")) == 1
    assert len(table_items(stack, "alerts")) == 1
    assert len(notifications(stack)) == 1


def test_a_retry_after_a_failed_object_write_stores_the_frame(
    stack: LocalStack, demo_photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    images = stack.runtime.repos.images

    def failing_put_frame(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected S3 failure")

    monkeypatch.setattr(images, "put_frame", failing_put_frame)
    failed = push(stack, demo_photo, X_Client_Frame_Id="cam-seq-0002")
    assert failed.status_code >= 500
    assert bucket_keys(stack) == []
    monkeypatch.undo()

    retried = push(stack, demo_photo, X_Client_Frame_Id="cam-seq-0002")
    assert retried.status_code == 202, retried.text
    assert retried.json()["duplicate"] is False
    [key] = bucket_keys(stack)
    stack.drain()
    frame = stack.runtime.repos.frames.get(retried.json()["frame_id"])
    assert frame.image_key == key and frame.status is FrameStatus.READ


def test_the_same_s3_event_delivered_twice_changes_nothing(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo)
    sqs = stack.session.client("sqs")
    queue = stack.provisioned.queue_urls["frame-events"]
    message = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    body = next(m["Body"] for m in message if "ObjectCreated" in m["Body"])
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    stack.drain()
    assert len(table_items(stack, "reads")) == 1
    assert len(table_items(stack, "alerts")) == 1


def test_a_frame_without_a_plate_gets_a_no_plate_record(stack: LocalStack, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    empty_street = tmp_path / "street.jpg"
    cv2.imwrite(str(empty_street), np.full((480, 640, 3), 120, np.uint8))
    frame_id = push(stack, empty_street).json()["frame_id"]
    stack.drain()
    frame = stack.runtime.repos.frames.get(frame_id)
    assert frame.status is FrameStatus.NO_PLATE
    assert table_items(stack, "reads") == []


def test_vehicle_reads_keep_their_year(stack: LocalStack, tmp_path: Path) -> None:
    photo = write_demo_photo(tmp_path / "car.jpg", "4XYZ567")
    captured = stack.clock.now() - timedelta(days=100)
    push(stack, photo, camera="demo-car-1", captured_at=captured, X_Latitude="37.72", X_Longitude="-122.15")
    stack.drain()
    [read] = table_items(stack, "reads")
    assert read["source"] == "vehicle"
    days_kept = (int(read["expires_at"]) - captured.timestamp()) / 86400
    assert RETENTION[SourceClass.VEHICLE].purge_after_days - 1 < days_kept <= 366


def test_a_mobile_camera_must_send_its_position(stack: LocalStack, demo_photo: Path) -> None:
    response = push(stack, demo_photo, camera="demo-car-1")
    assert response.status_code == 422
    assert "GPS" in response.json()["message"]
    assert bucket_keys(stack) == []


@pytest.mark.parametrize("camera", ["demo-fixed-1"])
def test_a_frame_object_that_cannot_be_decoded_is_dead_lettered(stack: LocalStack, camera: str) -> None:
    """Bytes that passed the door but fail OpenCV (here, written behind ingest's back) end as a dead letter."""
    from alpr.domain.records import FrameMetadata

    meta = FrameMetadata(
        frame_id="broken-1",
        camera_id=camera,
        source=SourceClass.FIXED,
        captured_at="2026-11-02T18:00:00.000Z",
        content_sha256="0" * 64,
    )
    key = "frames/fixed/demo-fixed-1/2026/11/02/broken-1.jpg"
    stack.runtime.repos.images.put_frame(key, b"\xff\xd8\xff" + b"\x00" * 100, "image/jpeg", meta)
    stack.drain()
    frame = stack.runtime.repos.frames.get("broken-1")
    assert frame.status is FrameStatus.DEAD_LETTER
    assert "undecodable" in frame.reason
    assert [f.frame_id for f in stack.runtime.repos.frames.with_status(FrameStatus.DEAD_LETTER)] == ["broken-1"]
