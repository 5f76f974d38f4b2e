"""Event delivery as AWS does it: SQS event source mappings and DynamoDB stream triggers."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from alpr.local.lambda_runtime import Handler, failed_item_ids, invoke, sqs_event, stream_event
from alpr.repositories.stream_failures import StreamFailureStore

log = logging.getLogger("alpr.local")


class Pump(Protocol):
    name: str

    def poll_once(self) -> int: ...


@dataclass
class SchedulePump:
    """An EventBridge schedule's stand-in: calls ``run`` at most every ``every_s`` seconds (0: every poll);
    ``run`` returns how much it did, so ``drain`` goes on until it has nothing left to do."""

    name: str
    run: Callable[[], int]
    every_s: float = 0.0
    _ran_at: float | None = field(default=None, init=False)

    def poll_once(self) -> int:
        started = time.monotonic()
        if self._ran_at is not None and started - self._ran_at < self.every_s:
            return 0
        self._ran_at = started
        try:
            return self.run()
        except Exception:
            log.exception("%s failed; it runs again at the next poll", self.name)
            return 0


@dataclass
class SqsPump:
    """Receives a batch, invokes the handler, deletes what succeeded; the rest comes back after the
    visibility timeout and, past maxReceiveCount, moves to the dead-letter queue."""

    name: str
    sqs: Any
    queue_url: str
    handler: Handler
    region: str
    batch_size: int = 10
    wait_s: int = 0

    def __post_init__(self) -> None:
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        self._arn = attrs["Attributes"]["QueueArn"]

    def poll_once(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_s,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            failed = failed_item_ids(invoke(self.handler, sqs_event(messages, self._arn, self.region), self.name))
        except Exception:
            log.exception("%s: the whole batch failed and will be delivered again", self.name)
            return len(messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
                ],
            )
        return len(messages)


@dataclass
class StreamPump:
    """Reads every shard from its start, hands batches to the handler, and retries a failed record up to
    ``max_attempts`` times before parking it, with its data, where the mapping's S3 on-failure destination
    keeps it (``failures``: Lambda's record under aws/lambda/, announced to the stream-failures queue)."""

    name: str
    streams: Any
    stream_arn: str
    handler: Handler
    failures: StreamFailureStore
    function_arn: str
    max_attempts: int = 3
    batch_size: int = 100
    # Shards change rarely (a split); looking for new ones on every poll cost a call per poll.
    shard_refresh_s: float = 5.0
    _iterators: dict[str, str | None] = field(default_factory=dict)
    _attempts: dict[str, int] = field(default_factory=dict)
    _shards_listed_at: float | None = None

    def _refresh_shards(self) -> None:
        now = time.monotonic()
        live = any(iterator is not None for iterator in self._iterators.values())
        if live and self._shards_listed_at is not None and now - self._shards_listed_at < self.shard_refresh_s:
            return
        self._shards_listed_at = now
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def poll_once(self) -> int:
        self._refresh_shards()
        handled = 0
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            page = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = page.get("Records", [])
            if not records:
                self._iterators[shard_id] = page.get("NextShardIterator")
                continue
            handled += len(records)
            failed = self._deliver(records, shard_id)
            if failed is None:
                self._iterators[shard_id] = page.get("NextShardIterator")
            else:
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard_id,
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=failed,
                )["ShardIterator"]
        return handled

    @property
    def _mapping_id(self) -> str:
        """A stand-in for the event source mapping's UUID: one per function and stream."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.function_arn}|{self.stream_arn}"))

    def _deliver(self, records: list[dict], shard_id: str) -> str | None:
        """Returns the sequence number to resume from, or None when the batch is done with."""
        try:
            failed = failed_item_ids(invoke(self.handler, stream_event(records, self.stream_arn), self.name))
        except Exception:
            log.exception("%s: stream batch failed", self.name)
            failed = {records[0]["dynamodb"]["SequenceNumber"]}
        if not failed:
            return None
        first = min(failed, key=int)
        self._attempts[first] = self._attempts.get(first, 0) + 1
        if self._attempts[first] < self.max_attempts:
            return first
        parked = next(r for r in records if r["dynamodb"]["SequenceNumber"] == first)
        # Bisecting on error isolates the failing record: Lambda gives up on a batch of one.
        key = self.failures.park(
            self._mapping_id,
            self.function_arn,
            self.stream_arn,
            shard_id,
            [{**parked, "eventSourceARN": self.stream_arn}],
            self.max_attempts,
            datetime.now(UTC),  # when it was parked: the real time, never a test's clock
        )
        log.error("%s: record %s parked at %s after %d attempts", self.name, first, key, self.max_attempts)
        later = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) > int(first)]
        return later[0]["dynamodb"]["SequenceNumber"] if later else None


class PumpThread(threading.Thread):
    def __init__(self, pumps: list[Pump], idle_sleep_s: float = 0.2) -> None:
        super().__init__(name="alpr-pumps", daemon=True)
        self._pumps = pumps
        self._idle_sleep_s = idle_sleep_s
        self._stop_requested = threading.Event()

    def run(self) -> None:
        while not self._stop_requested.is_set():
            busy = 0
            for pump in self._pumps:
                try:
                    busy += pump.poll_once()
                except Exception:
                    log.exception("%s: delivery failed; will try again", pump.name)
            if not busy:
                self._stop_requested.wait(self._idle_sleep_s)

    def stop(self) -> None:
        self._stop_requested.set()
