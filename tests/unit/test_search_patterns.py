"""Wildcard semantics, the index keys a read carries, and which index queries a search plans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alpr.domain.access import MissingJustification, Offense, Purpose, offense_for, purpose_catalog
from alpr.domain.search import (
    InvalidSearch,
    PlatePattern,
    SearchCriteria,
    distance_m,
    index_attributes,
    plan,
)
from alpr.schema import SourceClass

PLATES = ["7ABC123", "8ABC123", "7ABD123", "ABC123", "7AB", "X7ABC123", "17ABC123", "ZZZ9999"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("7AB*", {"7ABC123", "7ABD123", "7AB"}),
        ("?ABC123", {"7ABC123", "8ABC123"}),
        ("*ABC123", {"7ABC123", "8ABC123", "ABC123", "X7ABC123", "17ABC123"}),
        ("*BC12*", {"7ABC123", "8ABC123", "ABC123", "X7ABC123", "17ABC123"}),
        ("7AB?123", {"7ABC123", "7ABD123"}),
        ("7abc-123", {"7ABC123"}),
    ],
)
def test_wildcards_question_mark_is_one_character_star_is_any(pattern: str, expected: set[str]) -> None:
    parsed = PlatePattern.parse(pattern)
    assert {p for p in PLATES if parsed.matches(p)} == expected


@pytest.mark.parametrize("bad", ["", "***", "7AB$", "123456789", "?"])
def test_bad_patterns_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(InvalidSearch):
        PlatePattern.parse(bad)


def test_a_read_carries_one_gram_key_per_position_and_a_window_bucket() -> None:
    keys = index_attributes("7ABC123", "fixed", "2026-11-02T18:30:00.000Z")
    assert keys["window_bucket"] == "fixed#2026-11-02"
    assert [keys[f"gram{p}"] for p in range(5)] == ["7AB", "ABC", "BC1", "C12", "123"]
    assert keys["gram1_tail"] == "ABC123#2026-11-02T18:30:00.000Z"
    assert "gram5" not in keys  # sparse: a 7-character plate has no sixth position


def _queries(pattern: str) -> list[tuple[str, str, str | None]]:
    return [
        (q.index, q.partition_value, q.begins_with)
        for q in plan(SearchCriteria(plate=PlatePattern.parse(pattern))).queries
    ]


def test_exact_plate_touches_one_partition_of_by_plate() -> None:
    assert _queries("7ABC123") == [("by_plate", "7ABC123", None)]


def test_prefix_and_anchored_patterns_are_one_gram_query() -> None:
    assert _queries("7AB*") == [("by_gram0", "7AB", "7AB")]
    # The whole known tail, anchored with '#': only 7-character plates ending in ABC123.
    assert _queries("?ABC123") == [("by_gram1", "ABC", "ABC123#")]


def test_a_floating_run_queries_each_position_it_could_start_at() -> None:
    assert [q[0] for q in _queries("*BC12*")] == [f"by_gram{p}" for p in range(5)]


def test_a_pattern_without_three_known_characters_needs_a_camera_or_window() -> None:
    with pytest.raises(InvalidSearch, match="three known characters"):
        plan(SearchCriteria(plate=PlatePattern.parse("7?B*")))
    narrowed = plan(SearchCriteria(plate=PlatePattern.parse("7?B*"), camera_id="demo-fixed-1"))
    assert [q.index for q in narrowed.queries] == ["by_camera"]


def test_a_time_window_queries_each_source_and_day() -> None:
    start, end = datetime(2026, 11, 1, 23, tzinfo=UTC), datetime(2026, 11, 2, 1, tzinfo=UTC)
    queries = plan(SearchCriteria(start=start, end=end)).queries
    assert sorted(q.partition_value for q in queries) == sorted(
        f"{s}#{d}" for s in ("fixed", "vehicle", "axon") for d in ("2026-11-01", "2026-11-02")
    )
    assert all(q.between == ("2026-11-01T23:00:00.000Z", "2026-11-02T01:00:00.000Z~") for q in queries)


def test_distance_is_great_circle_metres() -> None:
    # One thousandth of a degree of latitude is about 111 m.
    assert distance_m((37.7, -122.1), (37.701, -122.1)) == pytest.approx(111.2, abs=0.5)


def test_offense_types_go_with_their_purpose() -> None:
    assert offense_for(Purpose.WITNESS_OR_VICTIM_OF_VIOLENT_CRIME, "homicide", required=True) is Offense.HOMICIDE
    with pytest.raises(MissingJustification):
        offense_for(Purpose.WITNESS_OR_VICTIM_OF_VIOLENT_CRIME, "fraud", required=True)
    with pytest.raises(MissingJustification):
        offense_for(Purpose.STOLEN_WANTED_OR_INVESTIGATION_VEHICLE, None, required=True)
    assert offense_for(Purpose.PROTECT_LOCAL_EVENT, None, required=True) is None
    catalog = {p["code"]: p for p in purpose_catalog()}
    assert set(catalog) == set("abcdefg") and catalog["f"]["offenses"] == []


def test_criteria_admit_reads_found_outside_the_plan_by_time_camera_and_source() -> None:
    criteria = SearchCriteria(
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 11, 2, tzinfo=UTC),
        camera_id="cam-1",
        source=SourceClass.FIXED,
    )
    assert criteria.admits("2026-11-01T12:00:00Z", "cam-1", SourceClass.FIXED)
    assert criteria.admits("2026-11-02T00:00:00Z", "cam-1", SourceClass.FIXED)  # the end is included
    assert not criteria.admits("2026-11-02T00:00:01Z", "cam-1", SourceClass.FIXED)
    assert not criteria.admits("2026-10-31T23:59:59Z", "cam-1", SourceClass.FIXED)
    assert not criteria.admits("2026-11-01T12:00:00Z", "cam-2", SourceClass.FIXED)
    assert not criteria.admits("2026-11-01T12:00:00Z", "cam-1", SourceClass.VEHICLE)
    assert SearchCriteria().admits("1999-01-01T00:00:00Z", "any", SourceClass.AXON)
