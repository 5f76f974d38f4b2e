"""Reads with their frames, images and alerts written straight through the repositories, at any capture
time: for retention tests and the purge benchmark (ingest rightly refuses frames already past retention,
and OCR is not what they measure)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from alpr import schema
from alpr.clock import iso
from alpr.domain.cameras import Camera
from alpr.domain.frames import JPEG, frame_key, ledger_entry
from alpr.domain.matching import alert_id_for
from alpr.domain.records import Alert, FrameMetadata, FrameStatus, HotlistReason, PlateRead
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.dynamo import to_item
from alpr.repositories.factory import Repositories

# A tiny valid JPEG is all the purge needs; the bytes differ per frame so digests differ.
_JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@dataclass(frozen=True)
class SeedSpec:
    camera: Camera
    captured_at: datetime
    plate: str = "7ABC123"
    with_alert: bool = False


def _image(frame_id: str) -> bytes:
    return _JPEG_HEADER + frame_id.encode() + b"\xff\xd9"


def build(spec: SeedSpec, retention: RetentionPolicy, now: datetime) -> tuple[FrameMetadata, str, PlateRead]:
    frame_id = str(uuid.uuid4())
    body = _image(frame_id)
    meta = FrameMetadata(
        frame_id=frame_id,
        camera_id=spec.camera.camera_id,
        source=spec.camera.source,
        captured_at=iso(spec.captured_at),
        latitude=37.72,
        longitude=-122.15,
        content_sha256=hashlib.sha256(body).hexdigest(),
        correlation_id=frame_id,
    )
    key = frame_key(spec.camera, spec.captured_at, frame_id, JPEG)
    read = PlateRead(
        read_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{frame_id}/0")),
        frame_id=frame_id,
        camera_id=spec.camera.camera_id,
        source=spec.camera.source,
        plate=spec.plate,
        raw_text=spec.plate,
        confidence=0.97,
        box=[10, 10, 100, 40],
        captured_at=meta.captured_at,
        latitude=meta.latitude,
        longitude=meta.longitude,
        image_key=key,
        created_at=iso(now),
        expires_at=retention.expires_epoch(spec.camera.source, spec.captured_at),
        correlation_id=frame_id,
    )
    return meta, key, read


def _alert(read: PlateRead, now: datetime) -> Alert:
    entry_id = "seed-hotlist-entry"
    return Alert(
        alert_id=alert_id_for(read.read_id, entry_id),
        read_id=read.read_id,
        entry_id=entry_id,
        plate=read.plate,
        match_kind="match",
        reason=HotlistReason.STOLEN_VEHICLE,
        case_number="SEED-1",
        camera_id=read.camera_id,
        source=read.source,
        captured_at=read.captured_at,
        image_key=read.image_key,
        created_at=iso(now),
        expires_at=read.expires_at,
    )


ImageWriter = Callable[[str, bytes, FrameMetadata], None]


def seed_reads(
    repos: Repositories,
    retention: RetentionPolicy,
    now: datetime,
    specs: Iterable[SeedSpec],
    threads: int = 8,
    write_image: ImageWriter | None = None,
) -> list[PlateRead]:
    """Batch-writes frames, reads and alerts, and uploads the images from a few threads."""
    built = [(spec, *build(spec, retention, now)) for spec in specs]
    images = repos.images

    def put_frame(key: str, body: bytes, meta: FrameMetadata) -> None:
        images.put_frame(key, body, JPEG.content_type, meta)

    writer = write_image or put_frame

    def upload(entry: tuple[SeedSpec, FrameMetadata, str, PlateRead]) -> None:
        _, meta, key, _ = entry
        writer(key, _image(meta.frame_id), meta)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(upload, built))
    frames_table, reads_table = repos.table(schema.FRAMES), repos.table(schema.READS)
    alerts_table = repos.table(schema.ALERTS)
    with (
        frames_table.batch_writer() as frames,
        reads_table.batch_writer() as reads,
        alerts_table.batch_writer() as alerts,
    ):
        for spec, meta, key, read in built:
            entry = ledger_entry(meta, key, retention, now, FrameStatus.READ)
            entry.plates = 1
            frames.put_item(Item=to_item(entry))
            reads.put_item(Item=to_item(read))
            if spec.with_alert:
                alerts.put_item(Item=to_item(_alert(read, now)))
    return [read for _, _, _, read in built]
