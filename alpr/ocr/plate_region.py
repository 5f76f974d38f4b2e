"""Reads the registration inside one plate region.

A plate carries more text than the registration (state name, slogan, dealer
frame, stickers). The registration is the tallest line, near the middle, in a
US layout, and is not a known plate word; two-row plates are joined.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from alpr.ocr.confidence import calibrated_confidence
from alpr.ocr.line_vote import CropVariant, variant_crops, vote
from alpr.ocr.plate_detector import PlateBox
from alpr.ocr.plate_format import (
    FOREIGN_LAYOUTS,
    PlateReading,
    fits_known_format,
    guess_format,
    looks_like_plate_words,
    read_plate,
)
from alpr.ocr.protocols import LineDetector, LineRecognizer
from alpr.ocr.recognizer import RecognizedLine
from alpr.ocr.text_detector import TextBox, crop_text_line, merge_line_boxes

# Context kept around the detector's box: its boxes are sometimes tight and cut
# off the first/last character.
_REGION_PAD_X = 0.25
_REGION_PAD_Y = 0.45
# The text detector finds small text best when plate characters are ~40 px.
_TARGET_PLATE_HEIGHT = 96
_MAX_REGION_SIDE = 640
# A replicate border keeps text that touches the crop edge detectable.
_BORDER_FRACTION = 0.15
_MIN_LINE_HEIGHT_FRACTION = 0.5  # of the tallest line in the plate
_LINE_PAD = 0.12
_MIN_PLATE_LENGTH = 4
_MAX_PLATE_LENGTH = 8  # of the line height, added around each line before recognition


# Lines found without a plate box are also read stretched sideways: the text detector's box of a whole plate
# (MX "LRT-557-W" at 2:1) gives the recognizer ~1.3 time steps per symbol, and it drops digits. Stretched
# alone, frames of the rendered sets with no plate box read right at 1.0 / 1.3 / 1.6 / 2.0: MX 36 / 42 / 43 / 44
# of 48, EU 52 / 51 / 53 / 53 of 56, CA 39 / 40 / 41 / 39 of 47, US dev 1 / 2 / 2 / 2 of 2; but on a second
# rendering (other seeds) 1.6 alone lost EU plates that 1.0 read, so both are read.
_FRAME_LINE_STRETCHES = (1.6, 1.0)
# Margin around the detector's box for the trained recognizer, per side, in fractions of the box: the middle
# of the margins it was trained with (training/real_crops.augment: -4 % to +12 %).
_PLATE_CROP_PAD = 0.04


@dataclass(frozen=True)
class PlateCandidate:
    text: str
    raw_text: str
    confidence: float
    box: tuple[int, int, int, int]
    format: str = "other"
    state: str | None = None


def reported_text(reading: PlateReading) -> str:
    """The registration as stored: a US plate's letter O is the digit 0 (never used on US plates); other
    countries' plates keep what is written."""
    return reading.text if reading.format in ("MX", "CA", "EU", "BR") else reading.text.replace("O", "0")


def candidate_from(
    reading: PlateReading, raw_text: str, detector_score: float, box: tuple[int, int, int, int]
) -> PlateCandidate:
    confidence = calibrated_confidence(_quality(reading), detector_score)
    return PlateCandidate(reported_text(reading), raw_text, confidence, box, reading.format, reading.state)


def plate_crop(frame: np.ndarray, plate: PlateBox, pad: float = _PLATE_CROP_PAD) -> np.ndarray:
    frame_h, frame_w = frame.shape[:2]
    x0 = int(max(0, math.floor(plate.x - pad * plate.w)))
    y0 = int(max(0, math.floor(plate.y - pad * plate.h)))
    x1 = int(min(frame_w, math.ceil(plate.x + plate.w * (1 + pad))))
    y1 = int(min(frame_h, math.ceil(plate.y + plate.h * (1 + pad))))
    return frame[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]


