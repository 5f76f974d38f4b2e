"""Matching new reads against the hotlists and raising alerts.

A match container keeps one ``Matcher`` in memory, built from the snapshots the pointer item names. It
re-reads the pointer (one small GetItem) at most every ``refresh_s`` seconds and reloads only the
snapshots that changed, so a new list version is picked up without a redeploy and no read costs a scan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from alpr.clock import Clock
from alpr.domain.hotlist.entries import Priority
from alpr.domain.hotlist.matcher import MANUAL_SOURCE, Hit, ManualIndex, Matcher
from alpr.domain.hotlist.snapshot import ImportedIndex
from alpr.domain.matching import alert_for, consensus_alert_for
from alpr.domain.records import Alert, PlateRead
from alpr.domain.retention import RetentionPolicy
from alpr.domain.sightings import consensus_is_new
from alpr.repositories.factory import Repositories

log = logging.getLogger(__name__)

# Long enough for an officer to open it from the notification, short enough not to become a standing link.
ALERT_IMAGE_LINK_TTL_S = 900


class MatcherCache:
    def __init__(self, repos: Repositories, refresh_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._repos = repos
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._checked_at: float | None = None
        self._generation: Any = None
        self._lists: dict[str, ImportedIndex] = {}
        self._manual: tuple[str, ManualIndex] | None = None
        self._matcher = Matcher()

    def matcher(self) -> Matcher:
        now = self._monotonic()
        if self._checked_at is None or now - self._checked_at >= self._refresh_s:
            self._refresh()
            self._checked_at = now
        return self._matcher

    def _refresh(self) -> None:
        pointer = self._repos.hotlist_versions.pointer()
        generation = (pointer.get("epoch"), pointer.get("generation"))
        if generation == self._generation:
            return
        lists: dict[str, ImportedIndex] = {}
        for name, in_force in sorted(pointer.get("lists", {}).items()):
            loaded = self._lists.get(name)
            if loaded is None or loaded.version != in_force["version"]:
                loaded = ImportedIndex(self._repos.snapshots.get(in_force["snapshot_key"]))
                log.info("hotlist %s version %s loaded (%d entries)", name, loaded.version, loaded.count)
            lists[name] = loaded
        manual = pointer.get("manual")
        if manual and (self._manual is None or self._manual[0] != manual["snapshot_key"]):
            self._manual = (
                manual["snapshot_key"],
                ManualIndex.from_snapshot(self._repos.snapshots.get(manual["snapshot_key"])),
            )
        self._lists = lists
        self._matcher = Matcher(list(lists.values()), self._manual[1] if self._manual else None)
        self._generation = generation


class MatchService:
    def __init__(self, repos: Repositories, clock: Clock, refresh_s: float = 30.0) -> None:
        self._repos = repos
        self._clock = clock
        self.cache = MatcherCache(repos, refresh_s)

    def on_new_read(self, read: PlateRead) -> list[Alert]:
        now = self._clock.now()
        return self._raise(read.plate, read.state, lambda hit, muted: alert_for(read, hit, now, muted=muted))

    def on_sighting_joined(self, read: PlateRead) -> list[Alert]:
        """Matches the consensus of the sighting ``read`` just joined, when no frame read that plate itself.

        Each frame's own read was matched as it arrived; a consensus that differs from all of them (say
        7ABC12B and 7A8C123 voting for 7ABC123) would otherwise never be checked against the hotlist.
        """
        if read.sighting_id is None:
            return []
        now = self._clock.now()
        sighting = self._repos.sightings.get(read.sighting_id)
        if sighting is None or not consensus_is_new(sighting) or RetentionPolicy.is_expired(sighting.expires_at, now):
            return []
        return self._raise(
            sighting.plate,
            read.state,
            lambda hit, muted: consensus_alert_for(read, sighting, hit, now, muted=muted),
        )

    def _raise(self, plate: str, state: str | None, alert_of: Callable[[Hit, bool], Alert]) -> list[Alert]:
        raised = []
        for hit in self.cache.matcher().match(plate, state, self._clock.now()):
            if not self._still_in_force(hit):
                continue
            muted = hit.target.priority is not Priority.HIGH and self._repos.mutes.muted_for_everyone(
                hit.target.entry_id
            )
            alert = alert_of(hit, muted)
            if self._repos.alerts.get(alert.alert_id) is not None:
                continue
            if not muted:
                # Notify before recording: a crash in between repeats a notification rather than losing it.
                link = self._repos.images.presigned_view(alert.image_key, ALERT_IMAGE_LINK_TTL_S)
                self._repos.publisher.publish(alert, link)
            if self._repos.alerts.add(alert):
                raised.append(alert)
        return raised

    def _still_in_force(self, hit: Hit) -> bool:
        """A manual entry deactivated since the last snapshot refresh must not raise an alert (hits are rare)."""
        if hit.target.source != MANUAL_SOURCE:
            return True
        entry = self._repos.hotlist.get(hit.target.entry_id)
        return entry is not None and entry.in_force(self._clock.now())
