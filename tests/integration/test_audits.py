"""Quarterly audits, the annual bundle and the access-record chain on the local stack (policy 418.6.1)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from alpr import schema
from alpr.clock import FixedClock
from alpr.domain.audit import Quarter
from alpr.domain.errors import Conflict, DomainError, Forbidden
from alpr.domain.quarterly import AuditStatus
from alpr.local.stack import LocalStack
from alpr.schema import Role
from alpr.services.access import AccessRecorder, Member
from alpr.services.audits import check_bundle
from alpr.services.holds import StaffMember

AUDITOR = StaffMember("aud-1", "Ann Auditor", frozenset({Role.AUDITOR}))
OTHER_AUDITOR = StaffMember("aud-2", "Ben Auditor", frozenset({Role.AUDITOR}))
OFFICER = StaffMember("off-1", "Olga Officer", frozenset({Role.OFFICER}))
# SUITE_NOW is 2 November 2026: the preceding quarter is 2026-Q3 (July to September, Pacific time).
Q3_START = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 00:00 on 1 July in Los Angeles


def access(stack: LocalStack, clock: FixedClock, at: datetime, member: str, action: str = "image.view") -> None:
    clock.set(at)
    recorder = AccessRecorder(stack.runtime.repos.access_log, clock)
    recorder.fetch(Member(member, member.upper()), action, "image=frames/x.jpg", "a", "SLPD-26-1", "test", lambda: [1])


def quarter_of_activity(stack: LocalStack, clock: FixedClock, images_in_q3: int) -> None:
    """Image views inside Q3 and just outside it on both sides, plus searches and a refused attempt."""
    writes = [(Q3_START + timedelta(days=i * 9, hours=2), f"off-{i % 3}", "image.view") for i in range(images_in_q3)]
    writes += [
        (Q3_START - timedelta(minutes=1), "off-9", "image.download"),  # 30 June local: Q2
        (datetime(2026, 10, 1, 7, 0, tzinfo=UTC), "off-9", "image.download"),  # 1 Oct local: Q4
        (Q3_START + timedelta(days=3), "off-1", "search.plate"),
        (Q3_START + timedelta(days=4), "off-2", "search.plate"),
    ]
    # In time order: the chain refuses a record earlier than the one before it (issue 16 point 2).
    for at, member, action in sorted(writes):
        access(stack, clock, at, member, action)
    clock.set(datetime(2026, 11, 2, 18, 30, tzinfo=UTC))


def test_sample_is_from_the_preceding_quarter_reproducible_and_at_least_five(
    stack: LocalStack, clock: FixedClock
) -> None:
    quarter_of_activity(stack, clock, images_in_q3=9)
    audits = stack.runtime.audits
    first = audits.run_quarterly(AUDITOR, seed=20261)
    again = audits.run_quarterly(AUDITOR, seed=20261)
    other = audits.run_quarterly(AUDITOR, seed=7)

    assert first.quarter == "2026-Q3" and first.population_size == 9
    assert len(first.sample) == 5 and first.shortfall_note == ""
    assert [s.record_id for s in first.sample] == [s.record_id for s in again.sample]
    assert [s.record_id for s in first.sample] != [s.record_id for s in other.sample]
    start, end = Quarter(2026, 3).bounds(schema.DEPARTMENT_TIME_ZONE)
    for sampled in first.sample:
        at = datetime.fromisoformat(sampled.at.replace("Z", "+00:00"))
        assert start <= at < end and sampled.action == "image.view"
        assert sampled.purpose == "a" and sampled.case_number == "SLPD-26-1" and sampled.member_id.startswith("off-")
    summary = first.summary
    assert summary["searches"]["by_member_and_purpose"] == {"off-1": {"a": 1}, "off-2": {"a": 1}}
    assert summary["image_views_and_downloads"]["total"] == 9
    assert summary["sharing_grants"] == {"rows": 0, "by_ori": {}} and summary["hotlist_changes"]["rows"] == 0
    assert summary["user_changes"] == "not yet recorded"
    assert summary["access_chain"]["broken"] == []

    bigger = audits.run_quarterly(AUDITOR, seed=20261, size=8)
    assert len(bigger.sample) == 8
    with pytest.raises(ValueError):
        audits.run_quarterly(AUDITOR, size=4)
    with pytest.raises(Forbidden):
        audits.run_quarterly(OFFICER)


def test_a_quarter_with_fewer_than_five_says_so(stack: LocalStack, clock: FixedClock) -> None:
    quarter_of_activity(stack, clock, images_in_q3=3)
    audit = stack.runtime.audits.run_quarterly(AUDITOR, seed=1)
    assert audit.population_size == 3 and len(audit.sample) == 3
    assert "only 3" in audit.shortfall_note
    with pytest.raises(DomainError, match="not ended"):
        stack.runtime.audits.run_quarterly(AUDITOR, quarter=Quarter(2026, 4))


def test_review_finalize_and_the_stored_audit_cannot_change(stack: LocalStack, clock: FixedClock) -> None:
    quarter_of_activity(stack, clock, images_in_q3=6)
    audits = stack.runtime.audits
    audit = audits.run_quarterly(AUDITOR, seed=3)
    with pytest.raises(DomainError, match="review every"):
        audits.finalize(AUDITOR, audit.audit_id)
    for sampled in audit.sample:
        consistent = sampled.item != 2
        audits.review(AUDITOR, audit.audit_id, sampled.item, consistent, "" if consistent else "no case on file for it")
    notes = {"community_safety": "two stolen cars recovered", "prosecutions": "none known"}
    audits.notes(AUDITOR, audit.audit_id, notes)
    final = audits.finalize(AUDITOR, audit.audit_id)

    assert final.status.value == "finalized" and final.locked is not None
    assert final.outcome() == {"sampled": 5, "consistent": 4, "not_consistent": 1, "unreviewed": 0}
    with pytest.raises(Conflict):
        audits.review(AUDITOR, audit.audit_id, 1, False, "changed my mind after the fact")
    with pytest.raises(Conflict):
        audits.notes(AUDITOR, audit.audit_id, {"prosecutions": "rewritten later"})

    s3, bucket = stack.session.client("s3"), stack.settings.images_bucket
    locked = final.locked
    head = s3.head_object(Bucket=bucket, Key=locked.key, VersionId=locked.version_id)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] >= clock.now() + timedelta(days=730)
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key=locked.key, VersionId=locked.version_id)
    # An overwrite only adds a version; the audit is read from the locked one and checked against its digest.
    s3.put_object(Bucket=bucket, Key=locked.key, Body=b'{"quarter": "forged"}')
    shown = audits.get(AUDITOR, audit.audit_id)
    assert shown.quarter == "2026-Q3" and shown.outcome()["not_consistent"] == 1
    assert shown.notes.community_safety == "two stolen cars recovered"


def finish(stack: LocalStack, audit_id: str) -> None:
    audits = stack.runtime.audits
    for sampled in audits.get(AUDITOR, audit_id).sample:
        audits.review(AUDITOR, audit_id, sampled.item, True, "")
    audits.notes(AUDITOR, audit_id, {"community_safety": "none known", "prosecutions": "none known"})


def test_a_quarter_is_audited_once_and_its_audit_names_every_other_draw(stack: LocalStack, clock: FixedClock) -> None:
    quarter_of_activity(stack, clock, images_in_q3=9)
    audits = stack.runtime.audits
    first = audits.run_quarterly(AUDITOR, seed=11)
    clock.advance(minutes=5)
    redrawn = audits.run_quarterly(OTHER_AUDITOR, seed=12)
    finish(stack, redrawn.audit_id)
    finish(stack, first.audit_id)
    final = audits.finalize(AUDITOR, redrawn.audit_id)

    assert [(d.audit_id, d.seed, d.created_by) for d in final.other_draws] == [(first.audit_id, 11, "aud-1")]
    stored = audits.get(AUDITOR, final.audit_id)  # read back from the locked copy, digest checked
    assert [d.audit_id for d in stored.other_draws] == [first.audit_id]
    [listed] = audits.finalized(AUDITOR)
    assert listed["draws"] == 2 and listed["audit_id"] == redrawn.audit_id
    with pytest.raises(Conflict, match=f"2026-Q3 was audited: {redrawn.audit_id}"):
        audits.finalize(AUDITOR, first.audit_id)
    with pytest.raises(Conflict, match="audited once"):
        audits.run_quarterly(AUDITOR, seed=13)
    # Another quarter is still open to its own audit.
    assert audits.run_quarterly(AUDITOR, quarter=Quarter(2026, 2), seed=1).quarter == "2026-Q2"


def test_two_draws_of_a_quarter_finalized_at_the_same_moment_cannot_both_succeed(
    stack: LocalStack, clock: FixedClock
) -> None:
    quarter_of_activity(stack, clock, images_in_q3=6)
    audits, stored = stack.runtime.audits, stack.runtime.repos.audits
    first, second = audits.run_quarterly(AUDITOR, seed=1), audits.run_quarterly(OTHER_AUDITOR, seed=2)
    finish(stack, first.audit_id)
    finish(stack, second.audit_id)
    # The second auditor read both drafts before the first finalized; their finalize arrives just after.
    second_as_read = stored.get(second.audit_id)
    audits.finalize(AUDITOR, first.audit_id)
    late = second_as_read.model_copy(update={"status": AuditStatus.FINALIZED, "finalized_by": "aud-2"})
    with pytest.raises(Conflict, match="another draw of 2026-Q3"):
        stored.finalize(second_as_read, late, [first.audit_id])
    assert stored.get(second.audit_id).status is AuditStatus.DRAFT


def test_reviewers_do_not_review_their_own_access(stack: LocalStack, clock: FixedClock) -> None:
    access(stack, clock, Q3_START + timedelta(days=1), "aud-2", "image.view")
    clock.set(datetime(2026, 11, 2, 18, 30, tzinfo=UTC))
    audit = stack.runtime.audits.run_quarterly(AUDITOR, seed=1)
    with pytest.raises(Forbidden):
        stack.runtime.audits.review(OTHER_AUDITOR, audit.audit_id, 1, True, "")
    assert stack.runtime.audits.review(AUDITOR, audit.audit_id, 1, True, "").sample[0].review is not None


def test_the_annual_bundle_matches_its_manifest(stack: LocalStack, clock: FixedClock) -> None:
    quarter_of_activity(stack, clock, images_in_q3=4)
    stack.runtime.administration.designate(
        StaffMember("cap", "Captain", frozenset({Role.CAPTAIN})), "Bureau of Services Captain", "Jane Doe"
    )
    bundle = stack.runtime.audits.bundle(AUDITOR, date(2026, 1, 1), date(2026, 12, 31))
    files = bundle.files
    manifest = json.loads(files["manifest.json"])
    assert {"access_records.csv", "access_records.json", "hotlist_changes.csv", "purge_reports.json"} <= set(files)
    assert manifest["datasets"]["sharing_requests"]["rows"] == 0
    assert manifest["datasets"]["user_changes"]["rows"] == "not yet recorded"
    assert manifest["datasets"]["access_records"]["rows"] == 8
    assert manifest["datasets"]["administrator_designations"]["rows"] == 1
    assert check_bundle(files, stack.runtime.audits.stored_manifest(bundle.bundle_id)) == []

    altered = dict(files)
    altered["access_records.csv"] = files["access_records.csv"].replace(b"off-1", b"off-7", 1)
    del altered["holds.json"]
    altered["extra.csv"] = b"x"
    problems = check_bundle(altered)
    assert "access_records.csv: altered after export (SHA-256 differs)" in problems
    assert "holds.json: missing" in problems and "extra.csv: not in the manifest" in problems
    # A manifest rewritten to match altered files no longer matches the copy stored at export.
    forged = {**files, "manifest.json": files["manifest.json"].replace(b'"bundle_id"', b'"bundle_id" ', 1)}
    assert check_bundle(forged, stack.runtime.audits.stored_manifest(bundle.bundle_id)) == [
        "manifest.json: differs from the copy stored under Object Lock at export"
    ]
