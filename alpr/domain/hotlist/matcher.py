"""The in-memory matcher: imported lists, manual plates and partial patterns, in one ``match`` call.

For each read: an exact match on the normalized plate ("match"), a partial-pattern match ("partial"),
and a look-alike match on the confusion-folded plate ("possible": the read may be the listed plate
misread, so an officer must look before anything else happens). State is compared only when both the
read and the entry know it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from alpr.clock import iso
from alpr.domain.hotlist.confusion import fold
from alpr.domain.hotlist.entries import EntryKind, HotlistEntry, Priority, priority_for
from alpr.domain.hotlist.patterns import PatternIndex
from alpr.domain.hotlist.snapshot import ImportedIndex
from alpr.domain.records import HotlistReason

MANUAL_SOURCE = "manual"


class MatchKind(StrEnum):
    MATCH = "match"
    PARTIAL = "partial"
    POSSIBLE = "possible"


@dataclass(frozen=True)
class Target:
    """What a hit points at, whether a manual entry or an imported row."""

    entry_id: str
    source: str
    value: str
    kind: EntryKind
    reason: HotlistReason
    priority: Priority
    case_number: str = ""
    state: str | None = None
    description: str = ""
    expires_on: str | None = None


@dataclass(frozen=True)
class Hit:
    target: Target
    kind: MatchKind
    why: str


def imported_entry_id(list_name: str, record_id: str) -> str:
    return f"{list_name}:{record_id}"


def _target_of_entry(entry: HotlistEntry) -> Target:
    return Target(
        entry_id=entry.entry_id,
        source=MANUAL_SOURCE,
        value=entry.value,
        kind=entry.kind,
        reason=entry.reason,
        priority=entry.priority,
        case_number=entry.case_number,
        state=entry.state,
        description=entry.vehicle,
        expires_on=entry.expires_on,
    )


def _states_agree(read_state: str | None, listed_state: str | None) -> bool:
    return not read_state or not listed_state or read_state == listed_state


def _plate_hit(target: Target, plate: str) -> Hit:
    if target.value == plate:
        return Hit(target, MatchKind.MATCH, f"plate {plate} is listed")
    return Hit(target, MatchKind.POSSIBLE, f"read {plate} looks like listed {target.value} (look-alike characters)")


def manual_snapshot(entries: Iterable[HotlistEntry], now: datetime) -> bytes:
    """The manual entries in force, as the small JSON document the matcher loads."""
    in_force = [e.model_dump(mode="json") for e in entries if e.in_force(now)]
    return json.dumps({"built_at": iso(now), "entries": in_force}, separators=(",", ":")).encode()


class ManualIndex:
    def __init__(self, entries: Iterable[HotlistEntry]) -> None:
        self.plates: dict[str, list[Target]] = {}
        patterns: list[tuple[str, Target]] = []
        for entry in entries:
            if not entry.active:
                continue
            target = _target_of_entry(entry)
            if entry.kind is EntryKind.PATTERN:
                patterns.append((entry.value, target))
            else:
                self.plates.setdefault(fold(entry.value), []).append(target)
        self.patterns: PatternIndex[Target] = PatternIndex.build(patterns)
        self.count = sum(map(len, self.plates.values())) + self.patterns.size

    @classmethod
    def from_snapshot(cls, data: bytes) -> ManualIndex:
        document = json.loads(data)
        return cls(HotlistEntry.model_validate(e) for e in document["entries"])


class Matcher:
    def __init__(self, imported: Sequence[ImportedIndex] = (), manual: ManualIndex | None = None) -> None:
        self.imported = tuple(imported)
        self.manual = manual or ManualIndex(())

    @property
    def size(self) -> int:
        return sum(i.count for i in self.imported) + self.manual.count

    def match(self, plate: str, state: str | None = None, now: datetime | None = None) -> list[Hit]:
        folded = fold(plate)
        hits: list[Hit] = []
        folded_key = folded.encode()
        for index in self.imported:
            for row in index.rows(folded_key):
                vehicle = index.vehicle(row)
                if not _states_agree(state, vehicle.state):
                    continue
                target = Target(
                    entry_id=imported_entry_id(index.list_name, vehicle.record_id),
                    source=index.list_name,
                    value=vehicle.plate,
                    kind=EntryKind.PLATE,
                    reason=vehicle.reason,
                    priority=priority_for(vehicle.reason),
                    case_number=vehicle.record_id,
                    state=vehicle.state or None,
                    description=" ".join(p for p in (vehicle.colour, vehicle.make, vehicle.plate_type) if p),
                )
                hits.append(_plate_hit(target, plate))
        for target in self.manual.plates.get(folded, ()):
            if _states_agree(state, target.state):
                hits.append(_plate_hit(target, plate))
        for compiled, exact in self.manual.patterns.search(plate, folded):
            target = compiled.payload
            if not _states_agree(state, target.state):
                continue
            if exact:
                hits.append(Hit(target, MatchKind.PARTIAL, f"read {plate} fits partial plate {target.value}"))
            else:
                why = f"read {plate} fits partial plate {target.value} only with look-alike characters"
                hits.append(Hit(target, MatchKind.POSSIBLE, why))
        if now is not None:
            stamp = iso(now)
            hits = [h for h in hits if h.target.expires_on is None or stamp < h.target.expires_on]
        return hits
