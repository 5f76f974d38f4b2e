"""Which accesses count as image views, the access summary, audit retention and chain-break reporting."""

from __future__ import annotations

import pytest

from alpr.domain.access import AccessRecord
from alpr.domain.audit import GENESIS
from alpr.domain.errors import Conflict
from alpr.domain.quarterly import (
    AuditStatus,
    QuarterlyAudit,
    access_summary,
    audit_retention_days,
    is_image_access,
    is_search,
    not_yet_audited,
    other_draws,
)
from alpr.repositories.access_chain import chained_item, find_break


def record(action: str, member: str = "m1", outcome: str = "allowed", purpose: str = "a") -> AccessRecord:
    return AccessRecord(
        day="2026-08-01",
        record_id=f"2026-08-01T00:00:00.000Z#{action}{member}",
        at="2026-08-01T00:00:00.000Z",
        member_id=member,
        member_name=member,
        organization="SLPD",
        action=action,
        subject="x",
        purpose=purpose,
        case_number="26-1",
        outcome=outcome,
    )


def test_image_views_and_downloads_count_and_refusals_do_not() -> None:
    assert is_image_access(record("image.view")) and is_image_access(record("image.download"))
    assert not is_image_access(record("image.view", outcome="refused: purpose_and_case_required"))
    assert not is_image_access(record("search.plate")) and is_search(record("search.plate"))
    assert is_search(record("cli.reads")) and not is_search(record("image.view"))


def test_access_summary_counts_per_member_and_purpose() -> None:
    summary = access_summary(
        [
            record("search.plate", "m1", purpose="a"),
            record("search.plate", "m1", purpose="c"),
            record("search.plate", "m2", purpose="a"),
            record("auth.login", "m2"),
            record("search.plate", "m3", outcome="refused: purpose_and_case_required", purpose=""),
        ]
    )
    assert summary["searches"]["by_member_and_purpose"] == {"m1": {"a": 1, "c": 1}, "m2": {"a": 1}}
    assert summary["logins"]["total"] == 1 and summary["refused_attempts"]["by_member"] == {"m3": 1}


def test_finalized_audits_are_kept_at_least_two_years() -> None:
    assert audit_retention_days(None) == 731 and audit_retention_days(3650) == 3650
    with pytest.raises(ValueError, match="two years"):
        audit_retention_days(365)


def test_a_link_that_skips_the_head_or_is_unchained_is_reported() -> None:
    first = chained_item({"day": "d", "record_id": "r1"}, 1, GENESIS)
    second = chained_item({"day": "d", "record_id": "r2"}, 2, str(first["hash"]))
    assert find_break([first, second], 2, str(second["hash"])) is None
    problem = find_break([first, second], 2, "f" * 64)
    assert problem is not None and "head" in problem.problem
    problem = find_break([first, {"day": "d", "record_id": "r0"}], 1, str(first["hash"]))
    assert problem is not None and problem.record_id == "r0" and "inserted" in problem.problem


def test_a_command_clock_can_be_fixed_from_the_environment_on_the_local_stack_only() -> None:
    """Issue 16 point 2: a clock override never reaches records written through --aws or in Lambda."""
    from datetime import UTC, datetime

    from alpr.runtime import ClockOverrideRefused, clock_from_env

    local = {"ALPR_CLOCK": "2026-11-02T18:30:00Z", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}
    assert clock_from_env(local).now() == datetime(2026, 11, 2, 18, 30, tzinfo=UTC)
    assert clock_from_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}).now().year >= 2025
    for elsewhere in (
        {"ALPR_CLOCK": "2026-01-01T00:00:00Z"},  # --aws: the real account, no local endpoint
        {"ALPR_CLOCK": "2026-01-01T00:00:00Z", "AWS_ENDPOINT_URL": "https://dynamodb.us-west-2.amazonaws.com"},
        {**local, "AWS_LAMBDA_FUNCTION_NAME": "alpr-search"},  # in Lambda, whatever the endpoint says
    ):
        with pytest.raises(ClockOverrideRefused):
            clock_from_env(elsewhere)


def audit_of(quarter: str, audit_id: str, created_at: str, finalized: bool = False) -> QuarterlyAudit:
    return QuarterlyAudit(
        audit_id=audit_id,
        quarter=quarter,
        period_start="",
        period_end="",
        time_zone="America/Los_Angeles",
        seed=int(audit_id[-1]),
        population_size=0,
        requested=5,
        sample=[],
        summary={},
        status=AuditStatus.FINALIZED if finalized else AuditStatus.DRAFT,
        created_by="aud-1",
        created_at=created_at,
    )


def test_a_quarter_is_audited_once_and_redraws_are_named_oldest_first() -> None:
    kept = audit_of("2026-Q3", "a-3", "2026-11-03")
    drafts = [audit_of("2026-Q3", "a-2", "2026-11-02"), audit_of("2026-Q3", "a-1", "2026-11-01")]
    elsewhere = audit_of("2026-Q2", "b-1", "2026-08-01", finalized=True)
    everyone = [kept, *drafts, elsewhere]

    not_yet_audited("2026-Q3", everyone)
    assert [d.audit_id for d in other_draws(kept, everyone)] == ["a-1", "a-2"]
    assert other_draws(elsewhere, everyone) == []
    with pytest.raises(Conflict, match="2026-Q2 was audited: b-1"):
        not_yet_audited("2026-Q2", everyone)
