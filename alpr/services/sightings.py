"""Groups each new read into a sighting of its camera and keeps the sighting's consensus plate."""

from __future__ import annotations

from collections.abc import Sequence

from alpr.clock import Clock, iso
from alpr.domain.records import PlateRead
from alpr.domain.sightings import SIGHTING_WINDOW, Sighting, capture_time_of, choose_sighting, joined, open_sighting
from alpr.repositories.factory import Repositories

# Concurrent OCR invocations may update the same sighting; a lost race is retried on fresh data.
_ATTEMPTS = 5


class SightingConflictError(RuntimeError):
    """The sighting kept changing under us; the OCR message is retried by its queue."""


class SightingService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def add_reads(self, reads: Sequence[PlateRead]) -> list[Sighting]:
        return [self.add(read) for read in reads]

    def add(self, read: PlateRead) -> Sighting:
        """Puts the read in the sighting it belongs to (or a new one) and tags the read with it. Idempotent."""
        now = self._clock.now()
        since = iso(capture_time_of(read) - SIGHTING_WINDOW)
        for _ in range(_ATTEMPTS):
            recent = self._repos.sightings.for_camera_since(read.camera_id, since, now)
            current = next((s for s in recent if read.read_id in s.read_ids), None)
            if current is None:
                target = choose_sighting(read, recent)
                updated = joined(target, read, iso(now)) if target else open_sighting(read, iso(now))
                current = self._repos.sightings.save(updated)
            if current is not None:
                self._repos.reads.set_sighting(read.read_id, current.sighting_id)
                return current
        raise SightingConflictError(f"read {read.read_id}: sighting changed {_ATTEMPTS} times while joining it")
