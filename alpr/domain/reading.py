"""Turning what the reader saw in a frame into plate reads with their retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from alpr.clock import iso
from alpr.domain.plates import is_plausible_plate, normalize_plate
from alpr.domain.records import FrameMetadata, PlateRead, capture_time
from alpr.domain.retention import RetentionPolicy


class SeenPlate(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def raw_text(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def box(self) -> tuple[int, int, int, int]: ...


def read_id_for(frame_id: str, position: int) -> str:
    """Deterministic, so a retried OCR invocation rewrites nothing and duplicates nothing."""
    return f"{frame_id}#{position}"


def build_reads(
    meta: FrameMetadata,
    image_key: str,
    plates: Sequence[SeenPlate],
    retention: RetentionPolicy,
    now: datetime,
) -> list[PlateRead]:
    expires = retention.expires_epoch(meta.source, capture_time(meta))
    reads: list[PlateRead] = []
    for plate in plates:
        text = normalize_plate(plate.text)
        if not is_plausible_plate(text):
            continue
        reads.append(
            PlateRead(
                read_id=read_id_for(meta.frame_id, len(reads)),
                frame_id=meta.frame_id,
                camera_id=meta.camera_id,
                source=meta.source,
                plate=text,
                raw_text=plate.raw_text,
                # Optional on SeenPlate: the trained reader gives them, other sources of plates may not.
                plate_format=getattr(plate, "format", None),
                read_state=getattr(plate, "state", None),
                confidence=round(float(plate.confidence), 4),
                box=[int(v) for v in plate.box],
                captured_at=meta.captured_at,
                latitude=meta.latitude,
                longitude=meta.longitude,
                image_key=image_key,
                created_at=iso(now),
                expires_at=expires,
                correlation_id=meta.correlation_id,
            )
        )
    return reads
