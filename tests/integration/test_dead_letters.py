"""Every failure queue is listed by `alpr dead-letters` (locally and, by the same names, in AWS), and a
dead-letter queue's messages go back to their queue with `--replay` (issue 13, finding 10)."""

from __future__ import annotations

import argparse
import json

import pytest

from alpr import schema
from alpr.cli import cmd_dead_letters
from alpr.local.stack import LocalStack


def run(capsys: pytest.CaptureFixture[str], **kwargs: object) -> list[dict[str, str]]:
    args = argparse.Namespace(local=False, json=True, replay=None, **kwargs)
    assert cmd_dead_letters(args) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_a_dead_lettered_message_is_listed_and_replayed_to_its_queue(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = stack.session.client("sqs")
    prefix = stack.settings.prefix
    queue = schema.UPLOAD_EVENTS_QUEUE
    dlq = sqs.get_queue_url(QueueName=queue.dead_letter_name(prefix))["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody='{"Records": []}')
    failures = sqs.get_queue_url(QueueName=schema.STREAM_FAILURES_QUEUE.physical_name(prefix))["QueueUrl"]
    sqs.send_message(QueueUrl=failures, MessageBody='{"requestContext": {}}')

    rows = {row["where"]: row for row in run(capsys)}
    listed = rows[f"queue {queue.dead_letter_name(prefix)}"]
    assert listed["id"] == "1 message(s)" and "--replay" in listed["reason"]
    assert f"queue {schema.STREAM_FAILURES_QUEUE.physical_name(prefix)}" in rows

    args = argparse.Namespace(local=False, json=True, replay=queue.dead_letter_name(prefix))
    assert cmd_dead_letters(args) == 0
    assert "1 message(s) sent back" in capsys.readouterr().out
    left = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_every_failure_queue_name_is_one_the_stack_creates() -> None:
    names = schema.failure_queues("alpr")
    assert "alpr-purge-schedule-dlq" in names and "alpr-purge-invocation-dlq" in names
    assert all(source is None or source.startswith("alpr-") for source in names.values())
