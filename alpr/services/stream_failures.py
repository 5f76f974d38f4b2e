"""Replays the stream records a function gave up on (kept 14 days under ``aws/lambda/``) through that function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alpr.domain.stream_failures import StreamFailure
from alpr.repositories.queues import received_until_empty
from alpr.repositories.stream_failures import StreamFailureStore
from alpr.s3events import object_keys

# Runs a failure's batch through its function; returns the sequence numbers that failed again.
Rerun = Callable[[StreamFailure], set[str]]


@dataclass
class Replayed:
    replayed: list[str] = field(default_factory=list)
    failed_again: dict[str, int] = field(default_factory=dict)


def replay(store: StreamFailureStore, rerun: Rerun) -> Replayed:
    """Each kept batch goes through its function again; a batch that passes is deleted, one that fails stays."""
    outcome = Replayed()
    for key in list(store.kept()):
        failure = store.get(key)
        failed = rerun(failure)
        if failed:
            outcome.failed_again[key] = len(failed)
            continue
        store.delete(key)
        outcome.replayed.append(key)
    return outcome


def clear_announcements(sqs: Any, queue_url: str, kept: set[str]) -> int:
    """Deletes the queue's notifications of records no longer kept (replayed): the queue's depth alarm then says
    only what is still waiting."""
    cleared = 0
    for message in received_until_empty(sqs, queue_url, visibility_s=30):
        try:
            announced = {key for _bucket, key in object_keys(message["Body"])}
        except ValueError:  # not an S3 notification: nothing it announces is kept
            announced = set()
        # A record still kept stays announced: its message comes back when the 30 s are up.
        if not announced & kept:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            cleared += 1
    return cleared