def read_plate_crop(
    frame: np.ndarray, plate: PlateBox, recognizer: LineRecognizer
) -> tuple[PlateCandidate, PlateReading, RecognizedLine] | None:
    """Reads the registration with the trained whole-plate recognizer (no text detector needed); the line is
    what may join a second opinion's vote (``read_plate_region(joined=...)``)."""
    line = recognizer.recognize([plate_crop(frame, plate)])[0]
    reading = read_plate([c.probabilities for c in line.chars], [c.confidence for c in line.chars])
    # Timestamps and dealer URLs are longer than any registration; state names and slogans are not one.
    if reading is None or not _MIN_PLATE_LENGTH <= len(reading.text) <= _MAX_PLATE_LENGTH:
        return None
    if looks_like_plate_words(reading.text):
        return None
    return candidate_from(reading, line.raw_text, plate.score, plate.as_int_tuple()), reading, line


@dataclass(frozen=True)
class _LineReading:
    box: TextBox  # in frame pixels
    line: RecognizedLine
    reading: PlateReading | None


def read_plate_region(
    frame: np.ndarray,
    plate: PlateBox,
    detector: LineDetector,
    recognizer: LineRecognizer,
    variants: tuple[CropVariant, ...] = (),
    sure_enough: float = 1.0,
    second_opinion: LineRecognizer | None = None,
    joined: Sequence[RecognizedLine] = (),
) -> PlateCandidate | None:
    """Reads the registration; when its confidence is below ``sure_enough``, ``variants`` crops vote, each read
    by ``recognizer`` and, with the line's own crop, by ``second_opinion`` (a model that errs differently).
    ``joined``: readings of the same plate by another model (the trained recognizer's) that vote with them."""
    region, offset = _plate_region(frame, plate)
    scale = min(_TARGET_PLATE_HEIGHT / max(plate.h, 1.0), _MAX_REGION_SIDE / max(region.shape[:2]))
    scaled = cv2.resize(
        region, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    )
    border = round(_BORDER_FRACTION * max(scaled.shape[:2]))
    padded = cv2.copyMakeBorder(scaled, border, border, border, border, cv2.BORDER_REPLICATE)
    text_boxes = detector.detect(padded, max_side=_MAX_REGION_SIDE + 2 * border)
    shift = np.array([border, border], dtype=np.float32)
    frame_boxes = [TextBox((b.corners - shift) / scale + offset, b.score) for b in text_boxes]
    frame_boxes = merge_line_boxes([b for b in frame_boxes if _inside_plate(b, plate)])
    if frame_boxes:
        # Small print (state name, slogan, stickers) is never the registration: not worth recognizing.
        tallest_box = max(b.height for b in frame_boxes)
        frame_boxes = [b for b in frame_boxes if b.height >= _MIN_LINE_HEIGHT_FRACTION * tallest_box]
    if not frame_boxes:
        # No line found: recognize the plate box itself as one line.
        x, y, w, h = plate.x, plate.y, plate.w, plate.h
        corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float32)
        frame_boxes = [TextBox(corners, 0.0)]
    lines = _recognize(frame, frame_boxes, recognizer)
    chosen = _choose_registration(lines)
    if chosen is None or chosen.reading is None:
        return None
    reading = chosen.reading
    if variants and calibrated_confidence(_quality(reading), plate.score) < sure_enough:
        line_box = _pad_box(chosen.box)
        crops = variant_crops(frame, line_box, variants)
        extra = recognizer.recognize(crops)
        if second_opinion is not None:
            extra += second_opinion.recognize([crop_text_line(frame, line_box), *crops])
        reading = vote([chosen.line, *extra, *joined]) or reading
    return candidate_from(reading, chosen.line.raw_text, plate.score, plate.as_int_tuple())


