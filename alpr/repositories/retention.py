"""Data access for retention: expired-item scans, batch deletes, holds, hold events and purge reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from alpr import schema
from alpr.clock import iso
from alpr.domain.holds import Hold, HoldEvent, HoldStatus
from alpr.domain.records import Alert, FrameRecord, FrameStatus, PlateRead
from alpr.repositories.dynamo import from_item, is_conditional_failure, put_if_absent, query_all, to_item, written_if
from alpr.schema import SourceClass

TTL = schema.TTL_ATTRIBUTE
# S3 DeleteObjects takes at most 1000 keys per call.
S3_DELETE_BATCH = 1000

Cutoffs = Mapping[SourceClass, datetime]


def past_retention(now: datetime, cutoffs: Cutoffs) -> ConditionBase:
    """Items with a TTL that is due, or captured before their class's cutoff (a shortened class).

    Items under a hold carry no TTL attribute, so they never match.
    """
    due: ConditionBase = Attr(TTL).lte(int(now.timestamp()))
    for source, cutoff in cutoffs.items():
        due = due | (Attr("source").eq(source.value) & Attr("captured_at").lt(iso(cutoff)))
    return Attr(TTL).exists() & due


def scan_pages(
    table: Any,
    filter_expression: ConditionBase,
    segment: int = 0,
    total_segments: int = 1,
    start_key: dict[str, Any] | None = None,
    page_limit: int | None = None,
) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    """One parallel-scan segment, page by page, with the key to resume after each page."""
    kwargs: dict[str, Any] = {"FilterExpression": filter_expression}
    if page_limit:
        kwargs["Limit"] = page_limit
    if total_segments > 1:
        kwargs.update(Segment=segment, TotalSegments=total_segments)
    if start_key:
        kwargs["ExclusiveStartKey"] = start_key
    while True:
        page = table.scan(**kwargs)
        last = page.get("LastEvaluatedKey")
        yield page.get("Items", []), last
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


def batch_delete(table: Any, key_name: str, ids: Iterable[str]) -> int:
    """BatchWriteItem in 25s; boto3's batch writer resends unprocessed items."""
    count = 0
    with table.batch_writer() as writer:
        for item_id in dict.fromkeys(ids):
            writer.delete_item(Key={key_name: item_id})
            count += 1
    return count


