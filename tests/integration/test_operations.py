"""Operations: a duplicated S3 event does no work twice (Powertools idempotency on the moto server), and one
correlation id ties a frame's logs together from the camera's upload to the alert."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from alpr import schema
from alpr.local.stack import LocalStack
from tests.integration.helpers import push, table_items


def frame_events(stack: LocalStack) -> list[str]:
    """Bodies of the S3 notifications waiting for the OCR function (the suite's queues hide nothing)."""
    sqs = stack.session.client("sqs")
    url = stack.provisioned.queue_urls[schema.FRAME_EVENTS_QUEUE.logical_name]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in messages if "ObjectCreated" in m["Body"]]


def test_a_duplicated_s3_event_does_no_work_twice(
    stack: LocalStack, demo_photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert push(stack, demo_photo).status_code == 202
    [event] = frame_events(stack)
    sqs = stack.session.client("sqs")
    for _ in range(2):  # S3 delivers the same notification again, twice
        sqs.send_message(
            QueueUrl=stack.provisioned.queue_urls[schema.FRAME_EVENTS_QUEUE.logical_name], MessageBody=event
        )
    ocr = stack.runtime.ocr
    calls: list[str] = []
    real_process = ocr.process

    def counting(key: str) -> Any:
        calls.append(key)
        return real_process(key)

    monkeypatch.setattr(ocr, "process", counting)
    stack.drain()

    assert len(calls) == 1  # three deliveries, one OCR run
    assert len(table_items(stack, schema.READS.logical_name)) == 1
    [record] = table_items(stack, schema.IDEMPOTENCY.logical_name)
    assert record["status"] == "COMPLETED"
    assert "7ABC123" not in json.dumps(record, default=str)  # the stored outcome carries no plate text


def test_one_correlation_id_from_upload_to_alert(stack: LocalStack, demo_photo: Path) -> None:
    from functions.ingest.handler import logger as ingest_logger
    from functions.match.handler import logger as match_logger
    from functions.ocr.handler import logger as ocr_logger

    loggers = (ingest_logger, ocr_logger, match_logger)
    levels = [lg.log_level for lg in loggers]
    # The structured lines exactly as each function writes them to CloudWatch, through its own formatter.
    out = io.StringIO()
    handlers = [logging.StreamHandler(out) for _ in loggers]
    for lg, handler in zip(loggers, handlers, strict=True):
        handler.setFormatter(lg.registered_formatter)
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    try:
        assert push(stack, demo_photo).status_code == 202
        stack.drain()
    finally:
        for lg, handler, level in zip(loggers, handlers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    by_message = {line["message"]: line for line in lines if line.get("message")}
    accepted, processed, alert = by_message["frame accepted"], by_message["frame processed"], by_message["alert raised"]
    assert accepted["correlation_id"]
    assert processed["correlation_id"] == alert["correlation_id"] == accepted["correlation_id"]
    assert processed["frame_id"] == accepted["frame_id"]
