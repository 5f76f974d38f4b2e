"""The access log: records are added, never changed or deleted (IAM grants only PutItem here)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from alpr.domain.access import AccessRecord
from alpr.repositories.dynamo import from_item, put_if_absent, query_all


class AccessLogRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def append(self, record: AccessRecord) -> None:
        if not put_if_absent(self._table, record, "record_id"):
            raise RuntimeError(f"access record {record.record_id} already exists")

    def for_day(self, day: str) -> list[AccessRecord]:
        return [from_item(AccessRecord, i) for i in query_all(self._table, KeyConditionExpression=Key("day").eq(day))]