def read_frame_without_plate_box(
    frame: np.ndarray, detector: LineDetector, recognizer: LineRecognizer, max_lines: int = 24
) -> list[PlateCandidate]:
    """Fallback when the plate detector finds nothing: plate-like lines anywhere in the frame. Each line is read
    stretched and, where that reading fits no format, as it is (``_FRAME_LINE_STRETCHES``)."""
    boxes = [b for b in detector.detect(frame, max_side=960) if 1.5 <= b.width / max(b.height, 1) <= 12]
    boxes.sort(key=lambda b: b.score * b.height, reverse=True)
    best: dict[int, PlateCandidate] = {}
    for stretch in _FRAME_LINE_STRETCHES:
        unread = [i for i in range(min(max_lines, len(boxes))) if i not in best]
        for index, item in zip(unread, _recognize(frame, [boxes[i] for i in unread], recognizer, stretch), strict=True):
            if item.reading is None or looks_like_plate_words(item.line.raw_text):
                continue
            reading = _with_listed_format(item.reading)
            # Only a listed layout, US or foreign: the US prior alone dropped every European plate (EU-like set
            # 0.25 exact, against 0.93 for PP-OCRv4 full frame).
            if reading is not None and 5 <= len(reading.text) <= 8:
                best[index] = candidate_from(reading, item.line.raw_text, 0.0, item.box.bounding_rect())
    return list(best.values())


def _with_listed_format(reading: PlateReading) -> PlateReading | None:
    """The reading if it fits a listed layout; else, if it does once its zeros are letters O (the general
    recognizer reads a European ``ZBO`` as ``ZB0``), that foreign reading; else None."""
    if fits_known_format(reading.text):
        return reading
    lettered = reading.text.replace("0", "O")
    guess = guess_format(lettered)
    if lettered == reading.text or guess.format not in FOREIGN_LAYOUTS:
        return None
    return dataclasses.replace(reading, text=lettered, format=guess.format, state=None)


def _plate_region(frame: np.ndarray, plate: PlateBox) -> tuple[np.ndarray, np.ndarray]:
    frame_h, frame_w = frame.shape[:2]
    x0 = int(max(0, math.floor(plate.x - _REGION_PAD_X * plate.w)))
    y0 = int(max(0, math.floor(plate.y - _REGION_PAD_Y * plate.h)))
    x1 = int(min(frame_w, math.ceil(plate.x + plate.w * (1 + _REGION_PAD_X))))
    y1 = int(min(frame_h, math.ceil(plate.y + plate.h * (1 + _REGION_PAD_Y))))
    return frame[y0:y1, x0:x1], np.array([x0, y0], dtype=np.float32)


def _inside_plate(box: TextBox, plate: PlateBox) -> bool:
    cx, cy = box.center
    margin_x, margin_y = 0.1 * plate.w, 0.15 * plate.h
    return (
        plate.x - margin_x <= cx <= plate.x + plate.w + margin_x
        and plate.y - margin_y <= cy <= plate.y + plate.h + margin_y
    )


def _recognize(
    frame: np.ndarray, boxes: list[TextBox], recognizer: LineRecognizer, stretch: float = 1.0
) -> list[_LineReading]:
    padded_boxes = [_pad_box(b) for b in boxes]
    crops = [without_country_band(crop_text_line(frame, b)) for b in padded_boxes]
    if stretch != 1.0:
        crops = [cv2.resize(c, None, fx=stretch, fy=1.0, interpolation=cv2.INTER_CUBIC) for c in crops]
    lines = recognizer.recognize(crops)
    readings = []
    for box, line in zip(boxes, lines, strict=True):
        reading = read_plate([c.probabilities for c in line.chars], [c.confidence for c in line.chars])
        readings.append(_LineReading(box, line, reading))
    return readings


