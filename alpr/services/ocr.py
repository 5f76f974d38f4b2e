"""Reading plates in a stored frame; every frame ends as reads, a no-plate record or a dead letter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from alpr import schema
from alpr.clock import Clock, iso
from alpr.domain.frames import ledger_entry
from alpr.domain.reading import build_reads
from alpr.domain.records import FINAL_FRAME_STATUSES, FrameRecord, FrameStatus
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories
from alpr.services.sightings import SightingService

if TYPE_CHECKING:
    # Typing only: importing alpr.ocr loads OpenCV and ONNX Runtime, which functions that never read plates
    # should not pay for.
    from alpr.ocr.protocols import Reader

# Gives the plate reader (alpr.ocr.reader.get_reader: the models are loaded on the first frame, once per
# container) or a stand-in.
ReaderFactory = Callable[[], "Reader"]


@dataclass(frozen=True)
class FrameOutcome:
    frame_id: str
    status: FrameStatus
    plates: int
    repeated: bool = False
    # Set at upload (the API request id) and carried in the object's metadata: ties the logs of one frame
    # together from the camera's upload to the alert.
    correlation_id: str = ""


class OcrService:
    def __init__(
        self,
        repos: Repositories,
        reader: ReaderFactory,
        retention: RetentionPolicy,
        clock: Clock,
        sightings: SightingService | None = None,
    ) -> None:
        self._repos = repos
        self._sightings = sightings
        self._reader = reader
        self._retention = retention
        self._clock = clock

    def process(self, key: str) -> FrameOutcome | None:
        """Raises on transient failures (the queue retries); permanent ones become dead letters."""
        if not key.startswith(schema.BUCKET.frames):
            return None
        data, meta = self._repos.images.get_frame(key)
        if meta is None:
            frame_id = PurePosixPath(key).stem
            self._dead_letter_unknown(frame_id, key)
            return FrameOutcome(frame_id, FrameStatus.DEAD_LETTER, 0)
        frame = self._repos.frames.get(meta.frame_id)
        if frame is not None and frame.status in FINAL_FRAME_STATUSES:
            return FrameOutcome(frame.frame_id, frame.status, frame.plates, True, frame.correlation_id)
        if frame is None:
            self._repos.frames.put(ledger_entry(meta, key, self._retention, self._clock.now()))

        from alpr.ocr.reader import ImageDecodeError, decode_image

        try:
            image = decode_image(data)
        except ImageDecodeError as exc:
            self._repos.frames.finish(meta.frame_id, FrameStatus.DEAD_LETTER, reason=f"undecodable frame: {exc}")
            return FrameOutcome(meta.frame_id, FrameStatus.DEAD_LETTER, 0, correlation_id=meta.correlation_id)
        plates = self._reader().read(image)
        reads = build_reads(meta, key, plates, self._retention, self._clock.now())
        for read in reads:
            self._repos.reads.add(read)
        if self._sightings is not None:
            # Before the frame is finished: a failure here retries the frame, and both steps are idempotent.
            self._sightings.add_reads(reads)
        status = FrameStatus.READ if reads else FrameStatus.NO_PLATE
        self._repos.frames.finish(meta.frame_id, status, plates=len(reads))
        return FrameOutcome(meta.frame_id, status, len(reads), correlation_id=meta.correlation_id)

    def _dead_letter_unknown(self, frame_id: str, key: str) -> None:
        self._repos.frames.put(
            FrameRecord(
                frame_id=frame_id,
                camera_id="unknown",
                source=schema.SourceClass.FIXED,
                status=FrameStatus.DEAD_LETTER,
                image_key=key,
                captured_at=iso(self._clock.now()),
                received_at=iso(self._clock.now()),
                content_sha256="",
                reason="object in the frames area carries no frame metadata: not written by ingest",
            )
        )
