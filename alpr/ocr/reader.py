"""Licence-plate reader: plate detector -> text lines in the plate -> recognizer -> US format.

The lines are found by PP-OCRv4's text detector and read by PP-OCRv6's recognizer; an uncertain
plate is read again from a few crop variants, by v6 and by v4's recognizer, and the readings vote.

Public interface used by the rest of the platform:
``PlateResult``, ``ImageDecodeError``, ``decode_image``, ``PlateReader``, ``get_reader``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from alpr.ocr.image_decoding import ImageDecodeError, decode_image, to_bgr
from alpr.ocr.line_vote import DEFAULT_VARIANTS, CropVariant
from alpr.ocr.models import (
    create_session,
    plate_detector_model,
    resolve_threads,
    second_opinion_recognizer_path,
    text_detector_path,
    text_recognizer_path,
)
from alpr.ocr.plate_detector import PlateDetector
from alpr.ocr.plate_region import PlateCandidate, read_frame_without_plate_box, read_plate_region
from alpr.ocr.recognizer import TextRecognizer
from alpr.ocr.text_detector import TextDetector

__all__ = ["ImageDecodeError", "PlateReader", "PlateResult", "decode_image", "get_reader"]

_MAX_PLATE_BOXES = 3
# Readings at least this confident skip the extra crops and the second opinion, which keeps the median
# time low. Chosen on the odd-numbered dev photos with PP-OCRv6 (0.7: 0.836, 0.8: 0.873, 0.85: 0.891,
# 0.9: 0.855 exact); the even-numbered ones read 0.911 at both 0.8 and 0.85.
_SURE_ENOUGH = 0.85


@dataclass(frozen=True)
class PlateResult:
    text: str  # registration, uppercase A-Z0-9 only
    raw_text: str  # what the OCR read before cleanup
    confidence: float  # 0..1, calibrated
    box: tuple[int, int, int, int]  # x, y, w, h in the frame's pixels


class PlateReader:
    """Loads the models once; ``read`` is safe to call repeatedly (not concurrently)."""

    def __init__(self, threads: int | None = None, variants: tuple[CropVariant, ...] = DEFAULT_VARIANTS) -> None:
        """``variants``: extra crops that vote on uncertain readings; ``()`` reads each plate once."""
        self.threads = resolve_threads(threads)
        self._variants = variants
        # OpenCV's pool is process-wide; match it to the budget we were given.
        cv2.setNumThreads(self.threads)
        self._plate_detector = PlateDetector(create_session(plate_detector_model(), self.threads))
        self._text_detector = TextDetector(create_session(text_detector_path(), self.threads))
        self._recognizer = TextRecognizer(create_session(text_recognizer_path(), self.threads))
        self._second_opinion = TextRecognizer(create_session(second_opinion_recognizer_path(), self.threads))

    def read(self, image: np.ndarray) -> list[PlateResult]:
        frame = _as_frame(image)
        if min(frame.shape[:2]) < 8:
            return []
        candidates: list[PlateCandidate] = []
        for plate_box in self._plate_detector.detect(frame, max_plates=_MAX_PLATE_BOXES):
            candidate = read_plate_region(
                frame,
                plate_box,
                self._text_detector,
                self._recognizer,
                self._variants,
                _SURE_ENOUGH,
                self._second_opinion,
            )
            if candidate is not None:
                candidates.append(candidate)
        if not candidates:
            candidates = read_frame_without_plate_box(frame, self._text_detector, self._recognizer)
        candidates.sort(key=lambda c: c.confidence, reverse=True)
        return _without_duplicates([c.to_result_fields() for c in candidates])


def _as_frame(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.size == 0:
        raise ValueError("empty image array")
    return np.ascontiguousarray(to_bgr(image))


def _without_duplicates(fields: list[tuple[str, str, float, tuple[int, int, int, int]]]) -> list[PlateResult]:
    seen: set[str] = set()
    results: list[PlateResult] = []
    for text, raw_text, confidence, box in fields:
        if not text or text in seen:
            continue
        seen.add(text)
        results.append(PlateResult(text=text, raw_text=raw_text, confidence=confidence, box=box))
    return results


_reader: PlateReader | None = None
_reader_lock = threading.Lock()


def get_reader() -> PlateReader:
    """Process-wide reader (a Lambda container loads the models once)."""
    global _reader
    if _reader is None:
        with _reader_lock:
            if _reader is None:
                configured = os.environ.get("ALPR_OCR_THREADS")
                _reader = PlateReader(threads=int(configured) if configured else None)
    return _reader
