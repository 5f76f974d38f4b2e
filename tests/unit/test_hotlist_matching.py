"""Partial-plate patterns, look-alike folding and the combined matcher (exact, partial, possible, state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alpr.domain.hotlist.confusion import CONFUSION_CLASSES, UNFOLDED_LOOK_ALIKES, fold
from alpr.domain.hotlist.entries import new_entry
from alpr.domain.hotlist.imports import ImportedRecord
from alpr.domain.hotlist.matcher import ManualIndex, Matcher, MatchKind
from alpr.domain.hotlist.patterns import InvalidPattern, PatternIndex, matches, validate_pattern
from alpr.domain.hotlist.snapshot import ImportedIndex, SnapshotError, build_snapshot
from alpr.domain.records import HotlistReason

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "plate"),
    [
        ("7AB?12", "7ABC12"),
        ("7AB?12", "7AB912"),
        ("*ABC1*", "7ABC123"),
        ("*ABC1*", "ABC1"),
        ("ABC*", "ABC9999"),
        ("*123", "7ABC123"),
        ("7?B?1?3", "7ABC123"),
        ("*AB?1*", "7ABC123"),
    ],
)
def test_patterns_that_match(pattern: str, plate: str) -> None:
    assert matches(validate_pattern(pattern), plate)


@pytest.mark.parametrize(
    ("pattern", "plate"),
    [
        ("7AB?12", "7ABC123"),  # one character too many: ? is exactly one
        ("7AB?12", "7AB12"),  # one too few
        ("7AB?12", "8ABC12"),
        ("*ABC1*", "7ABD123"),
        ("*ABC1*", "7AB1C23"),  # characters present but not in a run
        ("ABC*", "XABC123"),  # anchored at the start
        ("*123", "1230ABC"),  # anchored at the end
    ],
)
def test_patterns_that_must_not_match(pattern: str, plate: str) -> None:
    assert not matches(validate_pattern(pattern), plate)


@pytest.mark.parametrize("pattern", ["*", "??", "A*", "*AB*", "?A?B", "ABCDEFGH?", "ABC123"])
def test_patterns_that_would_match_too_much_or_are_not_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(InvalidPattern):
        validate_pattern(pattern)


def test_patterns_are_normalized_like_plates() -> None:
    assert validate_pattern(" 7ab-?12 ") == "7AB?12"
    assert validate_pattern("**abo1**") == "*AB01*"  # letter O is read as 0, as the reader does


def test_confusion_classes_are_a_partition_covering_the_readers_look_alikes() -> None:
    from alpr.ocr.plate_format import LOOK_ALIKES

    seen = "".join(CONFUSION_CLASSES)
    assert len(seen) == len(set(seen)), "a character in two classes would make folding ambiguous"
    for pair in [*LOOK_ALIKES, ("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"), ("G", "6")]:
        assert fold(pair[0]) == fold(pair[1]) or pair in UNFOLDED_LOOK_ALIKES, pair


def test_folding_keeps_unrelated_characters_apart() -> None:
    assert fold("7ABC123") != fold("7ABC124")
    assert fold("OIBSZG") == fold("018526")
    assert fold("M") == "M" and fold("7") == "7"


def _index(*patterns: str) -> PatternIndex[str]:
    return PatternIndex.build((validate_pattern(p), p) for p in patterns)


def test_pattern_index_finds_exact_and_look_alike_hits_and_nothing_else() -> None:
    index = _index("7AB?12", "*ABC1*", "*XYZ9*", "9??K1?3", "ABC*")
    found = {c.payload: exact for c, exact in index.search("7ABC123")}
    assert found == {"*ABC1*": True}
    found = {c.payload: exact for c, exact in index.search("7A8C1Z3")}  # B->8 and 2->Z misread
    assert found == {"*ABC1*": False}
    assert index.search("5QRS678") == []


def test_pattern_index_agrees_with_plain_regex_on_many_plates() -> None:
    import random

    rng = random.Random(7)
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    patterns = ["7AB?12", "*ABC1*", "ABC*", "*123", "?AB?1?3", "9??K1?3", "*K1?Z*", "*7ZZ*"]
    index = _index(*patterns)
    for _ in range(3000):
        plate = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 8)))
        # the index answers in folded space: the reference folds both sides too
        expected = {p for p in patterns if matches(fold(validate_pattern(p)), fold(plate))}
        assert {c.payload for c, _ in index.search(plate)} == expected, plate


def _entry(value: str, reason: HotlistReason = HotlistReason.STOLEN_VEHICLE, **kw: object) -> object:
    return new_entry(value=value, reason=reason, case_number="26-0001", entered_by="m1", now=NOW, **kw)  # type: ignore[arg-type]


def test_matcher_labels_exact_partial_and_possible() -> None:
    matcher = Matcher(manual=ManualIndex([_entry("7ABC123"), _entry("*XYZ9*")]))  # type: ignore[list-item]
    assert [h.kind for h in matcher.match("7ABC123", None, NOW)] == [MatchKind.MATCH]
    assert [h.kind for h in matcher.match("7A8C123", None, NOW)] == [MatchKind.POSSIBLE]
    assert [h.kind for h in matcher.match("1XYZ999", None, NOW)] == [MatchKind.PARTIAL]
    assert [h.kind for h in matcher.match("1XY2999", None, NOW)] == [MatchKind.POSSIBLE]
    assert matcher.match("7ABC124", None, NOW) == []


def test_state_is_compared_only_when_both_sides_know_it() -> None:
    matcher = Matcher(manual=ManualIndex([_entry("7ABC123", state="CA")]))  # type: ignore[list-item]
    assert matcher.match("7ABC123", "CA", NOW)
    assert matcher.match("7ABC123", None, NOW)
    assert matcher.match("7ABC123", "NV", NOW) == []


def test_expired_entries_stop_matching() -> None:
    matcher = Matcher(manual=ManualIndex([_entry("7ABC123", expires_in_days=2)]))  # type: ignore[list-item]
    assert matcher.match("7ABC123", None, NOW + timedelta(days=1))
    assert matcher.match("7ABC123", None, NOW + timedelta(days=2)) == []


def _records() -> list[ImportedRecord]:
    return [
        ImportedRecord("7ABC123", "CA", "PC", "HOND", "BLK", HotlistReason.STOLEN_VEHICLE, "V1"),
        ImportedRecord("7ABC123", "NV", "PC", "TOYT", "WHI", HotlistReason.STOLEN_PLATE, "V2"),
        ImportedRecord("8XYZ999", "", "", "", "", HotlistReason.AMBER_ALERT, "A1"),
        *(
            ImportedRecord(f"{n:07d}", "CA", "PC", "", "", HotlistReason.STOLEN_VEHICLE, f"F{n}")
            for n in range(1, 2000, 3)
        ),
    ]


def test_snapshot_round_trip_finds_each_row_with_its_details() -> None:
    index = ImportedIndex(build_snapshot("ca-svs", "v00000001", _records()))
    assert (index.list_name, index.version, index.count) == ("ca-svs", "v00000001", len(_records()))
    matcher = Matcher([index])
    hits = matcher.match("7ABC123", None, NOW)
    assert sorted((h.target.entry_id, h.kind.value, h.target.state) for h in hits) == [
        ("ca-svs:V1", "match", "CA"),
        ("ca-svs:V2", "match", "NV"),
    ]
    [amber] = matcher.match("8XYZ999", None, NOW)
    assert amber.target.priority.value == "high"
    assert [h.target.entry_id for h in matcher.match("7ABC123", "NV", NOW)] == ["ca-svs:V2"]
    [possible] = matcher.match("BXY2999", None, NOW)  # 8 read as B, Z as 2
    assert (possible.kind, possible.target.value) == (MatchKind.POSSIBLE, "8XYZ999")
    [row_hit] = matcher.match("0001999", None, NOW)
    assert row_hit.target.entry_id == "ca-svs:F1999"
    assert matcher.match("0001998", None, NOW) == []


def test_snapshot_rejects_foreign_bytes() -> None:
    with pytest.raises(SnapshotError):
        ImportedIndex(b"not a snapshot at all")
