"""Runs the real models on generated images (never the benchmark photos)."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from synthetic import jpeg_bytes, plate_scene, png_bytes, with_exif_orientation

from alpr.ocr.line_vote import DEFAULT_VARIANTS
from alpr.ocr.models import (
    create_session,
    plate_recognizer_model,
    second_opinion_recognizer_path,
    text_detector_path,
    text_recognizer_path,
)
from alpr.ocr.plate_detector import PlateBox
from alpr.ocr.plate_recognizer import PlateRecognizer
from alpr.ocr.plate_region import read_plate_crop, read_plate_region
from alpr.ocr.reader import PlateResult, decode_image, get_reader
from alpr.ocr.recognizer import ALPHABET, RecognizedChar, RecognizedLine, TextRecognizer
from alpr.ocr.text_detector import TextDetector


def centre_inside(box: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]


@pytest.mark.parametrize("text", ["7ABC123", "ABC1234"])
def test_reads_synthetic_plate(reader, text: str) -> None:
    scene, plate_box = plate_scene(text)
    results = reader.read(scene)
    assert results, "no plate found"
    best = results[0]
    assert isinstance(best, PlateResult)
    assert best.text == text
    assert 0.0 <= best.confidence <= 1.0
    assert centre_inside(best.box, plate_box)


def test_reads_slanted_plate(reader) -> None:
    scene, (x, y, w, h) = plate_scene("7ABC123")
    centre = (x + w / 2, y + h / 2)
    rotated = cv2.warpAffine(
        scene, cv2.getRotationMatrix2D(centre, 8, 1.0), scene.shape[1::-1], borderMode=cv2.BORDER_REPLICATE
    )
    results = reader.read(rotated)
    assert results and results[0].text == "7ABC123"


def test_grayscale_and_alpha_frames(reader) -> None:
    scene, _ = plate_scene("7ABC123")
    gray = cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)
    assert reader.read(gray)[0].text == "7ABC123"
    bgra = cv2.cvtColor(scene, cv2.COLOR_BGR2BGRA)
    assert reader.read(decode_image(png_bytes(bgra)))[0].text == "7ABC123"


def test_exif_rotated_photo_is_read_upright(reader) -> None:
    scene, _ = plate_scene("7ABC123")
    # Stored sideways with an EXIF tag that says "rotate 90 degrees clockwise to display".
    stored = cv2.rotate(scene, cv2.ROTATE_90_COUNTERCLOCKWISE)
    frame = decode_image(with_exif_orientation(jpeg_bytes(stored), 6))
    assert frame.shape[:2] == scene.shape[:2]
    assert reader.read(frame)[0].text == "7ABC123"


def test_rotated_without_exif_gives_a_result(reader) -> None:
    scene, _ = plate_scene("7ABC123")
    assert isinstance(reader.read(cv2.rotate(scene, cv2.ROTATE_90_CLOCKWISE)), list)


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((720, 1280, 3), dtype=np.uint8),
        np.full((480, 640, 3), 255, dtype=np.uint8),
        np.random.default_rng(0).integers(0, 256, (360, 640, 3), dtype=np.uint8),
        np.zeros((4, 4, 3), dtype=np.uint8),
        np.zeros((1, 2000, 3), dtype=np.uint8),
        np.zeros((2000, 300, 3), dtype=np.uint8),
    ],
    ids=["black", "white", "noise", "tiny", "one-row", "portrait"],
)
def test_frames_without_plates(reader, frame: np.ndarray) -> None:
    results = reader.read(frame)
    assert isinstance(results, list)
    for result in results:
        assert (result.text.isalnum() and result.text.isupper()) or result.text.isdigit()


def test_empty_array_is_a_clear_error(reader) -> None:
    with pytest.raises(ValueError, match="empty"):
        reader.read(np.zeros((0, 0, 3), dtype=np.uint8))


def test_get_reader_is_a_singleton(monkeypatch) -> None:
    monkeypatch.setenv("ALPR_OCR_THREADS", "1")
    assert get_reader() is get_reader()


class CountingRecognizer:
    """The real recognizer, counting the line crops it is asked to read."""

    def __init__(self, inner) -> None:
        self.inner, self.crops = inner, 0

    def recognize(self, lines):
        self.crops += len(lines)
        return self.inner.recognize(lines)


def test_an_unsure_plate_is_read_again_by_the_second_opinion_and_a_sure_one_is_not() -> None:
    scene, (x, y, w, h) = plate_scene("7ABC123")
    plate = PlateBox(x, y, w, h, score=0.9)  # where the scene drew it (the YOLO detector skips synthetic plates)
    lines = TextDetector(create_session(text_detector_path(), 1))
    main = TextRecognizer(create_session(text_recognizer_path(), 1))
    second = CountingRecognizer(TextRecognizer(create_session(second_opinion_recognizer_path(), 1)))

    sure = read_plate_region(scene, plate, lines, main, DEFAULT_VARIANTS, sure_enough=0.0, second_opinion=second)  # type: ignore[arg-type]
    assert sure is not None and sure.text == "7ABC123" and second.crops == 0
    # Nothing is sure enough at 1.01: the line's own crop and every variant go to the second opinion too.
    unsure = read_plate_region(scene, plate, lines, main, DEFAULT_VARIANTS, sure_enough=1.01, second_opinion=second)  # type: ignore[arg-type]
    assert unsure is not None and unsure.text == "7ABC123" and second.crops == 1 + len(DEFAULT_VARIANTS)


def test_the_model_wheels_are_never_imported() -> None:
    # Importing rapidocr can download models; the reader only opens the ONNX files inside the wheels.
    probe = "import sys; from alpr.ocr.reader import PlateReader; PlateReader(threads=1); print(sorted(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "'rapidocr'" not in loaded and "'rapidocr_onnxruntime'" not in loaded and "'alpr.ocr.reader'" in loaded


def test_the_trained_recognizer_reads_the_plate_box_with_its_format() -> None:
    scene, (x, y, w, h) = plate_scene("7ABC123")
    recognizer = PlateRecognizer(create_session(plate_recognizer_model(), 1))
    read = read_plate_crop(scene, PlateBox(x, y, w, h, score=0.9), recognizer)
    assert read is not None
    candidate, reading, line = read
    assert line.text == "7ABC123"
    assert (candidate.text, candidate.format, candidate.state) == ("7ABC123", "US", "CA")
    assert 0.0 < candidate.confidence <= 1.0
    assert reading.text == "7ABC123"


class FixedDetector:
    """Puts the plate box where the scene drew it (platedet's YOLO skips the tests' synthetic plates)."""

    def __init__(self, box: PlateBox | None) -> None:
        self.box = box

    def detect(self, image, min_score: float = 0.1, max_plates: int = 5):
        return [self.box] if self.box else []


@pytest.mark.parametrize(("below", "asks_second_opinion"), [(0.0, False), (1.01, True)])
def test_second_opinion_only_below_the_confidence_threshold(below: float, asks_second_opinion: bool) -> None:
    from alpr.ocr.reader import PlateReader

    scene, (x, y, w, h) = plate_scene("7ABC123")
    reader = PlateReader(detector=FixedDetector(PlateBox(x, y, w, h, score=0.9)), threads=1, second_opinion_below=below)
    results = reader.read(scene)
    assert results and results[0].text == "7ABC123"
    assert results[0].format == "US"
    assert reader.stage_ms["recognizer"] > 0
    assert (reader.stage_ms["voting"] > 0) is asks_second_opinion


def test_the_trained_reading_votes_with_the_second_opinion() -> None:
    scene, (x, y, w, h) = plate_scene("7ABC123")
    plate = PlateBox(x, y, w, h, score=0.9)
    lines = TextDetector(create_session(text_detector_path(), 1))
    main = TextRecognizer(create_session(text_recognizer_path(), 1))
    trained = PlateRecognizer(create_session(plate_recognizer_model(), 1)).recognize([scene[y : y + h, x : x + w]])[0]
    # A trained reading that wrongly yet confidently says 7 for the 1 (same layout, so the US prior keeps it):
    # enough of it outvotes the general-text readings, so it is counted.
    wrong = RecognizedLine(
        "7ABC723", tuple(c if i != 4 else RecognizedChar(_certain("7"), 1.0) for i, c in enumerate(trained.chars))
    )
    alone = read_plate_region(scene, plate, lines, main, DEFAULT_VARIANTS, sure_enough=1.01)
    joined = read_plate_region(scene, plate, lines, main, DEFAULT_VARIANTS, sure_enough=1.01, joined=[wrong] * 8)
    assert alone is not None and alone.text == "7ABC123"
    assert joined is not None and joined.text == "7ABC723"


def test_a_foreign_plate_without_a_plate_box_is_still_read() -> None:
    from alpr.ocr.reader import PlateReader

    scene, _ = plate_scene("LY64XFL")  # a United Kingdom layout (LL99LLL), no US one
    reader = PlateReader(detector=FixedDetector(None), threads=1)
    results = reader.read(scene)
    assert results and results[0].text == "LY64XFL"
    assert reader.stage_ms["text_boxes"] > 0


def _certain(char: str) -> np.ndarray:
    probabilities = np.full(len(ALPHABET), 1e-6)
    probabilities[ALPHABET.index(char)] = 1.0
    return probabilities / probabilities.sum()


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("85ZB09", ("85ZBO9", "EU")),  # Netherlands 99LLL9: the general recognizer's 0 is the letter O
        ("7ABC123", ("7ABC123", "US")),  # fits as read: unchanged
        ("A0B2C3", None),  # fits nothing either way
    ],
)
def test_a_line_found_without_a_plate_box_fits_a_listed_format_or_is_dropped(
    read: str, expected: tuple[str, str] | None
) -> None:
    from alpr.ocr.plate_format import PlateReading
    from alpr.ocr.plate_region import _with_listed_format

    reading = _with_listed_format(PlateReading(read, -1.0, 0.0, 0, "US" if read == "7ABC123" else "other"))
    if expected is None:
        assert reading is None
    else:
        assert reading is not None and (reading.text, reading.format) == expected
