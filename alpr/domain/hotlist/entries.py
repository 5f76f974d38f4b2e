"""Manual hotlist entries: a full plate or a partial pattern, why it is wanted, who entered it, until when.

Entries are never deleted: deactivating one keeps it, and every change is kept as a before/after
record, so the history of what the system looked for, and why, survives for audits.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field

from alpr.clock import iso
from alpr.domain.cases import case_number as checked_case_number
from alpr.domain.errors import DomainError
from alpr.domain.hotlist.patterns import is_pattern, validate_pattern
from alpr.domain.hotlist.text import normalize_hotlist_plate
from alpr.domain.plates import is_plausible_plate
from alpr.domain.records import HotlistReason, Record

DEFAULT_ENTRY_DAYS = 30
# A manual entry must be looked at again at least once a year; an older need is re-entered with a new case.
MAX_ENTRY_DAYS = 365

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "US",
    ]
)


class InvalidEntry(DomainError):
    status = 422
    code = "invalid_hotlist_entry"


class EntryKind(StrEnum):
    PLATE = "plate"
    PATTERN = "pattern"


class Priority(StrEnum):
    NORMAL = "normal"
    # Lives may depend on these: their alerts cannot be muted (missing persons, wanted persons).
    HIGH = "high"


HIGH_PRIORITY_REASONS = frozenset(
    {
        HotlistReason.WANTED_PERSON,
        HotlistReason.MISSING_PERSON,
        HotlistReason.AMBER_ALERT,
        HotlistReason.BLUE_ALERT,
        HotlistReason.SILVER_ALERT,
    }
)


def priority_for(reason: HotlistReason, requested: Priority | None = None) -> Priority:
    """A reason's priority is a floor: an entry may be raised to high, never lowered below its reason."""
    if reason in HIGH_PRIORITY_REASONS or requested is Priority.HIGH:
        return Priority.HIGH
    return Priority.NORMAL


def normalize_state(state: str | None) -> str | None:
    if state is None or not state.strip():
        return None
    code = state.strip().upper()
    if code not in US_STATES:
        raise InvalidEntry(f"unknown state {state!r}: use the two-letter postal code")
    return code


class HotlistEntry(Record):
    entry_id: str
    value: str = Field(description="the normalized plate, or the pattern with ? and *")
    kind: EntryKind
    reason: HotlistReason
    priority: Priority
    case_number: str
    state: str | None = None
    vehicle: str = ""
    notes: str = ""
    entered_by: str
    entered_at: str
    expires_on: str
    active: bool = True
    deactivated_by: str | None = None
    deactivated_at: str | None = None
    deactivation_reason: str | None = None
    revision: int = 1

    def in_force(self, now: datetime) -> bool:
        return self.active and iso(now) < self.expires_on

    def status(self, now: datetime) -> str:
        if not self.active:
            return "deactivated"
        return "active" if self.in_force(now) else "expired"


class HotlistChange(Record):
    """One change to an entry: who, when, what it was before and after."""

    entry_id: str
    change_id: str
    at: str
    by: str
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any]


def parse_value(text: str) -> tuple[str, EntryKind]:
    if is_pattern(text):
        return validate_pattern(text), EntryKind.PATTERN
    plate = normalize_hotlist_plate(text)
    if not is_plausible_plate(plate):
        raise InvalidEntry(f"{text!r} is not a plate (2-8 letters and digits) nor a pattern with ? or *")
    return plate, EntryKind.PLATE


def expiry(now: datetime, days: int | None) -> str:
    chosen = DEFAULT_ENTRY_DAYS if days is None else days
    if not 1 <= chosen <= MAX_ENTRY_DAYS:
        raise InvalidEntry(f"an entry expires after 1..{MAX_ENTRY_DAYS} days, not {chosen}")
    return iso(now + timedelta(days=chosen))


def new_entry(
    *,
    value: str,
    reason: HotlistReason | str,
    case_number: str,
    entered_by: str,
    now: datetime,
    expires_in_days: int | None = None,
    state: str | None = None,
    priority: Priority | str | None = None,
    vehicle: str = "",
    notes: str = "",
    entry_id: str | None = None,
) -> HotlistEntry:
    try:
        chosen_reason = HotlistReason(reason)
        requested = Priority(priority) if priority else None
    except ValueError as exc:
        raise InvalidEntry(str(exc)) from None
    case = checked_case_number(case_number, InvalidEntry)
    normalized, kind = parse_value(value)
    return HotlistEntry(
        entry_id=entry_id or f"m-{uuid.uuid4().hex[:16]}",
        value=normalized,
        kind=kind,
        reason=chosen_reason,
        priority=priority_for(chosen_reason, requested),
        case_number=case,
        state=normalize_state(state),
        vehicle=vehicle.strip(),
        notes=notes.strip(),
        entered_by=entered_by,
        entered_at=iso(now),
        expires_on=expiry(now, expires_in_days),
    )


def change_record(
    before: HotlistEntry | None, after: HotlistEntry, by: str, action: str, now: datetime
) -> HotlistChange:
    stamp = iso(now)
    return HotlistChange(
        entry_id=after.entry_id,
        # Sorts in the order the changes were made, even two within one millisecond.
        change_id=f"{stamp}#r{after.revision:06d}",
        at=stamp,
        by=by,
        action=action,
        before=before.model_dump(mode="json") if before else None,
        after=after.model_dump(mode="json"),
    )


def deactivated(entry: HotlistEntry, by: str, why: str, now: datetime) -> HotlistEntry:
    if not entry.active:
        raise InvalidEntry(f"entry {entry.entry_id} is already deactivated")
    if not why.strip():
        raise InvalidEntry("say why the entry is deactivated (e.g. vehicle recovered, person found)")
    return entry.model_copy(
        update={
            "active": False,
            "deactivated_by": by,
            "deactivated_at": iso(now),
            "deactivation_reason": why.strip(),
            "revision": entry.revision + 1,
        }
    )


def extended(entry: HotlistEntry, days: int, now: datetime) -> HotlistEntry:
    if not entry.active:
        raise InvalidEntry(f"entry {entry.entry_id} is deactivated; enter a new one")
    return entry.model_copy(update={"expires_on": expiry(now, days), "revision": entry.revision + 1})
