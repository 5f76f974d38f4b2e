"""Repositories for the pipeline's tables: cameras, the frame ledger, reads, hotlist and alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from alpr import schema
from alpr.domain.cameras import Camera
from alpr.domain.errors import Conflict
from alpr.domain.records import Alert, FrameRecord, FrameStatus, PlateRead
from alpr.domain.search import index_attributes
from alpr.repositories.dynamo import (
    RecordT,
    from_item,
    put_if_absent,
    put_item_if_absent,
    query_all,
    scan_all,
    to_item,
    written_if,
)


def read_item(read: PlateRead) -> dict[str, Any]:
    """A read as stored: the record plus the index keys that keep partial-plate and time searches narrow."""
    return {**to_item(read), **index_attributes(read.plate, read.source.value, read.captured_at)}


def expired(now: datetime) -> ConditionBase:
    return Attr(schema.TTL_ATTRIBUTE).lte(int(now.timestamp()))


def query_unexpired(
    table: Any,
    model: type[RecordT],
    index: schema.Index,
    condition: ConditionBase,
    now: datetime,
    newest_first: bool = False,
) -> list[RecordT]:
    """Every page of an index query, leaving out what has expired: the shape of every read path to a person."""
    items = query_all(
        table,
        IndexName=index.name,
        KeyConditionExpression=condition,
        FilterExpression=not_expired(now),
        ScanIndexForward=not newest_first,
    )
    return [from_item(model, i) for i in items]


def not_expired(now: datetime) -> ConditionBase:
    """DynamoDB deletes expired items lazily, days late: every read path filters them itself."""
    return Attr(schema.TTL_ATTRIBUTE).not_exists() | Attr(schema.TTL_ATTRIBUTE).gt(int(now.timestamp()))


class CameraRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, camera_id: str) -> Camera | None:
        item = self._table.get_item(Key={"camera_id": camera_id}).get("Item")
        return from_item(Camera, item) if item else None

    def put(self, camera: Camera) -> None:
        self._table.put_item(Item=to_item(camera))

    def add(self, camera: Camera) -> bool:
        """False when a camera with this id is already registered (its key is never replaced this way)."""
        return put_if_absent(self._table, camera, "camera_id")

    def list(self) -> list[Camera]:
        return sorted((from_item(Camera, i) for i in scan_all(self._table)), key=lambda c: c.camera_id)


class FrameRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, frame_id: str) -> FrameRecord | None:
        item = self._table.get_item(Key={"frame_id": frame_id}, ConsistentRead=True).get("Item")
        return from_item(FrameRecord, item) if item else None

    def add(self, frame: FrameRecord) -> bool:
        return put_if_absent(self._table, frame, "frame_id")

    def put(self, frame: FrameRecord) -> None:
        self._table.put_item(Item=to_item(frame))

    def finish(self, frame_id: str, status: FrameStatus, plates: int = 0, reason: str | None = None) -> None:
        self._table.update_item(
            Key={"frame_id": frame_id},
            UpdateExpression="SET #s = :s, plates = :p, reason = :r",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": status.value, ":p": plates, ":r": reason},
        )

    def with_status(self, status: FrameStatus) -> list[FrameRecord]:
        index = schema.FRAMES.index("by_status")
        items = query_all(self._table, IndexName=index.name, KeyConditionExpression=Key("status").eq(status.value))
        return [from_item(FrameRecord, i) for i in items]

    def all(self) -> list[FrameRecord]:
        return [from_item(FrameRecord, i) for i in scan_all(self._table)]

    def delete(self, frame_id: str) -> None:
        self._table.delete_item(Key={"frame_id": frame_id})

    def expired_without_reads(self, now: datetime) -> list[FrameRecord]:
        """No-plate and dead-letter frames have no read to carry their purge."""
        frames = (from_item(FrameRecord, i) for i in scan_all(self._table, expired(now)))
        return [f for f in frames if f.status is not FrameStatus.READ]


class ReadRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, read: PlateRead) -> bool:
        return put_item_if_absent(self._table, read_item(read), "read_id")

    def set_sighting(self, read_id: str, sighting_id: str) -> None:
        self._table.update_item(
            Key={"read_id": read_id},
            UpdateExpression="SET sighting_id = :s",
            ConditionExpression="attribute_exists(read_id)",
            ExpressionAttributeValues={":s": sighting_id},
        )

    def get(self, read_id: str, now: datetime) -> PlateRead | None:
        """One read by id, or None when it is absent or already past its retention."""
        item = self._table.get_item(Key={"read_id": read_id}, ConsistentRead=True).get("Item")
        if not item or (item.get(schema.TTL_ATTRIBUTE) is not None and item[schema.TTL_ATTRIBUTE] <= now.timestamp()):
            return None
        return from_item(PlateRead, item)

    def for_frame(self, frame_id: str) -> list[PlateRead]:
        index = schema.READS.index("by_frame")
        items = query_all(self._table, IndexName=index.name, KeyConditionExpression=Key("frame_id").eq(frame_id))
        return [from_item(PlateRead, i) for i in items]

    def by_plate(self, plate: str, now: datetime) -> list[PlateRead]:
        return query_unexpired(self._table, PlateRead, schema.READS.index("by_plate"), Key("plate").eq(plate), now)

    def by_camera(self, camera_id: str, now: datetime) -> list[PlateRead]:
        by_camera = schema.READS.index("by_camera")
        return query_unexpired(
            self._table, PlateRead, by_camera, Key("camera_id").eq(camera_id), now, newest_first=True
        )

    def all(self) -> list[PlateRead]:
        """Every item, expired or not: for accounting and purge, never for showing to a person."""
        return [from_item(PlateRead, i) for i in scan_all(self._table)]

    def expired(self, now: datetime) -> list[PlateRead]:
        return [from_item(PlateRead, i) for i in scan_all(self._table, expired(now))]

    def in_retention(self, now: datetime) -> Iterator[PlateRead]:
        """Every read still kept, one page at a time."""
        for reads, _next_key in self.in_retention_pages(now):
            yield from reads

    def in_retention_pages(
        self, now: datetime, start_key: dict[str, Any] | None = None, page_size: int = 1000
    ) -> Iterator[tuple[list[PlateRead], dict[str, Any] | None]]:
        """The reads still kept, a page at a time from ``start_key``, each page with the key the next one
        starts from (None after the last): a historical search records it to resume from there."""
        paginator = self._table.meta.client.get_paginator("scan")
        kwargs: dict[str, Any] = {"TableName": self._table.name, "FilterExpression": not_expired(now)}
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        for page in paginator.paginate(**kwargs, PaginationConfig={"PageSize": page_size}):
            reads = [from_item(PlateRead, i) for i in page.get("Items", [])]
            yield reads, page.get("LastEvaluatedKey")

    def delete(self, read_id: str) -> None:
        self._table.delete_item(Key={"read_id": read_id})


class AlertRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, alert: Alert) -> bool:
        return put_if_absent(self._table, alert, "alert_id")

    def get(self, alert_id: str) -> Alert | None:
        item = self._table.get_item(Key={"alert_id": alert_id}, ConsistentRead=True).get("Item")
        return from_item(Alert, item) if item else None

    def replace(self, alert: Alert) -> None:
        """Writes a reviewed or moved alert (revision + 1) unless someone else changed it since it was read."""
        if not written_if(
            self._table.put_item,
            Item=to_item(alert.model_copy(update={"revision": alert.revision + 1})),
            ConditionExpression=Attr("revision").eq(alert.revision),
        ):
            raise Conflict(f"alert {alert.alert_id} was changed by someone else meanwhile; reload it")

    def for_entry(self, entry_id: str, now: datetime) -> list[Alert]:
        return query_unexpired(self._table, Alert, schema.ALERTS.index("by_entry"), Key("entry_id").eq(entry_id), now)

    def ids_for_read(self, plate: str, read_id: str) -> list[str]:
        index = schema.ALERTS.index("by_plate")
        items = query_all(
            self._table,
            IndexName=index.name,
            KeyConditionExpression=Key("plate").eq(plate),
            FilterExpression=Attr("read_id").eq(read_id),
        )
        return [str(i["alert_id"]) for i in items]

    def delete(self, alert_id: str) -> None:
        self._table.delete_item(Key={"alert_id": alert_id})

    def recent(self, now: datetime) -> list[Alert]:
        alerts = [from_item(Alert, i) for i in scan_all(self._table, not_expired(now))]
        return sorted(alerts, key=lambda a: a.created_at, reverse=True)
