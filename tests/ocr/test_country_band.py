"""The European country band is cut from a line before the general-text recognizer reads it.

A Belgian ``OP 7943`` carries a blue band with a ``B`` at its left; read with the band, the line became
``BOP7943`` and fitted a Mexican layout (the rendered EU set, second seeds). The cut must never touch a plate
without such a band: US plates with blue lettering, blue backgrounds or a blue emblem in the middle stay whole.
"""

from __future__ import annotations

import cv2
import numpy as np

from alpr.ocr.plate_region import without_country_band

BLUE = (160, 50, 20)  # BGR of the EU band
WHITE = (235, 235, 235)
BLACK = (10, 10, 10)


def line(width: int = 180, height: int = 50, background: tuple[int, int, int] = WHITE) -> np.ndarray:
    crop = np.full((height, width, 3), background, np.uint8)
    cv2.putText(crop, "OP 7943", (int(width * 0.2), int(height * 0.75)), cv2.FONT_HERSHEY_SIMPLEX, 1.2, BLACK, 3)
    return crop


def with_band(crop: np.ndarray, start: int, width: int) -> np.ndarray:
    banded = crop.copy()
    banded[:, start : start + width] = BLUE
    cv2.putText(banded, "B", (start + 2, crop.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.5, WHITE, 1)
    return banded


def test_the_band_and_what_is_left_of_it_are_cut() -> None:
    banded = with_band(line(), start=4, width=18)
    cut = without_country_band(banded)
    assert cut.shape[1] == banded.shape[1] - 22
    assert np.array_equal(cut, banded[:, 22:])


def test_a_line_without_a_band_is_unchanged() -> None:
    crop = line()
    assert without_country_band(crop) is crop


def test_a_blue_plate_is_not_a_band() -> None:
    # Blue all across (a blue background plate): nothing after the "band" is a plate that is not blue.
    crop = line(background=BLUE)
    assert without_country_band(crop) is crop


def test_blue_in_the_middle_of_the_line_is_not_a_band() -> None:
    # An emblem between the registration's two groups (Missouri's FK4◆W3L) stays.
    crop = with_band(line(), start=80, width=18)
    assert without_country_band(crop) is crop


def test_a_thin_blue_edge_is_not_a_band() -> None:
    # A frame's blue edge a pixel or two wide (under 3 % of the line) is left alone.
    crop = with_band(line(), start=0, width=3)
    assert without_country_band(crop) is crop


def test_blue_lettering_is_not_a_band() -> None:
    # Blue characters cover part of each column, never half of its height over a band's width.
    crop = np.full((50, 180, 3), WHITE, np.uint8)
    cv2.putText(crop, "7ABC123", (4, 38), cv2.FONT_HERSHEY_SIMPLEX, 1.2, BLUE, 3)
    assert without_country_band(crop) is crop


def test_a_blue_car_body_beside_the_plate_is_not_a_band() -> None:
    # Blue columns without the band's white letters: the car behind a Mexican plate (rendered MX set).
    crop = line()
    crop[:, 4:22] = BLUE
    assert without_country_band(crop) is crop