# The blue band at the left of European plates (EU Regulation 2411/98: the EU stars over the country's letters)
# stands on the registration's line, and the general-text recognizer reads its letter as the first character
# ("BOP7943" for the Belgian "OP7943"). A band is a run of blue columns (OpenCV hue 95-135 of 180, saturated,
# not dark) that starts within the line's first 15 %, covers at least half of each column's height, is 3-30 %
# of the line wide, holds some light pixels (its letters are white: a blue car body beside a Mexican plate in the
# rendered MX set has none, and cutting it lost a digit there) and is followed by a plate that is not blue.
_BAND_HUE = (95, 135)
_BAND_MIN_SATURATION = 90
_BAND_MIN_VALUE = 40
_BAND_COLUMN_SHARE = 0.5
_BAND_MAX_START = 0.15
_BAND_WIDTH = (0.03, 0.3)
_BAND_BLUE_AFTER = 0.2
# The band's letters: light and unsaturated pixels, at least this share of the band.
_LETTER_MIN_VALUE = 150
_LETTER_MAX_SATURATION = 90
_BAND_MIN_LETTER_SHARE = 0.005


def without_country_band(crop: np.ndarray) -> np.ndarray:
    """The line crop without a European country band at its left, where it has one; else the crop as it is."""
    width = crop.shape[1]
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    blue = (hue >= _BAND_HUE[0]) & (hue <= _BAND_HUE[1])
    blue &= (saturation >= _BAND_MIN_SATURATION) & (value >= _BAND_MIN_VALUE)
    column_share = blue.mean(axis=0)
    blue_columns = column_share >= _BAND_COLUMN_SHARE
    limit = int(_BAND_WIDTH[1] * width)
    columns = np.flatnonzero(blue_columns[:limit])
    if len(columns) == 0 or columns[0] > _BAND_MAX_START * width:
        return crop
    end = int(columns[0])
    while end + 1 < limit and blue_columns[end + 1]:
        end += 1
    after = column_share[end + 1 : end + 1 + max(2, width // 10)]
    if end + 1 - columns[0] < _BAND_WIDTH[0] * width or len(after) == 0 or after.mean() > _BAND_BLUE_AFTER:
        return crop
    band = slice(int(columns[0]), end + 1)
    letters = (value[:, band] > _LETTER_MIN_VALUE) & (saturation[:, band] < _LETTER_MAX_SATURATION)
    return crop[:, end + 1 :] if letters.mean() >= _BAND_MIN_LETTER_SHARE else crop


def _pad_box(box: TextBox) -> TextBox:
    corners = box.corners
    centre = corners.mean(axis=0)
    grow = 1 + 2 * _LINE_PAD * box.height / max(box.width, 1.0)
    across = np.array([grow, 1 + 2 * _LINE_PAD], dtype=np.float32)
    # Scale along the box's own axes (approximated by x/y for near-horizontal plates).
    return TextBox(centre + (corners - centre) * across, box.score)


def _quality(reading: PlateReading) -> float:
    """Mean per-character log-probability plus layout prior: the confidence's raw input."""
    n = max(1, len(reading.text))
    return reading.log_score / n + 0.1 * reading.prior - 0.5 * reading.dropped


def _choose_registration(lines: list[_LineReading]) -> _LineReading | None:
    usable = [item for item in lines if item.reading is not None and not looks_like_plate_words(item.line.raw_text)]
    # Timestamps and dealer URLs are longer than any US registration.
    usable = [
        item for item in usable if item.reading and _MIN_PLATE_LENGTH <= len(item.reading.text) <= _MAX_PLATE_LENGTH
    ]
    if not usable:
        return None
    tallest = max(item.box.height for item in usable)
    tall = [item for item in usable if item.box.height >= _MIN_LINE_HEIGHT_FRACTION * tallest]

    def line_score(item: _LineReading) -> float:
        assert item.reading is not None
        length = len(item.reading.text)
        length_fit = 0.0 if 5 <= length <= 8 else -2.0 * min(abs(length - 5), abs(length - 8))
        return _quality(item.reading) + 0.3 * item.reading.prior + length_fit + 2.0 * item.box.height / tallest

    return max(tall, key=line_score)
