from datetime import UTC, datetime

import pytest

from alpr.domain.audit import (
    GENESIS,
    MINIMUM_SAMPLE,
    Quarter,
    chain_hash,
    draw_sample,
    manifest,
    verify_chain,
    verify_manifest,
)

ZONE = "America/Los_Angeles"


def test_preceding_quarter_in_department_time() -> None:
    # 1 Jan 03:00 UTC is still 31 December in California: the preceding quarter is Q3, not Q4.
    assert Quarter.preceding(datetime(2027, 1, 1, 3, tzinfo=UTC), ZONE) == Quarter(2026, 3)
    assert Quarter.preceding(datetime(2027, 1, 1, 12, tzinfo=UTC), ZONE) == Quarter(2026, 4)
    assert Quarter.preceding(datetime(2026, 5, 20, tzinfo=UTC), ZONE) == Quarter(2026, 1)
    start, end = Quarter(2026, 4).bounds(ZONE)
    assert (start.month, start.day, end.year, end.month) == (10, 1, 2027, 1)


def test_sample_has_at_least_five_and_is_reproducible() -> None:
    population = [f"r{i:03d}" for i in range(40)]
    first = draw_sample(population, seed=1234)
    again = draw_sample(list(reversed(population)), seed=1234)
    assert len(first.chosen) == MINIMUM_SAMPLE
    assert first == again
    assert draw_sample(population, seed=99).chosen != first.chosen
    assert first.population_size == 40 and first.shortfall_note == ""


def test_sample_says_so_when_the_quarter_has_fewer_than_five() -> None:
    sample = draw_sample(["a", "b", "c"], seed=1)
    assert sample.chosen == ("a", "b", "c")
    assert "only 3" in sample.shortfall_note


def test_sample_size_below_the_policy_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        draw_sample(["a"] * 10, seed=1, size=4)


def build_chain(n: int) -> list[dict]:
    links, previous = [], GENESIS
    for seq in range(1, n + 1):
        content = {"record_id": f"r{seq}", "member": "m1", "action": "search"}
        digest = chain_hash(previous, content)
        links.append({**content, "seq": seq, "prev_hash": previous, "hash": digest})
        previous = digest
    return links


def content(link: dict) -> dict:
    return {k: link[k] for k in ("record_id", "member", "action")}


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(build_chain(5), content, expected_length=5) is None


def test_an_edited_record_is_found() -> None:
    links = build_chain(5)
    links[2]["action"] = "nothing to see"
    broken = verify_chain(links, content)
    assert broken is not None and broken.position == 2 and "edited" in broken.problem


def test_a_deleted_record_is_found() -> None:
    links = build_chain(5)
    del links[1]
    broken = verify_chain(links, content)
    assert broken is not None and broken.position == 1


def test_a_deleted_last_record_is_found_from_the_head_count() -> None:
    links = build_chain(5)[:-1]
    broken = verify_chain(links, content, expected_length=5)
    assert broken is not None and "5 records were written" in broken.problem


def test_an_inserted_record_is_found() -> None:
    links = build_chain(4)
    forged = {"record_id": "rX", "member": "m2", "action": "search", "seq": 3, "prev_hash": links[1]["hash"]}
    forged["hash"] = chain_hash(links[1]["hash"], content(forged))
    links.insert(2, forged)
    broken = verify_chain(links, content)
    assert broken is not None and broken.position == 3


def test_manifest_catches_altered_missing_and_added_files() -> None:
    files = {"access.csv": b"a,b\n1,2\n", "holds.json": b"[]"}
    recorded = manifest(files, {"from": "2026-01-01"})
    assert verify_manifest(files, recorded) == []
    problems = verify_manifest({"access.csv": b"a,b\n1,3\n", "extra.txt": b"x"}, recorded)
    assert problems == [
        "access.csv: altered after export (SHA-256 differs)",
        "holds.json: missing",
        "extra.txt: not in the manifest",
    ]
