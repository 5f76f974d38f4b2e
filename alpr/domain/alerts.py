"""The alert workflow: who may see and act on alerts, reviews, status changes and muting.

Policy 418.4(f): an officer verifies an ALPR alert through CLETS before enforcement action, so an alert
moves new -> verified (CLETS confirms) or not_confirmed (CLETS does not) -> closed, each change stamped
with who and when. Policy 418.4(d): members without recorded training see no alerts at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from alpr.clock import iso
from alpr.domain.errors import Conflict, DomainError, Forbidden, TrainingRequired
from alpr.domain.hotlist.entries import Priority
from alpr.domain.records import Alert, AlertReview, AlertStatus, AlertStatusChange, Record, ReviewOutcome
from alpr.schema import Role


class Identity(Protocol):
    @property
    def member_id(self) -> str: ...
    @property
    def roles(self) -> frozenset[Role]: ...
    @property
    def trained(self) -> bool: ...


class InvalidTransition(Conflict):
    code = "invalid_alert_transition"


class MuteRefused(DomainError):
    status = 409
    code = "cannot_mute_high_priority"


# Who may do what (Role is the member's Cognito group).
SEES_ALERTS = frozenset({Role.OFFICER, Role.ADMINISTRATOR, Role.CAPTAIN, Role.AUDITOR})
WORKS_ALERTS = frozenset({Role.OFFICER, Role.ADMINISTRATOR, Role.CAPTAIN})
ENTERS_HOTLIST = frozenset({Role.OFFICER, Role.ADMINISTRATOR, Role.CAPTAIN})
# 418.3: the Bureau of Services Captain or designee administers the system: state and federal lists,
# other members' entries, muting for everyone.
ADMINISTERS_HOTLIST = frozenset({Role.ADMINISTRATOR, Role.CAPTAIN})
READS_HOTLIST = frozenset({Role.OFFICER, Role.ADMINISTRATOR, Role.CAPTAIN, Role.AUDITOR})

TRANSITIONS: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.NEW: frozenset({AlertStatus.VERIFIED, AlertStatus.NOT_CONFIRMED}),
    AlertStatus.VERIFIED: frozenset({AlertStatus.CLOSED}),
    AlertStatus.NOT_CONFIRMED: frozenset({AlertStatus.CLOSED}),
    AlertStatus.CLOSED: frozenset(),
}
# Everyone's mute, as opposed to one member's.
EVERYONE = "*"


def require(member: Identity, allowed: frozenset[Role], doing: str) -> None:
    """Training first (418.4(d)), then role; the message says what is missing."""
    if not member.trained:
        raise TrainingRequired(f"{doing} needs department-approved ALPR training on record (policy 418.4(d))")
    if not member.roles & allowed:
        needed = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"{doing} needs one of the roles: {needed}")


def transition(alert: Alert, to: AlertStatus, by: str, now: datetime, note: str = "", clets: str = "") -> Alert:
    if to not in TRANSITIONS[alert.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[alert.status])) or "nothing (closed)"
        raise InvalidTransition(f"alert is {alert.status.value}; it can move to {allowed}, not {to.value}")
    if to in (AlertStatus.VERIFIED, AlertStatus.NOT_CONFIRMED) and len(clets.strip()) < 3:
        raise DomainError(
            f"marking an alert {to.value} needs the CLETS inquiry reference (policy 418.4(f): verify through CLETS)"
        )
    change = AlertStatusChange(status=to, by=by, at=iso(now), note=note.strip(), clets_reference=clets.strip())
    return alert.model_copy(update={"status": to, "updated_at": iso(now), "history": [*alert.history, change]})


def reviewed(alert: Alert, outcome: ReviewOutcome | str, by: str, now: datetime, note: str = "") -> Alert:
    try:
        chosen = ReviewOutcome(outcome)
    except ValueError:
        choices = ", ".join(o.value for o in ReviewOutcome)
        raise DomainError(f"review outcome {outcome!r}: choose one of {choices}") from None
    if alert.status is AlertStatus.CLOSED:
        raise InvalidTransition("a closed alert cannot be reviewed again")
    review = AlertReview(outcome=chosen, by=by, at=iso(now), note=note.strip())
    return alert.model_copy(update={"review": review, "updated_at": iso(now)})


class Mute(Record):
    """Alerts for one entry silenced, for one member or (``member_id`` = "*") for everyone."""

    member_id: str
    entry_id: str
    muted_by: str
    muted_at: str
    reason: str = ""


def check_mutable(priority: Priority | str) -> None:
    if Priority(priority) is Priority.HIGH:
        raise MuteRefused("alerts for high-priority entries (missing persons, wanted persons) cannot be muted")


def visible_to(alerts: Iterable[Alert], muted_entries: set[str]) -> list[Alert]:
    """A member's own mutes hide normal alerts from their list; high-priority ones always show."""
    return [a for a in alerts if a.priority == Priority.HIGH.value or a.entry_id not in muted_entries]


@dataclass(frozen=True)
class MisreadRow:
    camera_id: str
    reviewed: int
    correct_read: int
    wrong_state: int
    incorrect_read: int

    @property
    def misread_rate(self) -> float:
        return round(self.incorrect_read / self.reviewed, 4) if self.reviewed else 0.0


def misread_statistics(alerts: Iterable[Alert]) -> list[MisreadRow]:
    """Reviewed alerts per camera: the reader's error statistics, and the basis of error reports to NCRIC."""
    counts: dict[str, Counter[ReviewOutcome]] = {}
    for alert in alerts:
        if alert.review is not None:
            counts.setdefault(alert.camera_id, Counter())[alert.review.outcome] += 1
    return [
        MisreadRow(
            camera_id=camera,
            reviewed=sum(c.values()),
            correct_read=c[ReviewOutcome.CORRECT_READ],
            wrong_state=c[ReviewOutcome.WRONG_STATE],
            incorrect_read=c[ReviewOutcome.INCORRECT_READ],
        )
        for camera, c in sorted(counts.items())
    ]
