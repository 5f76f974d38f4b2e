"""Licence-plate reader: plate detector -> trained plate recognizer -> plate formats.

The plate recognizer trained in this repository (``training/``) reads the whole plate box. Where it is
unsure, the general-text path gives a second opinion: PP-OCRv4's text detector finds the lines in the
plate, PP-OCRv6's recognizer reads them (crop variants voting, with v4's recognizer), and the trained
reading votes with them. Frames where the plate detector finds nothing are searched line by line with the
same path (lines that fit a listed US or foreign layout).

The reader is composed of models that satisfy the small protocols of ``alpr.ocr.protocols`` (``PlateDetector``,
``LineDetector``, ``LineRecognizer``); which concrete models it gets by default is decided in one place,
``alpr.ocr.models.DefaultModels``.

Public interface used by the rest of the platform:
``PlateResult``, ``ImageDecodeError``, ``decode_image``, ``PlateReader``, ``get_reader``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from alpr.ocr.image_decoding import ImageDecodeError, decode_image, to_bgr
from alpr.ocr.line_vote import DEFAULT_VARIANTS, CropVariant
from alpr.ocr.models import DefaultModels
from alpr.ocr.plate_detector import PlateBox
from alpr.ocr.plate_format import PlateReading
from alpr.ocr.plate_region import PlateCandidate, read_frame_without_plate_box, read_plate_crop, read_plate_region
from alpr.ocr.protocols import LineDetector, PlateDetector, Recognizers
from alpr.ocr.recognizer import RecognizedLine
from alpr.schema import OperatorEnv

__all__ = ["ImageDecodeError", "PlateReader", "PlateResult", "decode_image", "get_reader"]

# Per-stage milliseconds of the last ``read`` (``PlateReader.stage_ms``; decoding is timed by the caller):
# plate detector, trained recognizer, the general-text second opinion (text boxes, recognizers, voting), and
# the text-box search of frames without a plate box.
STAGES = ("detector", "recognizer", "voting", "text_boxes")

_MAX_PLATE_BOXES = 3
# Readings of the general-text path at least this confident skip its extra crops and v4's vote. Chosen on
# the odd-numbered dev photos with PP-OCRv6 (0.7: 0.836, 0.8: 0.873, 0.85: 0.891, 0.9: 0.855 exact).
_SURE_ENOUGH = 0.85
# The trained recognizer's readings below this confidence get the general-text path's second opinion: the
# plate's line read by PP-OCRv6 from four crops and by PP-OCRv4 from the same four, voting per character with
# the trained reading. Replayed on the openalpr US dev photos (README, "Reading plates"): asked below 0.5 and
# taken only when more confident, the second opinion made no difference; voting below 0.9 read 3 more of the
# 56 even-numbered photos and no more of the 55 odd-numbered ones (0.85 and 0.95 read fewer on the whole set).
SECOND_OPINION_BELOW = float(os.environ.get(OperatorEnv.OCR_SECOND_OPINION_BELOW, "0.9"))
# The second opinion always votes: it is asked because the trained reading was unsure.
_ALWAYS_VOTE = math.inf


_TrainedRead = tuple[PlateCandidate, PlateReading, RecognizedLine]  # read_plate_crop's answer


@dataclass(frozen=True)
class PlateResult:
    text: str  # registration, uppercase A-Z0-9 only
    raw_text: str  # what the OCR read before cleanup
    confidence: float  # 0..1, calibrated
    box: tuple[int, int, int, int]  # x, y, w, h in the frame's pixels
    format: str = "other"  # US, MX, CA, EU, BR, vanity or other (alpr.ocr.plate_format.guess_format)
    state: str | None = None  # issuing US state, only where the plate's layout tells it reliably


class PlateReader:
    """Composes a plate detector, a line detector and recognizers (``alpr.ocr.protocols``); those not given
    are today's (``DefaultModels``), loaded here once. ``read`` is safe to call repeatedly (not concurrently)."""

    def __init__(
        self,
        detector: PlateDetector | None = None,
        recognizers: Recognizers | None = None,
        line_detector: LineDetector | None = None,
        *,
        threads: int | None = None,
        variants: tuple[CropVariant, ...] = DEFAULT_VARIANTS,
        second_opinion_below: float = SECOND_OPINION_BELOW,
    ) -> None:
        """``threads``: the budget of the default models (and OpenCV's pool) when any is loaded; ``variants``:
        extra crops that vote in the general-text path; ``second_opinion_below``: the trained recognizer's
        confidence under which that path reads the plate too (0: never)."""
        if detector is None or recognizers is None or line_detector is None:
            defaults = DefaultModels(threads)
            detector = defaults.plate_detector() if detector is None else detector
            recognizers = defaults.recognizers() if recognizers is None else recognizers
            line_detector = defaults.line_detector() if line_detector is None else line_detector
        self._detector = detector
        self._recognizers = recognizers
        self._line_detector = line_detector
        self._variants = variants
        self._second_opinion_below = second_opinion_below
        self.stage_ms: dict[str, float] = {}

    def read(self, image: np.ndarray) -> list[PlateResult]:
        frame = _as_frame(image)
        self.stage_ms = dict.fromkeys(STAGES, 0.0)
        if min(frame.shape[:2]) < 8:
            return []
        candidates: list[PlateCandidate] = []
        with self._timed("detector"):
            plate_boxes = self._detector.detect(frame, max_plates=_MAX_PLATE_BOXES)
        with self._timed("recognizer"):
            trained = [read_plate_crop(frame, plate_box, self._recognizers.plate) for plate_box in plate_boxes]
        # The second opinion is for the frame's plate, not for every box: only the most confident trained
        # reading gets it, and only when no box was read surely (boxes the trained model could not read at
        # all still get the general-text path, as their only reading).
        read = [t for t in trained if t is not None]
        unsure = max(read, key=lambda t: t[0].confidence) if read else None
        if unsure is not None and unsure[0].confidence >= self._second_opinion_below:
            unsure = None
        for plate_box, reading in zip(plate_boxes, trained, strict=True):
            if reading is not None and reading is not unsure:
                candidates.append(reading[0])
                continue
            candidate = self._second_opinion_for(frame, plate_box, reading)
            if candidate is not None:
                candidates.append(candidate)
        if not candidates:
            with self._timed("text_boxes"):
                candidates = read_frame_without_plate_box(frame, self._line_detector, self._recognizers.lines)
        candidates.sort(key=lambda c: c.confidence, reverse=True)
        return _without_duplicates(candidates)

    def _second_opinion_for(
        self,
        frame: np.ndarray,
        plate_box: PlateBox,
        trained: _TrainedRead | None,
    ) -> PlateCandidate | None:
        with self._timed("voting"):
            general = read_plate_region(
                frame,
                plate_box,
                self._line_detector,
                self._recognizers.lines,
                self._variants,
                _SURE_ENOUGH if trained is None else _ALWAYS_VOTE,
                self._recognizers.second_opinion,
                joined=() if trained is None else (trained[2],),
            )
        if trained is None or general is not None:
            return general
        return trained[0]

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stage_ms[stage] = self.stage_ms.get(stage, 0.0) + (time.perf_counter() - started) * 1000


def _as_frame(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.size == 0:
        raise ValueError("empty image array")
    return np.ascontiguousarray(to_bgr(image))


def _without_duplicates(candidates: list[PlateCandidate]) -> list[PlateResult]:
    seen: set[str] = set()
    results: list[PlateResult] = []
    for c in candidates:
        if not c.text or c.text in seen:
            continue
        seen.add(c.text)
        results.append(PlateResult(c.text, c.raw_text, c.confidence, c.box, c.format, c.state))
    return results


_reader: PlateReader | None = None
_reader_lock = threading.Lock()


def get_reader() -> PlateReader:
    """Process-wide reader (a Lambda container loads the models once)."""
    global _reader
    if _reader is None:
        with _reader_lock:
            if _reader is None:
                configured = os.environ.get(OperatorEnv.OCR_THREADS)
                _reader = PlateReader(threads=int(configured) if configured else None)
    return _reader
