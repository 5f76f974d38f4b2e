"""Matching new reads against the hotlist and raising alerts."""

from __future__ import annotations

from alpr.clock import Clock
from alpr.domain.matching import alert_for, exact_matches
from alpr.domain.records import Alert, PlateRead
from alpr.repositories.factory import Repositories

# Long enough for an officer to open it from the notification, short enough not to become a standing link.
ALERT_IMAGE_LINK_TTL_S = 900


class MatchService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def on_new_read(self, read: PlateRead) -> list[Alert]:
        raised = []
        for entry in exact_matches(read, self._repos.hotlist.for_plate(read.plate)):
            alert = alert_for(read, entry, "match", self._clock.now())
            if self._repos.alerts.get(alert.alert_id) is not None:
                continue
            # Notify before recording: a crash in between repeats a notification rather than losing it.
            link = self._repos.images.presigned_view(alert.image_key, ALERT_IMAGE_LINK_TTL_S)
            self._repos.publisher.publish(alert, link)
            if self._repos.alerts.add(alert):
                raised.append(alert)
        return raised
