"""Audit rules (policy 418.6.1, Civil Code §§ 1798.90.51-53): the quarterly sample, tamper-evident chains
and digest manifests. Plain Python: the services feed it records and store what it returns."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MINIMUM_SAMPLE = 5  # "a random review of at least 5 downloaded videos/images" (418.6.1)
GENESIS = "0" * 64


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """[start, end) of the quarter at local midnight in the department's zone."""
        zone = ZoneInfo(time_zone)
        first_month = 3 * (self.number - 1) + 1
        start = date(self.year, first_month, 1)
        end = date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, first_month + 3, 1)
        return datetime.combine(start, time.min, zone), datetime.combine(end, time.min, zone)

    @classmethod
    def preceding(cls, now: datetime, time_zone: str) -> Quarter:
        local = now.astimezone(ZoneInfo(time_zone))
        current = (local.month - 1) // 3 + 1
        return cls(local.year - 1, 4) if current == 1 else cls(local.year, current - 1)

    @classmethod
    def parse(cls, label: str) -> Quarter:
        year, _, number = label.upper().partition("-Q")
        quarter = cls(int(year), int(number))
        if not 1 <= quarter.number <= 4:
            raise ValueError(f"no such quarter: {label}")
        return quarter


@dataclass(frozen=True)
class Sample:
    seed: int
    population_size: int
    requested: int
    chosen: tuple[str, ...]

    @property
    def shortfall_note(self) -> str:
        if self.population_size >= self.requested:
            return ""
        return (
            f"only {self.population_size} image view(s) or download(s) in the quarter, fewer than the "
            f"{self.requested} the policy asks to review: all of them are in the sample"
        )


def draw_sample(population_ids: Iterable[str], seed: int, size: int = MINIMUM_SAMPLE) -> Sample:
    """Reproducible: the same ids and seed give the same sample, whatever order the ids arrived in."""
    if size < MINIMUM_SAMPLE:
        raise ValueError(f"the policy asks for at least {MINIMUM_SAMPLE} items, not {size}")
    ordered = sorted(set(population_ids))
    chosen = ordered if len(ordered) <= size else sorted(random.Random(seed).sample(ordered, size))
    return Sample(seed=seed, population_size=len(ordered), requested=size, chosen=tuple(chosen))


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """Each link commits to the one before it, so an edit, a deletion or an insertion breaks the chain."""
    return hashlib.sha256(previous_hash.encode() + canonical_json(dict(content))).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    position: int
    record_id: str
    problem: str


def verify_chain(
    links: Sequence[Mapping[str, Any]], content_of: Any, expected_length: int | None = None
) -> ChainBreak | None:
    """Walks links in sequence order; returns the first broken one. ``content_of(link)`` gives the hashed
    fields; each link carries ``seq``, ``prev_hash`` and ``hash``."""
    previous = GENESIS
    for position, link in enumerate(links):
        record_id = str(link.get("record_id", position))
        if int(link["seq"]) != position + 1:
            return ChainBreak(position, record_id, f"sequence jumps to {link['seq']} where {position + 1} was due")
        if link["prev_hash"] != previous:
            return ChainBreak(position, record_id, "does not point at the record before it")
        if chain_hash(previous, content_of(link)) != link["hash"]:
            return ChainBreak(position, record_id, "its content no longer matches its hash (edited)")
        previous = str(link["hash"])
    if expected_length is not None and expected_length != len(links):
        return ChainBreak(len(links), "-", f"{expected_length} records were written, {len(links)} remain")
    return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(files: Mapping[str, bytes], meta: Mapping[str, Any]) -> dict[str, Any]:
    return {**meta, "files": {name: {"sha256": sha256_hex(data), "bytes": len(data)} for name, data in files.items()}}


def verify_manifest(found: Mapping[str, bytes], recorded: Mapping[str, Any]) -> list[str]:
    """The problems a reviewer would want named: files changed, missing, or added after export."""
    problems = []
    listed = recorded["files"]
    for name, entry in listed.items():
        if name not in found:
            problems.append(f"{name}: missing")
        elif sha256_hex(found[name]) != entry["sha256"]:
            problems.append(f"{name}: altered after export (SHA-256 differs)")
    problems += [f"{name}: not in the manifest" for name in found if name not in listed]
    return problems


def quarter_days(quarter: Quarter, time_zone: str) -> list[str]:
    start, end = quarter.bounds(time_zone)
    days = []
    day = start.date()
    while day < end.date():
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days
