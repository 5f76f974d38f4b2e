"""The sightings table: several frames of one passing car (see alpr.domain.sightings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from alpr import schema
from alpr.domain.sightings import Sighting
from alpr.repositories.dynamo import from_item, scan_all, to_item, written_if
from alpr.repositories.stores import expired, query_unexpired


class SightingRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, sighting_id: str) -> Sighting | None:
        item = self._table.get_item(Key={"sighting_id": sighting_id}, ConsistentRead=True).get("Item")
        return from_item(Sighting, item) if item else None

    def save(self, sighting: Sighting) -> Sighting | None:
        """Writes the sighting as its next version; None when another writer changed it first."""
        stored = sighting.model_copy(update={"version": sighting.version + 1})
        is_new = sighting.version == 0
        condition = Attr("sighting_id").not_exists() if is_new else Attr("version").eq(sighting.version)
        return stored if written_if(self._table.put_item, Item=to_item(stored), ConditionExpression=condition) else None

    def for_camera_since(self, camera_id: str, last_seen_from: str, now: datetime) -> list[Sighting]:
        """The camera's sightings whose latest frame was captured at or after ``last_seen_from``."""
        recent = Key("camera_id").eq(camera_id) & Key("last_seen").gte(last_seen_from)
        return query_unexpired(self._table, Sighting, schema.SIGHTINGS.index("by_camera"), recent, now)

    def by_plate(self, plate: str, now: datetime) -> list[Sighting]:
        """Sightings whose consensus plate is ``plate``."""
        return query_unexpired(self._table, Sighting, schema.SIGHTINGS.index("by_plate"), Key("plate").eq(plate), now)

    def expired(self, now: datetime) -> list[Sighting]:
        return [from_item(Sighting, i) for i in scan_all(self._table, expired(now))]

    def delete_version(self, sighting: Sighting) -> bool:
        """Deletes the sighting if it is still the version given; False when another writer changed it since."""
        return written_if(
            self._table.delete_item,
            Key={"sighting_id": sighting.sighting_id},
            ConditionExpression=Attr("version").eq(sighting.version),
        )

    def delete(self, sighting_id: str) -> None:
        self._table.delete_item(Key={"sighting_id": sighting_id})
