"""Reads one plate line from several crops and lets the crops vote per character.

A single crop of a small, blurry plate often loses or confuses one character.
Crops that differ slightly (contrast-normalised, looser, tighter) fail on
different characters, so the line is recognized again from a few variants in
one batch and the readings vote: the readings of the most supported length are
aligned with the most confident one (others by edit alignment), their
per-character distributions summed weighted by confidence, and the plate format
then chooses the text from the summed distributions as for a single reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from alpr.domain.alignment import aligned_positions
from alpr.ocr.plate_format import PlateReading, read_plate
from alpr.ocr.recognizer import ALPHABET, RecognizedLine
from alpr.ocr.text_detector import TextBox, crop_text_line

# Ties between lengths go to the commonest US plate length.
_TYPICAL_LENGTH = 7


@dataclass(frozen=True)
class CropVariant:
    """How one extra crop differs from the line box: padding in fractions of its height."""

    pad_x: float
    pad_y: float
    equalize: bool = False
    stretch: float = 1.0  # horizontal scale: more recognizer time steps per character


# Chosen on the odd-numbered openalpr US dev photos: contrast-normalised, loose, tight, all
# stretched sideways. PP-OCR's recognizer emits one time step per 8 input pixels, so a short
# plate gets ~2.5 steps per character: doubled letters (CC, EE) need a blank step between
# them and blurry neighbours merge. Stretching the extra crops gives the vote readings with
# more steps per character (1.3 read best; 1.6 and 1.9 were close).
_STRETCH = 1.3
DEFAULT_VARIANTS = (
    CropVariant(0.0, 0.0, equalize=True, stretch=_STRETCH),
    CropVariant(0.25, 0.1, stretch=_STRETCH),
    CropVariant(-0.05, -0.05, stretch=_STRETCH),
)
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(2, 4))


def variant_box(box: TextBox, variant: CropVariant) -> TextBox:
    """The box grown (or shrunk) by the variant's padding along its own axes."""
    corners = box.corners.astype(np.float64)
    centre = corners.mean(axis=0)
    along = corners[1] - corners[0]
    along /= max(float(np.linalg.norm(along)), 1e-6)
    across = np.array([-along[1], along[0]])
    if np.dot(across, corners[3] - corners[0]) < 0:
        across = -across
    half_w = max(1.0, box.width / 2 + variant.pad_x * box.height)
    half_h = max(1.0, box.height / 2 + variant.pad_y * box.height)
    grown = [
        centre - along * half_w - across * half_h,
        centre + along * half_w - across * half_h,
        centre + along * half_w + across * half_h,
        centre - along * half_w + across * half_h,
    ]
    return TextBox(np.array(grown, dtype=np.float32), box.score)


def equalized(crop: np.ndarray) -> np.ndarray:
    """Local contrast normalisation (CLAHE on lightness): lifts faint, hazy characters."""
    lab = cv2.cvtColor(crop, cv2.COLOR_BGR2LAB)
    lab[:, :, 0] = _CLAHE.apply(lab[:, :, 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


def variant_crops(frame: np.ndarray, box: TextBox, variants: Sequence[CropVariant]) -> list[np.ndarray]:
    crops = []
    for variant in variants:
        crop = crop_text_line(frame, variant_box(box, variant))
        crop = equalized(crop) if variant.equalize else crop
        if variant.stretch != 1.0:
            crop = cv2.resize(crop, None, fx=variant.stretch, fy=1.0, interpolation=cv2.INTER_CUBIC)
        crops.append(crop)
    return crops


def vote(lines: Sequence[RecognizedLine]) -> PlateReading | None:
    """Plate reading from several readings of the same line (see module docstring)."""
    usable = [line for line in lines if line.chars]
    if not usable:
        return None
    support: dict[int, float] = {}
    for line in usable:
        support[len(line.chars)] = support.get(len(line.chars), 0.0) + line.mean_confidence
    length = max(support, key=lambda n: (support[n], -abs(n - _TYPICAL_LENGTH)))
    pivot = max((line for line in usable if len(line.chars) == length), key=lambda line: line.mean_confidence)
    sums = np.zeros((length, len(ALPHABET)))
    confidence_sums = np.zeros(length)
    counts = np.zeros(length)
    for line in usable:
        if len(line.chars) == length:
            pairs = [(i, i) for i in range(length)]
        else:
            pairs = aligned_positions(pivot.text, line.text)
        for i, j in pairs:
            char = line.chars[j]
            sums[i] += char.probabilities * char.confidence
            confidence_sums[i] += char.confidence
            counts[i] += 1
    probabilities = sums / np.maximum(sums.sum(axis=1, keepdims=True), 1e-9)
    return read_plate(list(probabilities), list(confidence_sums / np.maximum(counts, 1)))
