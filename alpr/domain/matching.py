"""Hotlist matching: which entries a read hits, and the alert each hit raises."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from alpr.clock import iso
from alpr.domain.records import Alert, HotlistEntry, PlateRead


def alert_id_for(read_id: str, entry_id: str) -> str:
    """Deterministic, so a stream record delivered twice raises one alert."""
    return hashlib.sha256(f"{read_id}|{entry_id}".encode()).hexdigest()[:32]


def exact_matches(read: PlateRead, candidates: Iterable[HotlistEntry]) -> list[HotlistEntry]:
    return [entry for entry in candidates if entry.active and entry.plate == read.plate]


def alert_for(read: PlateRead, entry: HotlistEntry, match_kind: str, now: datetime) -> Alert:
    return Alert(
        alert_id=alert_id_for(read.read_id, entry.entry_id),
        read_id=read.read_id,
        entry_id=entry.entry_id,
        plate=read.plate,
        match_kind=match_kind,
        reason=entry.reason,
        case_number=entry.case_number,
        camera_id=read.camera_id,
        source=read.source,
        captured_at=read.captured_at,
        latitude=read.latitude,
        longitude=read.longitude,
        image_key=read.image_key,
        created_at=iso(now),
        # An alert says what a read showed, so it lives exactly as long as the read.
        expires_at=read.expires_at,
        correlation_id=read.correlation_id,
    )
