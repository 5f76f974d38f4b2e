"""Groups each new read into a sighting of its camera and keeps the sighting's consensus plate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alpr.clock import Clock, iso
from alpr.domain.records import PlateRead
from alpr.domain.sightings import (
    SIGHTING_WINDOW,
    Sighting,
    capture_time_of,
    choose_sighting,
    joined,
    merged,
    open_sighting,
    same_car,
    survivor_of,
)
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
                current = self._merge_twins(current, since, now)
                self._repos.reads.set_sighting(read.read_id, current.sighting_id)
                return current
        raise SightingConflictError(f"read {read.read_id}: sighting changed {_ATTEMPTS} times while joining it")

    def _merge_twins(self, current: Sighting, since: str, now: datetime) -> Sighting:
        """Merges sightings that frames of the same car, read at the same moment, opened side by side.

        Order: the kept sighting gains the absorbed one's frames, the frames are re-tagged, and only then is
        the absorbed one deleted (if unchanged since it was read): a crash in between leaves a duplicate that
        the next frame or the retried message merges again, never a read tagged with a missing sighting.
        """
        for _ in range(_ATTEMPTS):
            recent = {s.sighting_id: s for s in self._repos.sightings.for_camera_since(current.camera_id, since, now)}
            # Another writer may have merged ours away: follow our frames to the sighting that kept them.
            ours = set(current.read_ids)
            current = next((s for s in recent.values() if ours & set(s.read_ids)), current)
            twin = next((s for s in recent.values() if same_car(current, s)), None)
            if twin is None:
                return current
            kept, absorbed = survivor_of(current, twin)
            saved = self._repos.sightings.save(merged(kept, absorbed, iso(now)))
            if saved is None:
                continue
            for read_id in absorbed.read_ids:
                self._repos.reads.set_sighting(read_id, saved.sighting_id)
            if self._repos.sightings.delete_version(absorbed):
                current = saved
        raise SightingConflictError(f"sighting {current.sighting_id}: twins kept changing while merging them")
