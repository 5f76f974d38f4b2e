"""Purging expired reads and their images (policy 418.5)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from alpr.clock import Clock, iso
from alpr.repositories.factory import Repositories

# Stop taking new work with this much of the invocation left, so a run never dies mid-item.
SAFETY_MARGIN_MS = 60_000


@dataclass
class PurgeReport:
    started_at: str
    deleted: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    complete: bool = True

    def summary(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "deleted": dict(self.deleted),
            "held": dict(self.held),
            "failures": self.failures,
            "complete": self.complete,
        }


class PurgeService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def run(self, deadline_ms: int | None = None) -> PurgeReport:
        started = time.monotonic()
        now = self._clock.now()
        report = PurgeReport(started_at=iso(now))
        for read in self._repos.reads.expired(now):
            if deadline_ms is not None and (time.monotonic() - started) * 1000 > deadline_ms - SAFETY_MARGIN_MS:
                report.complete = False
                break
            source = read.source.value
            try:
                # Image first: a crash after it leaves an expired read that is never shown and that the
                # next run purges; the other order could leave an image no read points at.
                if not self._repos.images.delete_all_versions(read.image_key):
                    report.held[source] += 1
                    continue
                for alert_id in self._repos.alerts.ids_for_read(read.plate, read.read_id):
                    self._repos.alerts.delete(alert_id)
                self._repos.reads.delete(read.read_id)
                self._repos.frames.delete(read.frame_id)
                report.deleted[source] += 1
            except Exception as exc:  # one bad item must not stop the rest of the run
                report.failures.append(f"{read.read_id}: {type(exc).__name__}: {exc}")
        for sighting in self._repos.sightings.expired(now):
            self._repos.sightings.delete(sighting.sighting_id)
            report.deleted["sightings"] += 1
        for frame in self._repos.frames.expired_without_reads(now):
            if self._repos.images.delete_all_versions(frame.image_key):
                self._repos.frames.delete(frame.frame_id)
                report.deleted[f"{frame.source.value}-frames"] += 1
        return report
