"""Per-character voting between readings of one plate line (no models needed)."""

from __future__ import annotations

import numpy as np
import pytest

from alpr.domain.alignment import aligned_positions
from alpr.ocr.line_vote import CropVariant, variant_box, variant_crops, vote
from alpr.ocr.recognizer import ALPHABET, RecognizedChar, RecognizedLine
from alpr.ocr.text_detector import TextBox


def reading(text: str, confidence: float = 0.9, alternatives: dict[int, str] | None = None) -> RecognizedLine:
    """A recognizer line reading ``text``; ``alternatives`` gives a position's runner-up character."""
    chars = []
    for position, char in enumerate(text):
        probabilities = np.full(len(ALPHABET), 0.001)
        probabilities[ALPHABET.index(char)] = confidence
        if alternatives and position in alternatives:
            probabilities[ALPHABET.index(alternatives[position])] = 1 - confidence
        chars.append(RecognizedChar(probabilities / probabilities.sum(), confidence))
    return RecognizedLine(text, tuple(chars))


def test_majority_wins_a_blurry_character() -> None:
    lines = [reading("7ABC123", 0.6, {3: "G"}), reading("7ABG123", 0.55, {3: "C"}), reading("7ABC123", 0.7)]
    voted = vote(lines)
    assert voted is not None and voted.text == "7ABC123"


def test_reading_that_lost_a_character_still_votes_on_the_others() -> None:
    # Two crops keep all six characters but waver on N/W; the third lost the first one but reads N clearly.
    lines = [reading("CCLVN3", 0.5, {4: "W"}), reading("CCLVW3", 0.5, {4: "N"}), reading("CLVN3", 0.9)]
    voted = vote(lines)
    assert voted is not None and voted.text == "CCLVN3"


def test_single_reading_is_its_own_vote() -> None:
    voted = vote([reading("ABC1234")])
    assert voted is not None and voted.text == "ABC1234"


def test_no_characters_gives_no_reading() -> None:
    assert vote([RecognizedLine("", ())]) is None
    assert vote([]) is None


@pytest.mark.parametrize(
    ("reference", "other", "expected"),
    [
        ("ABCD", "ABCD", [(0, 0), (1, 1), (2, 2), (3, 3)]),
        ("ABCD", "BCD", [(1, 0), (2, 1), (3, 2)]),
        ("ABCD", "ABXCD", [(0, 0), (1, 1), (2, 3), (3, 4)]),
        ("ABCD", "ABZD", [(0, 0), (1, 1), (2, 2), (3, 3)]),
    ],
)
def test_aligned_positions(reference: str, other: str, expected: list[tuple[int, int]]) -> None:
    assert aligned_positions(reference, other) == expected


def test_variant_box_pads_along_a_slanted_box() -> None:
    angle = np.deg2rad(10)
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-np.sin(angle), np.cos(angle)])
    origin = np.array([100.0, 50.0])
    corners = np.array([origin, origin + 200 * along, origin + 200 * along + 40 * across, origin + 40 * across])
    box = TextBox(corners.astype(np.float32), 0.9)
    grown = variant_box(box, CropVariant(pad_x=0.25, pad_y=0.1))
    assert grown.width == pytest.approx(200 + 2 * 0.25 * 40, abs=0.01)
    assert grown.height == pytest.approx(40 + 2 * 0.1 * 40, abs=0.01)
    assert grown.center == pytest.approx(box.center, abs=0.01)
    # Still slanted by the same angle.
    direction = grown.corners[1] - grown.corners[0]
    assert np.arctan2(direction[1], direction[0]) == pytest.approx(angle, abs=1e-4)
    shrunk = variant_box(box, CropVariant(pad_x=-0.05, pad_y=-0.05))
    assert shrunk.width < box.width and shrunk.height < box.height


def test_variant_crops_stretch_and_equalize() -> None:
    frame = np.zeros((200, 400, 3), dtype=np.uint8)
    frame[80:120, 100:300] = np.linspace(90, 110, 200, dtype=np.uint8)[None, :, None]  # a faint gradient
    corners = np.array([[100, 80], [300, 80], [300, 120], [100, 120]], dtype=np.float32)
    plain, stretched, contrasted = variant_crops(
        frame,
        TextBox(corners, 0.9),
        [CropVariant(0, 0), CropVariant(0, 0, stretch=1.5), CropVariant(0, 0, equalize=True)],
    )
    assert stretched.shape[0] == plain.shape[0]
    assert stretched.shape[1] == pytest.approx(1.5 * plain.shape[1], abs=1)
    # CLAHE spreads the faint gradient's lightness over a wider range.
    assert np.ptp(contrasted.astype(int)) > np.ptp(plain.astype(int))
