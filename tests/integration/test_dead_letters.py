"""Every failure queue is listed by `alpr dead-letters` (locally and, by the same names, in AWS), and a
dead-letter queue's messages go back to their queue with `--replay` (issue 13, finding 10)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from alpr import schema
from alpr.cli.reads import cmd_dead_letters
from alpr.local.stack import LocalStack
from tests.integration.helpers import push_while_matching_fails, table_items


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

    rows = {row["where"]: row for row in run(capsys)}
    listed = rows[f"queue {queue.dead_letter_name(prefix)}"]
    assert listed["id"] == "1 message(s)" and "--replay" in listed["reason"]

    args = argparse.Namespace(local=False, json=True, replay=queue.dead_letter_name(prefix))
    assert cmd_dead_letters(args) == 0
    assert "1 message(s) sent back" in capsys.readouterr().out
    left = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_every_failure_queue_name_is_one_the_stack_creates() -> None:
    names = schema.failure_queues("alpr")
    assert "alpr-purge-schedule-dlq" in names and "alpr-purge-invocation-dlq" in names
    assert all(source is None or source.startswith("alpr-") for source in names.values())


def test_a_read_whose_matching_failed_is_kept_with_its_data_listed_and_replayed_into_an_alert(
    stack: LocalStack, demo_photo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 10: the stream forgets a record after 24 hours; the failed one is kept (S3, 14 days) with the read's
    new image, listed by `alpr dead-letters`, and `--replay` runs it through the match function again."""
    prefix = stack.settings.prefix
    failures_queue = schema.STREAM_FAILURES_QUEUE.physical_name(prefix)

    push_while_matching_fails(stack, demo_photo, monkeypatch)
    assert table_items(stack, "alerts") == []

    rows = [row for row in run(capsys) if row["where"].startswith("stream failures")]
    assert [row["where"] for row in rows] == [f"stream failures ({prefix}-match)"]
    assert rows[0]["id"].startswith(schema.BUCKET.stream_failures) and failures_queue in rows[0]["reason"]
    queue = {row["where"]: row for row in run(capsys)}[f"queue {failures_queue}"]
    # The record's announcement, and S3's s3:TestEvent from when the notification was set up (S3 sends one to
    # the queue then: Amazon S3 User Guide, "Event message structure"), which the replay clears too.
    assert queue["id"] in ("1 message(s)", "2 message(s)") and "--replay" in queue["reason"]

    args = argparse.Namespace(local=False, json=True, replay=failures_queue)
    assert cmd_dead_letters(args) == 0
    assert "1 failed stream batch(es) replayed, 0 failed again" in capsys.readouterr().out
    [alert] = table_items(stack, "alerts")
    assert alert["plate"] == "7ABC123"
    assert list(stack.runtime.repos.stream_failures.kept()) == []
    assert not [row for row in run(capsys) if row["where"].startswith(("stream failures", f"queue {failures_queue}"))]


def test_a_replay_that_fails_again_keeps_the_record(
    stack: LocalStack, demo_photo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    push_while_matching_fails(stack, demo_photo, monkeypatch, recovers=False)
    args = argparse.Namespace(
        local=False, json=True, replay=schema.STREAM_FAILURES_QUEUE.physical_name(stack.settings.prefix)
    )
    assert cmd_dead_letters(args) == 1
    assert "0 failed stream batch(es) replayed, 1 failed again" in capsys.readouterr().out
    assert len(list(stack.runtime.repos.stream_failures.kept())) == 1
