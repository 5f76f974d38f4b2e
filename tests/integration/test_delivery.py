"""Event delivery failures end somewhere you can list, never nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alpr.local.stack import LocalConfig, LocalStack, PortInUse
from alpr.s3events import object_keys
from tests.integration.helpers import push, push_while_matching_fails, table_items


def queue_depth(stack: LocalStack, url: str) -> int:
    attributes = stack.session.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_frame_whose_ocr_keeps_failing_moves_to_the_dead_letter_queue(
    stack: LocalStack, demo_photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_reader() -> None:
        raise RuntimeError("model crashed")

    monkeypatch.setattr(stack.runtime.ocr, "_reader", broken_reader)
    frame_id = push(stack, demo_photo).json()["frame_id"]
    stack.drain()
    dlq = stack.provisioned.dead_letter_urls["frame-events"]
    assert queue_depth(stack, dlq) == 1
    [message] = stack.session.client("sqs").receive_message(QueueUrl=dlq)["Messages"]
    assert frame_id in json.loads(message["Body"])["Records"][0]["s3"]["object"]["key"]
    frame = stack.runtime.repos.frames.get(frame_id)
    assert frame is not None and frame.status.value == "received"


def test_a_read_whose_matching_keeps_failing_is_parked_not_lost(
    stack: LocalStack, demo_photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    push_while_matching_fails(stack, demo_photo, monkeypatch)
    # Kept with its data where the on-failure destination (S3) keeps it, and announced to the failures queue.
    [key] = stack.runtime.repos.stream_failures.kept()
    failure = stack.runtime.repos.stream_failures.get(key)
    assert failure.function_name == f"{stack.settings.prefix}-match"
    [parked] = failure.records
    assert parked["eventName"] == "INSERT"
    assert parked["dynamodb"]["NewImage"]["plate"]["S"] == "7ABC123"
    messages = stack.session.client("sqs").receive_message(
        QueueUrl=stack.provisioned.queue_urls["stream-failures"], MaxNumberOfMessages=10
    )["Messages"]
    assert key in {k for m in messages for _bucket, k in object_keys(m["Body"])}  # and S3's s3:TestEvent of the set-up
    assert table_items(stack, "alerts") == []


def test_starting_a_second_stack_on_the_same_ports_fails_clearly(stack: LocalStack, tmp_path: Path) -> None:
    clash = LocalConfig(moto_port=stack.config.moto_port, api_port=stack.config.api_port, state_dir=tmp_path)
    with pytest.raises(PortInUse, match="already in use"):
        LocalStack(clash).start()
