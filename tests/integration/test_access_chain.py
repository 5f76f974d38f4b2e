"""Tamper-evident access records: edits, deletions and insertions made behind the system's back are found."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from alpr import schema
from alpr.cli import main
from alpr.clock import FixedClock
from alpr.local.stack import LocalStack
from alpr.repositories.access_chain import AccessChain
from alpr.services.access import AccessRecorder, Member


def write_records(stack: LocalStack, clock: FixedClock, count: int) -> list[dict[str, Any]]:
    recorder = AccessRecorder(stack.runtime.repos.access_log, clock)
    for i in range(count):
        clock.advance(minutes=1)
        recorder.fetch(Member(f"m-{i}", f"Member {i}"), "search.plate", "plate=7ABC123", "a", "26-1", "t", list)
    return sorted(stack.runtime.repos.access_log.chain.items(clock.now().date().isoformat()), key=lambda i: i["seq"])


def log_table(stack: LocalStack) -> Any:
    return stack.runtime.repos.table(schema.ACCESS_LOG)


def verify(stack: LocalStack, day: str) -> Any:
    return stack.runtime.repos.access_log.chain.verify_day(day)


def test_records_are_chained_and_an_intact_day_verifies(stack: LocalStack, clock: FixedClock) -> None:
    items = write_records(stack, clock, 4)
    assert [i["seq"] for i in items] == [1, 2, 3, 4]
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(items))
    result = verify(stack, items[0]["day"])
    assert result.intact and result.records == 4 and result.head_seq == 4


def test_an_edited_record_is_found(stack: LocalStack, clock: FixedClock) -> None:
    items = write_records(stack, clock, 4)
    log_table(stack).update_item(
        Key={"day": items[1]["day"], "record_id": items[1]["record_id"]},
        UpdateExpression="SET purpose = :p",
        ExpressionAttributeValues={":p": "d"},
    )
    problem = verify(stack, items[0]["day"]).problem
    assert problem is not None and problem.record_id == items[1]["record_id"] and "edited" in problem.problem


def test_a_deleted_record_is_found_in_the_middle_and_at_the_end(stack: LocalStack, clock: FixedClock) -> None:
    items = write_records(stack, clock, 4)
    day = items[0]["day"]
    log_table(stack).delete_item(Key={"day": day, "record_id": items[3]["record_id"]})
    problem = verify(stack, day).problem
    assert problem is not None and "4 records were written, 3 remain" in problem.problem
    log_table(stack).delete_item(Key={"day": day, "record_id": items[1]["record_id"]})
    problem = verify(stack, day).problem
    assert problem is not None and problem.record_id == items[2]["record_id"]


def test_an_inserted_record_is_found(stack: LocalStack, clock: FixedClock) -> None:
    items = write_records(stack, clock, 3)
    day = items[0]["day"]
    forged = {k: v for k, v in items[1].items() if k not in ("seq", "prev_hash", "hash")}
    log_table(stack).put_item(Item={**forged, "record_id": items[1]["record_id"] + "x", "member_id": "m-forged"})
    problem = verify(stack, day).problem
    assert problem is not None and problem.record_id == items[1]["record_id"] + "x" and "inserted" in problem.problem

    # A forger who copies the chain fields too is caught by the sequence.
    log_table(stack).delete_item(Key={"day": day, "record_id": items[1]["record_id"] + "x"})
    log_table(stack).put_item(Item={**items[1], "record_id": items[1]["record_id"] + "y", "member_id": "m-forged"})
    problem = verify(stack, day).problem
    assert problem is not None and "sequence jumps to 2 where 3 was due" in problem.problem


def test_a_lost_race_is_retried_on_the_new_head(stack: LocalStack, clock: FixedClock, monkeypatch: Any) -> None:
    write_records(stack, clock, 1)
    chain: AccessChain = stack.runtime.repos.access_log.chain
    day = clock.now().date().isoformat()
    stale = chain._head(day)
    heads_read: list[int] = []
    real_head = AccessChain._head

    def head_once_stale(self: AccessChain, d: str) -> tuple[int, str, str]:
        heads_read.append(1)
        if len(heads_read) == 1:
            # Another writer appends between our read of the head and our transaction.
            clock.advance(seconds=1)
            AccessRecorder(stack.runtime.repos.access_log, clock).fetch(
                Member("rival", "Rival"), "search.plate", "plate=X", "a", "26-1", "t", list
            )
            return stale
        return real_head(self, d)

    monkeypatch.setattr(AccessChain, "_head", head_once_stale)
    clock.advance(seconds=1)
    AccessRecorder(stack.runtime.repos.access_log, clock).fetch(
        Member("me", "Me"), "search.plate", "plate=Y", "a", "26-1", "t", list
    )
    monkeypatch.setattr(AccessChain, "_head", real_head)
    result = verify(stack, day)
    assert result.intact and result.records == 3 and len(heads_read) >= 3


def test_the_verify_command_reports_the_first_broken_link(
    stack: LocalStack, clock: FixedClock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("alpr.cli.common.STATE_DIR", stack.config.state_dir)
    items = write_records(stack, clock, 3)
    clock.advance(days=1)
    write_records(stack, clock, 2)
    assert main(["access", "verify", "--member", "auditor", "--role", "auditor"]) == 0
    assert "intact" in capsys.readouterr().out
    log_table(stack).update_item(
        Key={"day": items[2]["day"], "record_id": items[2]["record_id"]},
        UpdateExpression="SET member_id = :m",
        ExpressionAttributeValues={":m": "someone-else"},
    )
    assert main(["access", "verify", "--member", "auditor", "--role", "auditor"]) == 1
    out = capsys.readouterr().out
    assert f"{items[2]['day']}: BROKEN at link 3 (record {items[2]['record_id']})" in out
    assert (
        main(["access", "verify", "--day", clock.now().date().isoformat(), "--member", "auditor", "--role", "auditor"])
        == 0
    )
