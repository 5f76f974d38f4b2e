"""The access log: records are added, never changed or deleted (IAM grants only PutItem here).

Each record is appended to its day's hash chain (``alpr.repositories.access_chain``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from alpr import schema
from alpr.domain.access import AccessRecord
from alpr.repositories.access_chain import AccessChain
from alpr.repositories.dynamo import from_item, query_all

# The access records written while one call (an API request, a CLI command) is served. The gate that wraps
# the call writes its own record only when the services it ran wrote none, so every call leaves at least one
# record and none leaves two for the same thing.
_WRITTEN_IN_CALL: ContextVar[list[AccessRecord] | None] = ContextVar("alpr_access_records_in_call", default=None)


@contextmanager
def call_records() -> Iterator[list[AccessRecord]]:
    """Collects the access records written while the block runs (on this thread or task), by whichever service."""
    written: list[AccessRecord] = []
    token = _WRITTEN_IN_CALL.set(written)
    try:
        yield written
    finally:
        _WRITTEN_IN_CALL.reset(token)


class AccessLogRepository:
    def __init__(self, table: Any, chain_heads: Any) -> None:
        self._table = table
        self.chain = AccessChain(table, chain_heads)

    def append(self, record: AccessRecord) -> None:
        self.chain.append(record.day, record.model_dump(mode="json", exclude_none=True), "record_id")
        written = _WRITTEN_IN_CALL.get()
        if written is not None:
            written.append(record)

    def for_day(self, day: str) -> list[AccessRecord]:
        return [from_item(AccessRecord, i) for i in query_all(self._table, KeyConditionExpression=Key("day").eq(day))]

    def between(self, first: date, last: date) -> Iterator[AccessRecord]:
        """One partition per day, newest day first."""
        day = last
        while day >= first:
            items = query_all(
                self._table, KeyConditionExpression=Key("day").eq(day.isoformat()), ScanIndexForward=False
            )
            yield from (from_item(AccessRecord, i) for i in items)
            day -= timedelta(days=1)

    def for_member(self, member_id: str, start: str, end: str) -> list[AccessRecord]:
        index = schema.ACCESS_LOG.index("by_member")
        items = query_all(
            self._table,
            IndexName=index.name,
            KeyConditionExpression=Key("member_id").eq(member_id) & Key("at").between(start, end),
            ScanIndexForward=False,
        )
        return [from_item(AccessRecord, i) for i in items]
