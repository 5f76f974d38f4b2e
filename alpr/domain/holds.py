"""Evidence holds (policy 418.5): data that is, or will reasonably become, evidence, or is subject to a
lawful request for records, is kept past its retention until an authorized member releases it.

Who may do what (``Role`` in the schema):
- an officer may *request* a hold; it protects nothing until an administrator places it;
- an administrator or the Bureau of Services Captain (418.3: manages data retention) places, releases
  and books into evidence;
- everyone's action is recorded with who and when (``HoldEvent``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import Field

from alpr.clock import iso
from alpr.domain.cases import case_number as checked_case_number
from alpr.domain.errors import DomainError, Forbidden, TrainingRequired
from alpr.domain.records import Record
from alpr.schema import Role

MIN_REASON_CHARS = 10
# Policy 418.5 names no period for booked evidence; a case's disposition decides it, so the default is
# long and a department sets its own. Compliance mode means nobody, root included, can shorten it.
DEFAULT_EVIDENCE_RETENTION_DAYS = 3650


class Identity(Protocol):
    """Who is acting. The login (Cognito groups) builds it; this module only reads it."""

    @property
    def member_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> frozenset[Role]: ...


class HoldStatus(StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    RELEASED = "released"
    DECLINED = "declined"


class HoldAction(StrEnum):
    REQUESTED = "requested"
    PLACED = "placed"
    RELEASED = "released"
    DECLINED = "declined"
    BOOKED = "booked"


PLACES_HOLDS = frozenset({Role.ADMINISTRATOR, Role.CAPTAIN})
REQUESTS_HOLDS = PLACES_HOLDS | {Role.OFFICER}
READS_COMPLIANCE = PLACES_HOLDS | {Role.AUDITOR}


class InvalidHold(DomainError):
    status = 422
    code = "invalid_hold"


class HoldScope(Record):
    """What a hold covers: named reads, or every read of a camera within a capture-time window."""

    read_ids: list[str] = Field(default_factory=list)
    camera_id: str | None = None
    captured_from: str | None = None
    captured_to: str | None = None

    def check(self) -> None:
        window = (self.camera_id, self.captured_from, self.captured_to)
        if self.read_ids and any(window):
            raise InvalidHold("a hold covers either named reads or a camera and time window, not both")
        if not self.read_ids and not all(window):
            raise InvalidHold("name the reads to hold, or a camera with captured_from and captured_to")
        if self.captured_from and self.captured_to and self.captured_from > self.captured_to:
            raise InvalidHold("captured_from is after captured_to")


class Hold(Record):
    hold_id: str
    case_number: str
    reason: str
    status: HoldStatus
    scope: HoldScope
    requested_by: str
    requested_at: str
    placed_by: str | None = None
    placed_at: str | None = None
    # What the hold actually protects, fixed when it is placed.
    read_ids: list[str] = Field(default_factory=list)
    image_keys: list[str] = Field(default_factory=list)
    released_by: str | None = None
    released_at: str | None = None
    release_reason: str | None = None
    evidence_manifests: list[str] = Field(default_factory=list)


class HoldEvent(Record):
    hold_id: str
    event_id: str
    action: HoldAction
    at: str
    member_id: str
    member_name: str
    case_number: str
    details: str = ""


def require_role(actor: Identity, allowed: Iterable[Role], doing: str) -> None:
    if not set(actor.roles) & set(allowed):
        names = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"{doing} needs one of the roles: {names}")
    # Policy 418.4(d): no action on ALPR data (a hold request included) without recorded training. Identities
    # that carry the training fact (the gate's Member) are checked here too, behind the gate's own check.
    if getattr(actor, "trained", True) is False:
        raise TrainingRequired(
            f"{doing}: no recorded completion of department-approved ALPR training (policy 418.4(d))"
        )


def check_justification(case_number: str, reason: str) -> tuple[str, str]:
    case, why = checked_case_number(case_number, InvalidHold), reason.strip()
    if len(why) < MIN_REASON_CHARS:
        raise InvalidHold(f"say why, in at least {MIN_REASON_CHARS} characters")
    return case, why


def new_hold(actor: Identity, case_number: str, reason: str, scope: HoldScope, now: datetime) -> Hold:
    scope.check()
    case, why = check_justification(case_number, reason)
    return Hold(
        hold_id=str(uuid.uuid4()),
        case_number=case,
        reason=why,
        status=HoldStatus.REQUESTED,
        scope=scope,
        requested_by=actor.member_id,
        requested_at=iso(now),
    )


def hold_event(hold: Hold, action: HoldAction, actor: Identity, now: datetime, details: str = "") -> HoldEvent:
    stamp = iso(now)
    # The process's monotonic clock orders events recorded within the same millisecond.
    return HoldEvent(
        hold_id=hold.hold_id,
        event_id=f"{stamp}#{time.monotonic_ns():020d}#{uuid.uuid4().hex[:8]}",
        action=action,
        at=stamp,
        member_id=actor.member_id,
        member_name=actor.name,
        case_number=hold.case_number,
        details=details,
    )
