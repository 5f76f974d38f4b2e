"""Issue 16 points 2 and 3: a back-dated record and a deleted, truncated or rewritten day are each reported by
``alpr access verify`` with a non-zero exit, naming the day; each day's head is sealed outside the table under
S3 Object Lock in compliance mode (moto implements retention: see /work/shared/notes/aws-local-facts.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from alpr import schema
from alpr.cli import main
from alpr.clock import FixedClock
from alpr.local.stack import LocalStack
from alpr.repositories.access_chain import OutOfOrderRecord
from alpr.services.access import AccessRecorder, Member
from alpr.services.access_seals import AccessSealer

DAY_ONE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def write(stack: LocalStack, clock: FixedClock, count: int) -> None:
    recorder = AccessRecorder(stack.runtime.repos.access_log, clock)
    for i in range(count):
        clock.advance(minutes=1)
        recorder.fetch(Member(f"m-{i}", f"Member {i}"), "search.plate", "plate=7ABC123", "a", "26-1", "t", list)


def sealer(stack: LocalStack) -> AccessSealer:
    return stack.runtime.access_sealer


def verify(monkeypatch: pytest.MonkeyPatch, stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr("alpr.cli.common.STATE_DIR", stack.config.state_dir)
    capsys.readouterr()
    code = main(["access", "verify", "--member", "auditor", "--role", "auditor"])
    return code, capsys.readouterr().out


@pytest.fixture
def three_sealed_days(stack: LocalStack, clock: FixedClock) -> LocalStack:
    """Records on 2 and 4 November, none on the 3rd; the clock on the 5th and the days sealed (the pump)."""
    clock.set(DAY_ONE)
    sealer(stack).begin()
    write(stack, clock, 3)
    clock.set(DAY_ONE + timedelta(days=2))
    write(stack, clock, 2)
    clock.set(DAY_ONE + timedelta(days=3))
    stack.drain()
    return stack


def test_every_day_is_sealed_under_compliance_retention_and_an_empty_day_as_empty(
    three_sealed_days: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = three_sealed_days
    store = stack.runtime.repos.access_seals
    assert store.sealed_days() == ["2026-11-02", "2026-11-03", "2026-11-04"]
    empty = store.get(store.key("2026-11-03"))
    assert empty is not None and empty.body["empty"] and empty.body["records"] == 0
    mode, until = store.retention_of(store.key("2026-11-02"))
    assert mode == "COMPLIANCE" and until is not None and until.year >= 2028
    s3 = stack.session.client("s3")
    version = store.get(store.key("2026-11-02"))
    assert version is not None
    with pytest.raises(ClientError):  # compliance mode: the seal's version cannot be deleted
        s3.delete_object(Bucket=stack.settings.images_bucket, Key=store.key("2026-11-02"), VersionId=version.version_id)
    code, out = verify(monkeypatch, stack, capsys)
    assert code == 0, out
    assert "0 broken" in out


def test_a_deleted_day_is_reported_by_name(
    three_sealed_days: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = three_sealed_days
    log = stack.runtime.repos.table(schema.ACCESS_LOG)
    for item in stack.runtime.repos.access_log.chain.items("2026-11-02"):
        log.delete_item(Key={"day": item["day"], "record_id": item["record_id"]})
    stack.runtime.repos.table(schema.ACCESS_CHAIN_HEADS).delete_item(Key={"day": "2026-11-02"})
    code, out = verify(monkeypatch, stack, capsys)
    assert code == 1
    assert "2026-11-02: BROKEN deleted: sealed with 3 record(s), none remain" in out


def test_a_truncated_day_is_reported_by_name(
    three_sealed_days: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = three_sealed_days
    chain = stack.runtime.repos.access_log.chain
    items = sorted(chain.items("2026-11-04"), key=lambda i: i["seq"])
    last, kept = items[-1], items[-2]
    stack.runtime.repos.table(schema.ACCESS_LOG).delete_item(Key={"day": last["day"], "record_id": last["record_id"]})
    # The head moved back too, so the chain alone looks whole.
    stack.runtime.repos.table(schema.ACCESS_CHAIN_HEADS).put_item(
        Item={"day": "2026-11-04", "seq": kept["seq"], "hash": kept["hash"], "record_id": kept["record_id"]}
    )
    assert chain.verify_day("2026-11-04").intact
    code, out = verify(monkeypatch, stack, capsys)
    assert code == 1 and "2026-11-04: BROKEN truncated: sealed with 2 record(s), 1 remain" in out


def test_a_rewritten_day_is_reported_by_name(
    three_sealed_days: LocalStack,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every record and the head deleted, and the same number written again in a fresh, valid chain."""
    stack = three_sealed_days
    repos = stack.runtime.repos
    for item in repos.access_log.chain.items("2026-11-04"):
        repos.table(schema.ACCESS_LOG).delete_item(Key={"day": item["day"], "record_id": item["record_id"]})
    repos.table(schema.ACCESS_CHAIN_HEADS).delete_item(Key={"day": "2026-11-04"})
    now = clock.now()
    clock.set(DAY_ONE + timedelta(days=2))
    write(stack, clock, 2)
    clock.set(now)
    assert repos.access_log.chain.verify_day("2026-11-04").intact
    code, out = verify(monkeypatch, stack, capsys)
    assert code == 1 and "2026-11-04: BROKEN rewritten" in out


