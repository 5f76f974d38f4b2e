"""Turning a hotlist hit into the alert it raises."""

from __future__ import annotations

import hashlib
from datetime import datetime

from alpr.clock import iso
from alpr.domain.hotlist.matcher import Hit
from alpr.domain.records import Alert, PlateRead
from alpr.domain.sightings import Sighting


def alert_id_for(read_id: str, entry_id: str) -> str:
    """Deterministic, so a stream record delivered twice (or a historical search run twice) raises one alert."""
    return hashlib.sha256(f"{read_id}|{entry_id}".encode()).hexdigest()[:32]


def alert_for(read: PlateRead, hit: Hit, now: datetime, historical: bool = False, muted: bool = False) -> Alert:
    target = hit.target
    return Alert(
        alert_id=alert_id_for(read.read_id, target.entry_id),
        read_id=read.read_id,
        entry_id=target.entry_id,
        plate=read.plate,
        match_kind=hit.kind.value,
        reason=target.reason,
        case_number=target.case_number,
        priority=target.priority.value,
        hotlist_source=target.source,
        hotlist_value=target.value,
        why=hit.why,
        description=target.description,
        historical=historical,
        muted=muted,
        camera_id=read.camera_id,
        source=read.source,
        captured_at=read.captured_at,
        latitude=read.latitude,
        longitude=read.longitude,
        image_key=read.image_key,
        created_at=iso(now),
        updated_at=iso(now),
        # An alert says what a read showed, so it lives exactly as long as the read.
        expires_at=read.expires_at,
        correlation_id=read.correlation_id,
    )


def consensus_alert_for(read: PlateRead, sighting: Sighting, hit: Hit, now: datetime, muted: bool = False) -> Alert:
    """The alert a sighting's consensus plate raises, shown with the frame that completed the consensus.

    Keyed by the sighting, not the frame: every frame that joins the sighting re-checks its consensus, and a
    passing car raises one alert per hotlist entry however many frames it took.
    """
    frames = len(sighting.members)
    alert = alert_for(read, hit, now, muted=muted)
    return alert.model_copy(
        update={
            "alert_id": alert_id_for(sighting.sighting_id, hit.target.entry_id),
            "plate": sighting.plate,
            "why": f"{hit.why}; consensus of {frames} frames (no single frame read {sighting.plate})",
            "sighting_id": sighting.sighting_id,
        }
    )
