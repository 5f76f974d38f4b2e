"""Runs a search plan's index queries and counts what DynamoDB examined (ScannedCount) honestly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from alpr import schema
from alpr.domain.records import PlateRead
from alpr.domain.search import IndexQuery, SearchPlan
from alpr.repositories.dynamo import from_item
from alpr.repositories.stores import not_expired

BATCH_GET_LIMIT = 100  # keys per BatchGetItem request (DynamoDB API reference)


@dataclass
class Examined:
    """Items DynamoDB read to answer (its ScannedCount: before the filter), and queries sent."""

    items: int = 0
    queries: int = 0


class ReadSearchRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def _fetch(self, read_ids: list[str]) -> list[dict[str, Any]]:
        """The whole reads an index that projects only the search's filter attributes named, in its order
        (BatchGetItem, 100 keys a request; a read deleted meanwhile is left out)."""
        client = self._table.meta.client
        name = self._table.name
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(read_ids), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                name: {"Keys": [{"read_id": r} for r in read_ids[start : start + BATCH_GET_LIMIT]]}
            }
            while request:
                answer = client.batch_get_item(RequestItems=request)
                # The table resource's client (un)marshals attribute values itself, as the resource does.
                for item in answer.get("Responses", {}).get(name, []):
                    found[str(item["read_id"])] = item
                request = answer.get("UnprocessedKeys") or {}
        return [found[r] for r in read_ids if r in found]

    def run(self, plan: SearchPlan, now: datetime, examined: Examined) -> Iterator[PlateRead]:
        """Every read the plan's queries match that has not expired; ``examined`` counts as it goes."""
        condition = self._filter(plan, now)
        for query in plan.queries:
            yield from self._query(query, condition, examined)

    @staticmethod
    def _filter(plan: SearchPlan, now: datetime) -> ConditionBase:
        condition = not_expired(now)
        if plan.time_range is not None:
            condition = condition & Attr("captured_at").between(*plan.time_range)
        if plan.camera_id:
            condition = condition & Attr("camera_id").eq(plan.camera_id)
        if plan.source is not None:
            condition = condition & Attr("source").eq(plan.source.value)
        return condition

    def _query(self, query: IndexQuery, condition: ConditionBase, examined: Examined) -> Iterator[PlateRead]:
        key: ConditionBase = Key(query.partition_attribute).eq(query.partition_value)
        if query.begins_with is not None:
            key = key & Key(query.sort_attribute).begins_with(query.begins_with)
        elif query.between is not None:
            key = key & Key(query.sort_attribute).between(*query.between)
        kwargs: dict[str, Any] = {
            "IndexName": query.index,
            "KeyConditionExpression": key,
            "FilterExpression": condition,
            "ScanIndexForward": False,
        }
        whole = schema.READS.index(query.index).projects_all
        while True:
            page = self._table.query(**kwargs)
            examined.items += int(page.get("ScannedCount", 0))
            examined.queries += 1
            items = page.get("Items", []) if whole else self._fetch([i["read_id"] for i in page.get("Items", [])])
            yield from (from_item(PlateRead, item) for item in items)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
