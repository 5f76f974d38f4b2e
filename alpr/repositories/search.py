"""Runs a search plan's index queries and counts what DynamoDB examined (ScannedCount) honestly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from alpr.domain.records import PlateRead
from alpr.domain.search import IndexQuery, SearchPlan
from alpr.repositories.dynamo import from_item
from alpr.repositories.stores import not_expired


@dataclass
class Examined:
    """Items DynamoDB read to answer (its ScannedCount: before the filter), and queries sent."""

    items: int = 0
    queries: int = 0


class ReadSearchRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

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
        while True:
            page = self._table.query(**kwargs)
            examined.items += int(page.get("ScannedCount", 0))
            examined.queries += 1
            yield from (from_item(PlateRead, item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
