"""The quarterly audit (policy 418.6.1): which accesses are image views, the sampled items and their review,
the activity summary, and the rules for who may run, review and finalize. Plain Python, no boto3."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import Field

from alpr.domain.access import PURPOSE_TEXT, AccessRecord, Purpose
from alpr.domain.errors import Conflict, DomainError, Forbidden
from alpr.domain.records import Record
from alpr.schema import Role

# What counts as a department member viewing or downloading an image ("downloaded videos/images", 418.6.1).
# Every access record's action is matched here and nowhere else: the search page writes ``image.view`` and
# ``image.download``; any action naming an image or a download counts.
IMAGE_ACCESS_WORDS = ("image", "download", "video")
SEARCH_ACCESS_WORDS = ("search", "reads", "alerts.list")
LOGIN_ACCESS_WORDS = ("login", "sign_in", "signin")

RUNS_AUDITS = frozenset({Role.AUDITOR})
READS_AUDITS = frozenset({Role.AUDITOR, Role.CAPTAIN, Role.ADMINISTRATOR})
# Finalized audits are kept at least two years (418.6.1 read with Gov. Code § 34090); a department may keep
# them longer, never shorter.
MIN_AUDIT_RETENTION_DAYS = 731
MIN_NOTE_CHARS = 10


class Action(Protocol):
    """What the predicates read of an access record (the public counts project nothing more)."""

    @property
    def action(self) -> str: ...

    @property
    def outcome(self) -> str: ...


def _action_has(record: Action, words: Iterable[str]) -> bool:
    action = record.action.lower()
    return any(word in action for word in words)


def allowed(record: Action) -> bool:
    return record.outcome == "allowed"


def is_image_access(record: Action) -> bool:
    return allowed(record) and _action_has(record, IMAGE_ACCESS_WORDS)


def is_search(record: Action) -> bool:
    return _action_has(record, SEARCH_ACCESS_WORDS) and not _action_has(record, IMAGE_ACCESS_WORDS)


def is_login(record: Action) -> bool:
    return _action_has(record, LOGIN_ACCESS_WORDS)


def purpose_text(purpose: str) -> str:
    try:
        return PURPOSE_TEXT[Purpose(purpose)]
    except ValueError:
        return purpose


class AuditStatus(StrEnum):
    DRAFT = "draft"
    FINALIZED = "finalized"


class ItemReview(Record):
    consistent: bool
    comment: str
    by: str
    at: str


class SampledAccess(Record):
    item: int
    record_id: str
    at: str
    member_id: str
    member_name: str
    action: str
    subject: str
    purpose: str
    purpose_text: str
    case_number: str
    # An image handed to another agency under a share grant (418.7): who received it. Empty for members.
    outside_agency: str = ""
    outside_person: str = ""
    review: ItemReview | None = None


class AuditNotes(Record):
    community_safety: str = Field(default="", description="community safety issues effectively addressed")
    prosecutions: str = Field(default="", description="significant prosecutions that resulted")
    other: str = ""


class LockedCopy(Record):
    key: str
    version_id: str
    sha256: str
    retain_until: str


class OtherDraw(Record):
    """Another sample drawn for the same quarter and not finalized."""

    audit_id: str
    seed: int
    created_by: str
    created_at: str


class QuarterlyAudit(Record):
    audit_id: str
    quarter: str
    period_start: str
    period_end: str
    time_zone: str
    seed: int
    population_size: int
    requested: int
    shortfall_note: str = ""
    sample: list[SampledAccess]
    summary: dict[str, Any]
    notes: AuditNotes = Field(default_factory=AuditNotes)
    status: AuditStatus = AuditStatus.DRAFT
    created_by: str
    created_at: str
    revision: int = 0
    finalized_by: str | None = None
    finalized_at: str | None = None
    locked: LockedCopy | None = None
    # Stored with the finished audit, so its reader sees whether the sample was drawn again and again until
    # one looked convenient.
    other_draws: list[OtherDraw] = Field(default_factory=list)

    def item(self, number: int) -> SampledAccess:
        for sampled in self.sample:
            if sampled.item == number:
                return sampled
        raise DomainError(f"audit {self.audit_id} has no item {number} (items 1..{len(self.sample)})")

    def require_draft(self) -> None:
        if self.status is not AuditStatus.DRAFT:
            raise Conflict(f"audit {self.audit_id} is finalized and stored under Object Lock; it cannot change")

    def outcome(self) -> dict[str, int]:
        reviews = [s.review for s in self.sample]
        return {
            "sampled": len(self.sample),
            "consistent": sum(1 for r in reviews if r is not None and r.consistent),
            "not_consistent": sum(1 for r in reviews if r is not None and not r.consistent),
            "unreviewed": sum(1 for r in reviews if r is None),
        }


def sampled_access(number: int, record: AccessRecord) -> SampledAccess:
    return SampledAccess(
        item=number,
        record_id=record.record_id,
        at=record.at,
        member_id=record.member_id,
        member_name=record.member_name,
        action=record.action,
        subject=record.subject,
        purpose=record.purpose,
        purpose_text=purpose_text(record.purpose),
        case_number=record.case_number,
        outside_agency=record.outside_agency,
        outside_person=record.outside_person,
    )


def reviewed(audit: QuarterlyAudit, number: int, consistent: bool, comment: str, by: str, at: str) -> QuarterlyAudit:
    audit.require_draft()
    sampled = audit.item(number)
    if sampled.member_id == by:
        raise Forbidden("a reviewer does not review their own access; another auditor reviews this item")
    if not consistent and len(comment.strip()) < MIN_NOTE_CHARS:
        raise DomainError(f"say why the access is not consistent with policy (at least {MIN_NOTE_CHARS} characters)")
    review = ItemReview(consistent=consistent, comment=comment.strip(), by=by, at=at)
    sample = [s.model_copy(update={"review": review}) if s.item == number else s for s in audit.sample]
    return audit.model_copy(update={"sample": sample, "revision": audit.revision + 1})


def with_notes(audit: QuarterlyAudit, notes: Mapping[str, str]) -> QuarterlyAudit:
    audit.require_draft()
    merged = audit.notes.model_copy(update={k: v.strip() for k, v in notes.items() if v is not None})
    return audit.model_copy(update={"notes": merged, "revision": audit.revision + 1})


def not_yet_audited(quarter: str, audits: Iterable[QuarterlyAudit]) -> None:
    """A quarter is audited once: after one audit of it is finalized, no sample is drawn or finalized again."""
    for done in audits:
        if done.quarter == quarter and done.status is AuditStatus.FINALIZED:
            raise Conflict(
                f"{quarter} was audited: {done.audit_id}, finalized {done.finalized_at} by {done.finalized_by}; "
                "a quarter is audited once"
            )


def other_draws(audit: QuarterlyAudit, audits: Iterable[QuarterlyAudit]) -> list[OtherDraw]:
    others = [a for a in audits if a.quarter == audit.quarter and a.audit_id != audit.audit_id]
    return [
        OtherDraw(audit_id=a.audit_id, seed=a.seed, created_by=a.created_by, created_at=a.created_at)
        for a in sorted(others, key=lambda a: (a.created_at, a.audit_id))
    ]


def ready_to_finalize(audit: QuarterlyAudit, audits: Iterable[QuarterlyAudit]) -> None:
    audit.require_draft()
    not_yet_audited(audit.quarter, audits)
    unreviewed = [str(s.item) for s in audit.sample if s.review is None]
    if unreviewed:
        raise DomainError(f"review every sampled access first; not yet reviewed: item(s) {', '.join(unreviewed)}")
    if len(audit.notes.community_safety) < MIN_NOTE_CHARS or len(audit.notes.prosecutions) < MIN_NOTE_CHARS:
        raise DomainError(
            "add the notes the policy asks for: community safety issues addressed and prosecutions that resulted "
            "(write 'none known' if there were none)"
        )


def audit_retention_days(configured: int | None) -> int:
    days = MIN_AUDIT_RETENTION_DAYS if configured is None else configured
    if days < MIN_AUDIT_RETENTION_DAYS:
        raise ValueError(f"finalized audits are kept at least {MIN_AUDIT_RETENTION_DAYS} days (two years), not {days}")
    return days


def retain_until(now: datetime, days: int) -> datetime:
    return now + timedelta(days=audit_retention_days(days))


def access_summary(records: Iterable[AccessRecord]) -> dict[str, Any]:
    """Logins, searches per member and purpose, image views and refusals: what the State Auditor found unchecked."""
    logins: Counter[str] = Counter()
    searches: dict[str, Counter[str]] = defaultdict(Counter)
    images: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    total = 0
    for record in records:
        total += 1
        if not allowed(record):
            refused[record.member_id] += 1
        if is_login(record):
            logins[record.member_id] += 1
        elif is_image_access(record):
            images[record.member_id] += 1
        elif is_search(record) and allowed(record):
            searches[record.member_id][record.purpose or "-"] += 1
    return {
        "access_records": total,
        "logins": {"total": sum(logins.values()), "by_member": dict(sorted(logins.items()))},
        "searches": {
            "total": sum(sum(c.values()) for c in searches.values()),
            "by_member_and_purpose": {m: dict(sorted(c.items())) for m, c in sorted(searches.items())},
        },
        "image_views_and_downloads": {"total": sum(images.values()), "by_member": dict(sorted(images.items()))},
        "refused_attempts": {"total": sum(refused.values()), "by_member": dict(sorted(refused.items()))},
    }