def test_a_record_back_dated_into_a_sealed_or_unsealed_past_is_reported(
    three_sealed_days: LocalStack,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What ``ALPR_CLOCK=2026-01-01T00:00:00Z alpr share fetch`` did on the local stack."""
    stack = three_sealed_days
    now = clock.now()
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))  # before the chain began
    write(stack, clock, 1)
    clock.set(DAY_ONE + timedelta(days=1, hours=5))  # into the sealed empty day
    write(stack, clock, 1)
    clock.set(now)
    code, out = verify(monkeypatch, stack, capsys)
    assert code == 1
    assert "2026-01-01: BROKEN records dated before the chain began on 2026-11-02" in out
    assert "2026-11-03: BROKEN 1 record(s) added after the day was sealed" in out


def test_an_unsealed_past_day_is_reported(
    stack: LocalStack, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.set(DAY_ONE)
    sealer(stack).begin()
    write(stack, clock, 1)
    clock.set(DAY_ONE + timedelta(days=2))  # nobody sealed the 2nd and the 3rd
    code, out = verify(monkeypatch, stack, capsys)
    assert code == 1 and "2026-11-02: BROKEN not sealed" in out and "2026-11-03: BROKEN not sealed" in out


def test_the_chain_refuses_a_record_earlier_than_its_predecessor_or_outside_its_day(
    stack: LocalStack, clock: FixedClock
) -> None:
    write(stack, clock, 2)
    chain = stack.runtime.repos.access_log.chain
    day = clock.now().date().isoformat()
    [last] = [i for i in chain.items(day) if int(i["seq"]) == 2]
    earlier = {**_content(last), "record_id": "r-early", "at": "2026-11-02T00:00:00.000Z"}
    with pytest.raises(OutOfOrderRecord):
        chain.append(day, earlier, "record_id")
    elsewhere = {**_content(last), "record_id": "r-elsewhere", "at": "2026-12-25T10:00:00.000Z"}
    with pytest.raises(OutOfOrderRecord):
        chain.append(day, elsewhere, "record_id")
    assert chain.verify_day(day).intact and chain.head(day)[0] == 2


def _content(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("seq", "prev_hash", "hash")}


def test_an_approval_cannot_be_dated_before_the_hold_request_it_approves(stack: LocalStack, clock: FixedClock) -> None:
    from alpr.domain.errors import Conflict
    from alpr.domain.holds import HoldScope

    officer = Member("officer", "Officer", roles=frozenset({schema.Role.OFFICER}), trained=True)
    admin = Member("admin", "Admin", roles=frozenset({schema.Role.ADMINISTRATOR}), trained=True)
    scope = HoldScope(
        camera_id="demo-fixed-1", captured_from="2026-11-01T00:00:00Z", captured_to="2026-11-02T00:00:00Z"
    )
    hold = stack.runtime.holds.request(officer, "26-0042", "witness vehicle, please hold", scope)
    clock.advance(days=-1)
    with pytest.raises(Conflict):
        stack.runtime.holds.approve(admin, hold.hold_id)
