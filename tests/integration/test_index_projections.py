"""Each reads index projects what its queries use (issue 13, finding 14): the search-only indexes hold the
search's filter attributes and the keys, and the search fetches the reads it keeps by key; every other index
projects the whole read, which its callers parse. Checked on the local stack's tables, made from the same
``alpr/schema.py`` declarations as the CDK stack's (tests/infra/test_index_projections.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from boto3.dynamodb.conditions import ConditionExpressionBuilder, Key

from alpr import schema
from alpr.domain.records import PlateRead
from alpr.domain.search import IndexQuery, SearchPlan, gram_attribute, tail_attribute
from alpr.local.stack import LocalStack
from alpr.repositories.dynamo import from_item
from alpr.repositories.search import Examined, ReadSearchRepository
from tests.integration.helpers import push


def filtered_attributes() -> set[str]:
    """The attributes the search's filter names when every criterion is given (time, camera, source)."""
    plan = SearchPlan(
        queries=(),
        time_range=("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        camera_id="cam",
        source=schema.SourceClass.FIXED,
    )
    condition = ReadSearchRepository._filter(plan, datetime(2026, 1, 1, tzinfo=UTC))
    built = ConditionExpressionBuilder().build_expression(condition)
    return set(built.attribute_name_placeholders.values())


def test_every_projected_index_holds_what_the_search_filters_on() -> None:
    projected = [i for i in schema.READS.indexes if not i.projects_all]
    assert len(projected) == 7  # by_window and the six by_gram indexes
    assert filtered_attributes() == set(schema.SEARCH_FILTERED)
    for index in projected:
        held = {*schema.READS.key_names(), index.partition.name, *([index.sort.name] if index.sort else [])}
        assert filtered_attributes() <= held | set(index.projection or ()), index.name


def test_a_query_through_each_reads_index_returns_what_its_callers_use(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo)
    stack.drain()
    [read] = stack.runtime.repos.reads.by_plate("7ABC123", stack.clock.now())
    table = stack.runtime.repos.table(schema.READS)
    item: dict[str, Any] = table.get_item(Key={"read_id": read.read_id})["Item"]
    for index in schema.READS.indexes:
        if index.partition.name not in item:
            continue  # sparse (by_hold: only held reads; gram positions past a short plate)
        page = table.query(
            IndexName=index.name, KeyConditionExpression=Key(index.partition.name).eq(item[index.partition.name])
        )
        [found] = [i for i in page["Items"] if i["read_id"] == read.read_id]
        if index.projects_all:
            assert from_item(PlateRead, found) == from_item(PlateRead, item), index.name
        else:
            keys = {*schema.READS.key_names(), index.partition.name, *([index.sort.name] if index.sort else [])}
            assert set(found) == keys | {a for a in index.projection or () if a in item}, index.name
    # The search through a projected index returns the whole read, fetched by key.
    query = IndexQuery("by_gram1", gram_attribute(1), read.plate[1:4], tail_attribute(1), begins_with=read.plate[1:])
    examined = Examined()
    found_reads = list(stack.runtime.repos.read_search.run(SearchPlan(queries=(query,)), stack.clock.now(), examined))
    assert found_reads == [read] and examined.queries == 1
