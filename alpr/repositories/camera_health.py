"""The camera-health table: one item per camera, updated in place by heartbeats and accepted frames."""

from __future__ import annotations

from typing import Any

from alpr.domain.camera_health import CameraHealthRecord, Heartbeat
from alpr.repositories.dynamo import from_item, scan_all, to_item


class CameraHealthRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record_heartbeat(self, camera_id: str, heartbeat: Heartbeat, at: str) -> None:
        self._table.update_item(
            Key={"camera_id": camera_id},
            UpdateExpression="SET last_heartbeat_at = :at, heartbeat = :beat",
            ExpressionAttributeValues={":at": at, ":beat": to_item(heartbeat)},
        )

    def record_frame(self, camera_id: str, at: str) -> None:
        """One small write per accepted frame: cameras that push without an agent are seen by their frames."""
        self._table.update_item(
            Key={"camera_id": camera_id},
            UpdateExpression="SET last_frame_at = :at",
            ExpressionAttributeValues={":at": at},
        )

    def get(self, camera_id: str) -> CameraHealthRecord | None:
        item = self._table.get_item(Key={"camera_id": camera_id}).get("Item")
        return from_item(CameraHealthRecord, item) if item else None

    def all(self) -> dict[str, CameraHealthRecord]:
        records = (from_item(CameraHealthRecord, item) for item in scan_all(self._table))
        return {record.camera_id: record for record in records}