class RetentionStore:
    """The retention-side operations on reads, frames and alerts (the pipeline's own repositories stay lean)."""

    def __init__(self, reads: Any, frames: Any, alerts: Any) -> None:
        self._reads = reads
        self._frames = frames
        self._alerts = alerts

    # --- finding what is due ----------------------------------------------------------------------------

    def expired_read_pages(
        self,
        now: datetime,
        cutoffs: Cutoffs,
        segment: int,
        total_segments: int,
        start_key: dict | None,
        page_limit: int | None = None,
    ) -> Iterator[tuple[list[PlateRead], dict[str, Any] | None]]:
        condition = past_retention(now, cutoffs)
        for items, last in scan_pages(self._reads, condition, segment, total_segments, start_key, page_limit):
            yield [from_item(PlateRead, i) for i in items], last

    def expired_frames_without_reads(
        self, now: datetime, cutoffs: Cutoffs, segment: int, total_segments: int
    ) -> Iterator[FrameRecord]:
        """No-plate, dead-letter and stuck frames: no read carries their purge."""
        condition = past_retention(now, cutoffs) & Attr("status").ne(FrameStatus.READ.value)
        for items, _ in scan_pages(self._frames, condition, segment, total_segments):
            yield from (from_item(FrameRecord, i) for i in items)

    def expired_alert_ids_by_read(self, now: datetime, cutoffs: Cutoffs) -> dict[str, list[str]]:
        """Alerts live exactly as long as their read, and are few: one scan per run maps them to reads."""
        by_read: dict[str, list[str]] = defaultdict(list)
        for items, _ in scan_pages(self._alerts, past_retention(now, cutoffs)):
            for item in items:
                by_read[str(item["read_id"])].append(str(item["alert_id"]))
        return by_read

    def held_reads(self) -> Iterator[PlateRead]:
        """The sparse by_hold index holds only reads under a hold."""
        index = schema.READS.index("by_hold")
        for items, _ in _index_scan_pages(self._reads, index.name):
            yield from (from_item(PlateRead, i) for i in items)

    def oldest_unheld_read(self, camera_id: str) -> PlateRead | None:
        """The camera's oldest read not under a hold, expired or not: what an auditor wants to see."""
        index = schema.READS.index("by_camera")
        for item in query_all(
            self._reads,
            IndexName=index.name,
            KeyConditionExpression=Key("camera_id").eq(camera_id),
            FilterExpression=Attr("held_by_case").not_exists(),
            ScanIndexForward=True,
            Limit=50,
        ):
            return from_item(PlateRead, item)
        return None

    # --- the purge's steps ----------------------------------------------------------------------------

    def expire_now(self, read_id: str, now: datetime) -> bool:
        """Moves a read caught by a shortened class to "expired now": every read path then hides it and
        no hold can take it. False when it is held (no TTL) or gone."""
        epoch = int(now.timestamp())
        return written_if(
            self._reads.update_item,
            Key={"read_id": read_id},
            UpdateExpression="SET #ttl = :now",
            ConditionExpression=Attr(TTL).exists() & Attr("held_by_case").not_exists(),
            ExpressionAttributeNames={"#ttl": TTL},
            ExpressionAttributeValues={":now": epoch},
        )

    def delete_alerts(self, alert_ids: Iterable[str]) -> int:
        return batch_delete(self._alerts, "alert_id", alert_ids)

    def delete_frames(self, frame_ids: Iterable[str]) -> int:
        return batch_delete(self._frames, "frame_id", frame_ids)

    def delete_reads(self, read_ids: Iterable[str]) -> int:
        return batch_delete(self._reads, "read_id", read_ids)

    # --- holds on reads, frames and alerts ------------------------------------------------------------

    def get_read(self, read_id: str) -> PlateRead | None:
        item = self._reads.get_item(Key={"read_id": read_id}, ConsistentRead=True).get("Item")
        return from_item(PlateRead, item) if item else None

    def reads_in_window(self, camera_id: str, captured_from: str, captured_to: str) -> list[PlateRead]:
        index = schema.READS.index("by_camera")
        items = query_all(
            self._reads,
            IndexName=index.name,
            KeyConditionExpression=Key("camera_id").eq(camera_id)
            & Key("captured_at").between(captured_from, captured_to),
        )
        return [from_item(PlateRead, i) for i in items]

    def reads_of_frame(self, frame_id: str) -> list[PlateRead]:
        index = schema.READS.index("by_frame")
        items = query_all(self._reads, IndexName=index.name, KeyConditionExpression=Key("frame_id").eq(frame_id))
        return [from_item(PlateRead, i) for i in items]

    def alerts_of_read(self, read: PlateRead) -> list[Alert]:
        index = schema.ALERTS.index("by_plate")
        items = query_all(
            self._alerts,
            IndexName=index.name,
            KeyConditionExpression=Key("plate").eq(read.plate),
            FilterExpression=Attr("read_id").eq(read.read_id),
        )
        return [from_item(Alert, i) for i in items]

    def hold_read(self, read_id: str, hold_id: str, case_number: str, now: datetime) -> bool:
        """Takes the TTL away; refused (False) when the read is already past its retention or gone."""
        return written_if(
            self._reads.update_item,
            Key={"read_id": read_id},
            UpdateExpression="SET held_by_case = if_not_exists(held_by_case, :case) ADD hold_ids :hold REMOVE #ttl",
            ConditionExpression=Attr("read_id").exists()
            & (Attr(TTL).not_exists() | Attr(TTL).gt(int(now.timestamp()))),
            ExpressionAttributeNames={"#ttl": TTL},
            ExpressionAttributeValues={":case": case_number, ":hold": {hold_id}},
        )

    def release_read(self, read_id: str, hold_id: str, expires_epoch: int) -> bool:
        """Drops one hold; when none is left the read gets its normal TTL back. True when no hold is left."""
        try:
            response = self._reads.update_item(
                Key={"read_id": read_id},
                UpdateExpression="DELETE hold_ids :hold",
                ConditionExpression=Attr("read_id").exists(),
                ExpressionAttributeValues={":hold": {hold_id}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return True
            raise
        if response["Attributes"].get("hold_ids"):
            return False
        return written_if(
            self._reads.update_item,
            Key={"read_id": read_id},
            UpdateExpression="SET #ttl = :ttl REMOVE held_by_case",
            # Another hold may have arrived in between: it wins.
            ConditionExpression=Attr("hold_ids").not_exists(),
            ExpressionAttributeNames={"#ttl": TTL},
            ExpressionAttributeValues={":ttl": expires_epoch},
        )

    def hold_frame(self, frame_id: str, case_number: str) -> None:
        _set_held(self._frames, {"frame_id": frame_id}, case_number)

    def hold_alert(self, alert_id: str, case_number: str) -> None:
        _set_held(self._alerts, {"alert_id": alert_id}, case_number)

    def release_frame(self, frame_id: str, expires_epoch: int) -> None:
        _clear_held(self._frames, {"frame_id": frame_id}, expires_epoch)

    def release_alert(self, alert_id: str, expires_epoch: int) -> None:
        _clear_held(self._alerts, {"alert_id": alert_id}, expires_epoch)


def _set_held(table: Any, key: dict[str, str], case_number: str) -> None:
    _update_if_present(table, key, "SET held_by_case = :v REMOVE #ttl", case_number)


def _clear_held(table: Any, key: dict[str, str], expires_epoch: int) -> None:
    _update_if_present(table, key, "SET #ttl = :v REMOVE held_by_case", expires_epoch)


def _update_if_present(table: Any, key: dict[str, str], expression: str, value: Any) -> None:
    """An item already purged stays purged: the update never recreates it."""
    written_if(
        table.update_item,
        Key=key,
        UpdateExpression=expression,
        ConditionExpression=Attr(next(iter(key))).exists(),
        ExpressionAttributeNames={"#ttl": TTL},
        ExpressionAttributeValues={":v": value},
    )


def _index_scan_pages(table: Any, index_name: str) -> Iterator[tuple[list[dict[str, Any]], dict | None]]:
    kwargs: dict[str, Any] = {"IndexName": index_name}
    while True:
        page = table.scan(**kwargs)
        last = page.get("LastEvaluatedKey")
        yield page.get("Items", []), last
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


class HoldRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, hold: Hold) -> None:
        if not put_if_absent(self._table, hold, "hold_id"):
            raise RuntimeError(f"hold {hold.hold_id} already exists")

    def put(self, hold: Hold) -> None:
        self._table.put_item(Item=to_item(hold))

    def get(self, hold_id: str) -> Hold | None:
        item = self._table.get_item(Key={"hold_id": hold_id}, ConsistentRead=True).get("Item")
        return from_item(Hold, item) if item else None

    def with_status(self, status: HoldStatus) -> list[Hold]:
        index = schema.HOLDS.index("by_status")
        items = query_all(self._table, IndexName=index.name, KeyConditionExpression=Key("status").eq(status.value))
        return [from_item(Hold, i) for i in items]


class HoldEventRepository:
    """Append-only, like the access log: IAM grants PutItem and reads, never updates or deletes."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def append(self, event: HoldEvent) -> None:
        if not put_if_absent(self._table, event, "event_id"):
            raise RuntimeError(f"hold event {event.event_id} already exists")

    def for_hold(self, hold_id: str) -> list[HoldEvent]:
        items = query_all(self._table, KeyConditionExpression=Key("hold_id").eq(hold_id))
        return [from_item(HoldEvent, i) for i in items]


PURGE_REPORT_KIND = "purge"


class PurgeReportRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def put(self, report: Mapping[str, Any]) -> None:
        item = to_item_from_mapping({"kind": PURGE_REPORT_KIND, **report})
        self._table.put_item(Item=item)

    def latest(self, limit: int = 10) -> list[dict[str, Any]]:
        from alpr.repositories.dynamo import plain

        page = self._table.query(
            KeyConditionExpression=Key("kind").eq(PURGE_REPORT_KIND), ScanIndexForward=False, Limit=limit
        )
        return [plain(i) for i in page.get("Items", [])]

    def of_run(self, run_prefix: str) -> list[dict[str, Any]]:
        """Every report of one run (all its segments and continuations): their ids share ``run_prefix``."""
        from alpr.repositories.dynamo import plain

        items = query_all(
            self._table,
            KeyConditionExpression=Key("kind").eq(PURGE_REPORT_KIND) & Key("report_id").begins_with(run_prefix),
        )
        return [plain(i) for i in items]


class PurgeWorkQueue:
    """The purge run's fan-out: each message is one segment (or the rest of one) for a purge invocation."""

    def __init__(self, sqs: Any, queue_name: str) -> None:
        self._sqs = sqs
        self._name = queue_name
        self._url = ""

    @property
    def url(self) -> str:
        if not self._url:
            self._url = self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"]
        return self._url

    def send(self, bodies: Iterable[str]) -> int:
        """SendMessageBatch, 10 at a time; a message SQS refuses raises, so the schedule's run fails loudly."""
        pending = list(bodies)
        for start in range(0, len(pending), 10):
            chunk = pending[start : start + 10]
            response = self._sqs.send_message_batch(
                QueueUrl=self.url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)]
            )
            if response.get("Failed"):
                raise RuntimeError(f"purge work not queued: {response['Failed']}")
        return len(pending)


def to_item_from_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    import json
    from decimal import Decimal

    return dict(json.loads(json.dumps(values, default=str), parse_float=Decimal, parse_int=Decimal))
