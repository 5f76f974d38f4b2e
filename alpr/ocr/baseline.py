"""Plain PP-OCRv4 on the whole frame (rapidocr), for comparison in the benchmark.

This is what a general OCR gives: read every text line of the frame and pick
the most plate-like one. It is imported only by ``alpr bench ocr --compare-baseline``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alpr.ocr.plate_format import latin_alphanumerics, looks_like_plate_words
from alpr.ocr.reader import PlateResult


class BaselineReader:
    def __init__(self, threads: int = 1) -> None:
        from rapidocr_onnxruntime import RapidOCR  # heavy import, only for the comparison

        self._engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)

    def read(self, image: np.ndarray) -> list[PlateResult]:
        result: Any
        result, _ = self._engine(image)
        plates: list[tuple[float, PlateResult]] = []
        for corners, raw_text, score in result or []:
            text = latin_alphanumerics(raw_text)
            if not 4 <= len(text) <= 8 or looks_like_plate_words(raw_text):
                continue
            points = np.asarray(corners, dtype=np.float32)
            x0, y0 = points.min(axis=0)
            x1, y1 = points.max(axis=0)
            has_letters_and_digits = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
            plate_likeness = (
                float(score) + (0.5 if has_letters_and_digits else 0.0) + (0.3 if 5 <= len(text) <= 8 else 0.0)
            )
            box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
            plates.append((plate_likeness, PlateResult(text, raw_text, float(score), box)))
        plates.sort(key=lambda item: item[0], reverse=True)
        return [plate for _, plate in plates]
