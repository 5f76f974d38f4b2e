"""The plate recognizer trained in this repository (``training/``): a whole plate crop in, A-Z0-9 out.

It is PP-OCRv4's recognizer fine-tuned on plate crops, with its output head cut to 37 classes
(CTC blank + ``ALPHABET``). It reads the whole padded plate box, squashed to 48x192, so it needs no
text detector: it learned to skip state names, slogans, stickers and frames itself. Training and the
reader share ``plate_input`` so the model sees at run time exactly what it was trained on.
"""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from alpr.ocr.recognizer import ALPHABET, RecognizedChar, RecognizedLine

INPUT_HEIGHT = 48
INPUT_WIDTH = 192
CLASSES = len(ALPHABET) + 1  # index 0 is the CTC blank, index k + 1 is ALPHABET[k]


def plate_input(crop: np.ndarray) -> np.ndarray:
    """A BGR plate crop as the network's 3x48x192 input in [-1, 1] (squashed, not letterboxed: a 2:1 US
    plate stretched to 4:1 gives the recognizer ~3 time steps per character)."""
    h, w = crop.shape[:2]
    shrinking = h > INPUT_HEIGHT or w > INPUT_WIDTH
    resized = cv2.resize(
        crop, (INPUT_WIDTH, INPUT_HEIGHT), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    return (resized.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)


def decode_ctc(probabilities: np.ndarray) -> RecognizedLine:
    """Greedy CTC decoding of one (time steps x 37) probability matrix."""
    best = probabilities.argmax(axis=1)
    chars: list[RecognizedChar] = []
    step = 0
    while step < len(best):
        symbol = int(best[step])
        end = step
        while end + 1 < len(best) and best[end + 1] == symbol:
            end += 1
        if symbol != 0:
            segment = probabilities[step : end + 1]
            peak = segment[int(segment[:, symbol].argmax())]
            per_class = peak[1:].astype(np.float64)
            total = per_class.sum()
            distribution = per_class / total if total > 0 else np.full(len(ALPHABET), 1 / len(ALPHABET))
            chars.append(RecognizedChar(distribution, float(peak[symbol])))
        step = end + 1
    text = "".join(c.best for c in chars)
    return RecognizedLine(text, tuple(chars))


class PlateRecognizer:
    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input_name = session.get_inputs()[0].name

    def probabilities(self, crops: list[np.ndarray]) -> np.ndarray:
        batch = np.stack([plate_input(crop) for crop in crops])
        return np.asarray(self._session.run(None, {self._input_name: batch})[0])

    def recognize(self, crops: list[np.ndarray]) -> list[RecognizedLine]:
        if not crops:
            return []
        return [decode_ctc(p) for p in self.probabilities(crops)]
