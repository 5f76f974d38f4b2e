"""The reader composed of stand-ins for its models (``alpr.ocr.protocols``): no model is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from alpr.ocr import reader as reader_module
from alpr.ocr.line_vote import DEFAULT_VARIANTS
from alpr.ocr.plate_detector import PlateBox
from alpr.ocr.protocols import LineDetector, LineRecognizer, PlateDetector, Recognizers
from alpr.ocr.reader import PlateReader, PlateResult
from alpr.ocr.recognizer import ALPHABET, RecognizedChar, RecognizedLine
from alpr.ocr.text_detector import TextBox


class StandInDetector:
    def __init__(self, boxes: list[PlateBox]) -> None:
        self.boxes = boxes

    def detect(self, image: np.ndarray, *, max_plates: int) -> list[PlateBox]:
        return self.boxes[:max_plates]


class StandInLineDetector:
    def __init__(self, boxes: list[TextBox]) -> None:
        self.boxes, self.calls = boxes, 0

    def detect(self, image: np.ndarray, *, max_side: int) -> list[TextBox]:
        self.calls += 1
        return self.boxes


class StandInRecognizer:
    """Reads every crop as ``text``, each character with probability ``p``; counts the crops."""

    def __init__(self, text: str, p: float = 1.0) -> None:
        self.text, self.p, self.crops = text, p, 0

    def recognize(self, lines: list[np.ndarray]) -> list[RecognizedLine]:
        self.crops += len(lines)
        return [_line(self.text, self.p) for _ in lines]


def _line(text: str, p: float) -> RecognizedLine:
    chars = []
    for char in text:
        probabilities = np.full(len(ALPHABET), (1.0 - p) / (len(ALPHABET) - 1) if p < 1.0 else 1e-6)
        probabilities[ALPHABET.index(char)] = p
        chars.append(RecognizedChar(probabilities / probabilities.sum(), p))
    return RecognizedLine(text, tuple(chars))


@pytest.fixture(autouse=True)
def no_default_models(monkeypatch) -> None:
    def refuse(threads=None):  # type: ignore[no-untyped-def]
        raise AssertionError("a reader given every model loads none")

    monkeypatch.setattr(reader_module, "DefaultModels", refuse)


FRAME = np.full((360, 640, 3), 128, dtype=np.uint8)
PLATE = PlateBox(200.0, 150.0, 160.0, 80.0, score=0.9)


def test_the_stand_ins_satisfy_the_protocols() -> None:
    # What mypy checks statically, spelt out: each stand-in is usable where the reader expects the protocol.
    detector: PlateDetector = StandInDetector([])
    line_detector: LineDetector = StandInLineDetector([])
    recognizer: LineRecognizer = StandInRecognizer("7ABC123")
    assert detector.detect(FRAME, max_plates=3) == []
    assert line_detector.detect(FRAME, max_side=640) == []
    assert recognizer.recognize([FRAME])[0].text == "7ABC123"


def test_a_sure_plate_is_read_by_the_plate_recognizer_alone() -> None:
    lines, second = StandInRecognizer("8XYZ987"), StandInRecognizer("8XYZ987")
    line_detector = StandInLineDetector([])
    reader = PlateReader(
        detector=StandInDetector([PLATE]),
        recognizers=Recognizers(plate=StandInRecognizer("7ABC123"), lines=lines, second_opinion=second),
        line_detector=line_detector,
        second_opinion_below=0.0,
    )
    results = reader.read(FRAME)
    assert [(r.text, r.format, r.box) for r in results] == [("7ABC123", "US", PLATE.as_int_tuple())]
    assert isinstance(results[0], PlateResult) and 0.0 < results[0].confidence <= 1.0
    assert (line_detector.calls, lines.crops, second.crops) == (0, 0, 0)


def test_an_unsure_plate_gets_the_line_recognizers_vote() -> None:
    plate = StandInRecognizer("7ABC123", p=0.4)
    lines, second = StandInRecognizer("7ABC123"), StandInRecognizer("7ABC123")
    line_detector = StandInLineDetector([])  # no line found: the plate box is read as one line
    reader = PlateReader(
        detector=StandInDetector([PLATE]),
        recognizers=Recognizers(plate=plate, lines=lines, second_opinion=second),
        line_detector=line_detector,
        second_opinion_below=1.01,
    )
    results = reader.read(FRAME)
    assert results and results[0].text == "7ABC123"
    assert plate.crops == 1 and line_detector.calls == 1
    # The line, then the variant crops; the second opinion reads the line's own crop and the variants.
    assert lines.crops == 1 + len(DEFAULT_VARIANTS)
    assert second.crops == 1 + len(DEFAULT_VARIANTS)
    assert reader.stage_ms["voting"] > 0


def test_a_frame_without_a_plate_box_is_searched_line_by_line() -> None:
    line = TextBox(np.array([[100, 100], [300, 100], [300, 150], [100, 150]], dtype=np.float32), 0.9)
    plate, lines = StandInRecognizer("8XYZ987"), StandInRecognizer("7ABC123")
    reader = PlateReader(
        detector=StandInDetector([]),
        recognizers=Recognizers(plate=plate, lines=lines),
        line_detector=StandInLineDetector([line]),
    )
    results = reader.read(FRAME)
    assert [(r.text, r.format) for r in results] == [("7ABC123", "US")]
    assert plate.crops == 0 and lines.crops == 1
