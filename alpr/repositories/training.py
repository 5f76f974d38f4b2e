"""Training records (policy 418.4(d), 418.98): kept by administrators, read on every request."""

from __future__ import annotations

from typing import Any

from alpr.domain.training import TrainingRecord
from alpr.repositories.dynamo import from_item, scan_all, to_item


class TrainingRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, member_id: str) -> TrainingRecord | None:
        item = self._table.get_item(Key={"member_id": member_id}, ConsistentRead=True).get("Item")
        return from_item(TrainingRecord, item) if item else None

    def put(self, record: TrainingRecord) -> None:
        self._table.put_item(Item=to_item(record))

    def all(self) -> list[TrainingRecord]:
        return sorted((from_item(TrainingRecord, i) for i in scan_all(self._table)), key=lambda r: r.member_id)
