"""PP-OCR text-line recognizer (v6 or v4, same interface), read as per-character probabilities.

PP-OCR's recognizers know thousands of symbols (v4 ~6600, v6 ~18700, mostly Chinese). Plates only use
A-Z and 0-9, so each decoded character keeps its probability distribution over
those 36 classes; the plate-format logic then chooses between look-alikes
(O/0, B/8, ...) using the format rather than the recognizer's first choice.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_INPUT_HEIGHT = 48
# PaddleOCR pads every line to at least this width (ratio 320/48); recognition
# degrades on narrower canvases because the model was trained that way.
_MIN_INPUT_WIDTH = 320
_MAX_INPUT_WIDTH = 960
# Lines per inference. The output holds a probability for every symbol the model knows at every time step
# (PP-OCRv6: ~18,700 symbols x 240 steps at full width, 18 MB per line), so a frame's 24 candidate lines in
# one batch peaked at 750 MB; a few at a time keeps it near 100 MB. Every line of a call is still drawn on
# the same canvas width, so what each line reads does not depend on how the lines were grouped.
_LINES_PER_RUN = 4


@dataclass(frozen=True)
class RecognizedChar:
    probabilities: np.ndarray  # over ALPHABET, sums to 1
    confidence: float  # recognizer's probability of its own first choice

    @property
    def best(self) -> str:
        return ALPHABET[int(np.argmax(self.probabilities))]


@dataclass(frozen=True)
class RecognizedLine:
    raw_text: str  # everything the recognizer emitted, including non-Latin symbols
    chars: tuple[RecognizedChar, ...]  # only the A-Z/0-9 characters

    @property
    def text(self) -> str:
        return "".join(c.best for c in self.chars)

    @property
    def mean_confidence(self) -> float:
        if not self.chars:
            return 0.0
        return float(np.mean([c.confidence for c in self.chars]))


class TextRecognizer:
    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input_name = session.get_inputs()[0].name
        vocabulary = session.get_modelmeta().custom_metadata_map["character"].splitlines()
        # Index 0 is the CTC blank and the last index is a space, as in PaddleOCR.
        self._symbols = ["", *vocabulary, " "]
        self._class_of_symbol = np.full(len(self._symbols), -1, dtype=np.int64)
        for index, symbol in enumerate(self._symbols):
            folded = unicodedata.normalize("NFKC", symbol).upper()
            if len(folded) == 1 and folded in ALPHABET:
                self._class_of_symbol[index] = ALPHABET.index(folded)
        self._alphabet_columns = [np.flatnonzero(self._class_of_symbol == k) for k in range(len(ALPHABET))]

    def recognize(self, lines: list[np.ndarray]) -> list[RecognizedLine]:
        if not lines:
            return []
        widths = [_input_width(line) for line in lines]
        canvas_width = min(_MAX_INPUT_WIDTH, max(_MIN_INPUT_WIDTH, max(widths)))
        batch = np.zeros((len(lines), 3, _INPUT_HEIGHT, canvas_width), dtype=np.float32)
        for i, (line, width) in enumerate(zip(lines, widths, strict=True)):
            width = min(width, canvas_width)
            resized = cv2.resize(line, (width, _INPUT_HEIGHT), interpolation=cv2.INTER_LINEAR)
            batch[i, :, :, :width] = (resized.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)
        recognized: list[RecognizedLine] = []
        for first in range(0, len(lines), _LINES_PER_RUN):
            probabilities = self._session.run(None, {self._input_name: batch[first : first + _LINES_PER_RUN]})[0]
            recognized += [self._decode(p) for p in probabilities]
        return recognized

    def _decode(self, probabilities: np.ndarray) -> RecognizedLine:
        best = probabilities.argmax(axis=1)
        raw: list[str] = []
        chars: list[RecognizedChar] = []
        step = 0
        while step < len(best):
            symbol = int(best[step])
            end = step
            while end + 1 < len(best) and best[end + 1] == symbol:
                end += 1
            if symbol != 0:
                raw.append(self._symbols[symbol])
                if self._class_of_symbol[symbol] >= 0:
                    chars.append(self._character(probabilities[step : end + 1]))
            step = end + 1
        return RecognizedLine("".join(raw), tuple(chars))

    def _character(self, segment: np.ndarray) -> RecognizedChar:
        # The most confident time step of the segment speaks for the character.
        peak = segment[int(segment.max(axis=1).argmax())]
        per_class = np.array([peak[cols].sum() for cols in self._alphabet_columns], dtype=np.float64)
        confidence = float(per_class.max())
        total = per_class.sum()
        distribution = per_class / total if total > 0 else np.full(len(ALPHABET), 1 / len(ALPHABET))
        return RecognizedChar(distribution, confidence)


def _input_width(line: np.ndarray) -> int:
    h, w = line.shape[:2]
    return max(8, min(_MAX_INPUT_WIDTH, math.ceil(_INPUT_HEIGHT * w / max(h, 1))))
