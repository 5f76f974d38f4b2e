"""Which frames are worth sending: something moved, at most N a second, and (optionally) a plate is in view."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import cv2
import numpy as np

MOTION_WIDTH = 160


@dataclass
class MotionGate:
    """Frame differencing on a small grey copy: a frame passes when enough of it changed since the last frame
    that passed or the last quiet frame (so a slow pan keeps passing, a still street does not)."""

    changed_fraction: float = 0.01
    pixel_threshold: int = 25
    _previous: np.ndarray | None = None

    def moved(self, image: np.ndarray) -> bool:
        height, width = image.shape[:2]
        small = cv2.resize(image, (MOTION_WIDTH, max(1, height * MOTION_WIDTH // width)))
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape:
            return True
        changed = np.count_nonzero(cv2.absdiff(previous, grey) > self.pixel_threshold)
        return bool(changed >= self.changed_fraction * grey.size)


@dataclass
class RateLimit:
    """At most ``max_fps`` frames a second per camera, judged by capture time (so a backlog is not throttled)."""

    max_fps: float
    _last: datetime | None = None

    def allows(self, captured_at: datetime) -> bool:
        if self.max_fps <= 0:
            return True
        if self._last is not None and (captured_at - self._last).total_seconds() < 1.0 / self.max_fps:
            return False
        self._last = captured_at
        return True


@dataclass
class PlateGate:
    """The shipped plate detector (alpr.ocr.plate_detector, int8 ONNX) on the box: only frames with a plate go
    out. Its CPU time per frame is measured (``cpu_s`` / ``frames``) and reported by ``alpr bench agent``: the
    calling thread's CPU time (one ONNX Runtime thread runs on the caller), not the process's, which in the
    benchmark also holds the local stack's OCR."""

    min_score: float = 0.1  # the reader's own threshold (alpr.ocr.reader uses the detector default)
    frames: int = 0
    cpu_s: float = 0.0
    _detector: object | None = field(default=None, repr=False)

    def _load(self) -> object:
        if self._detector is None:
            from alpr.ocr.models import create_session, plate_detector_model
            from alpr.ocr.plate_detector import YoloPlateDetector

            self._detector = YoloPlateDetector(create_session(plate_detector_model(), 1))
            # One uncounted run: ONNX Runtime allocates its buffers on the first, which is not a frame's cost.
            self._detector.detect(np.zeros((288, 512, 3), np.uint8), min_score=self.min_score)
        return self._detector

    def has_plate(self, image: np.ndarray) -> bool:
        detector = self._load()
        started = time.thread_time()
        boxes = detector.detect(image, min_score=self.min_score)  # type: ignore[attr-defined]
        self.cpu_s += time.thread_time() - started
        self.frames += 1
        return bool(boxes)


@dataclass
class Selector:
    rate: RateLimit
    motion: MotionGate | None = None
    plates: PlateGate | None = None
    cpu_s: float = 0.0

    def select(self, image: np.ndarray | None, captured_at: datetime) -> bool:
        started = time.thread_time()  # the capture thread's own CPU (see PlateGate)
        try:
            if image is None:
                return self.rate.allows(captured_at)
            if self.motion is not None and not self.motion.moved(image):
                return False
            if not self.rate.allows(captured_at):
                return False
            return self.plates is None or self.plates.has_plate(image)
        finally:
            self.cpu_s += time.thread_time() - started
