"""Merging text boxes that are pieces of one line (emblem-split and two-part plates)."""

from __future__ import annotations

import numpy as np

from alpr.ocr.text_detector import TextBox, merge_line_boxes


def box(x: float, y: float, w: float, h: float, score: float = 0.9) -> TextBox:
    corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float32)
    return TextBox(corners, score)


def test_emblem_split_registration_becomes_one_line() -> None:
    # Missouri's FK4◆W3L: two groups of the same height with an emblem-sized gap between them.
    merged = merge_line_boxes([box(140, 50, 90, 40), box(10, 52, 100, 38)])
    assert len(merged) == 1
    x, y, w, h = merged[0].bounding_rect()
    assert x <= 10 and x + w >= 230
    assert y <= 50 and y + h >= 90
    assert merged[0].score == 0.9


def test_three_pieces_join() -> None:
    assert len(merge_line_boxes([box(0, 0, 40, 30), box(60, 1, 40, 30), box(120, 0, 40, 29)])) == 1


def test_state_name_above_is_not_merged() -> None:
    # Smaller text on another line (state name, slogan) stays apart.
    merged = merge_line_boxes([box(10, 50, 200, 40), box(40, 10, 120, 15)])
    assert len(merged) == 2


def test_far_apart_boxes_stay_apart() -> None:
    assert len(merge_line_boxes([box(0, 0, 50, 30), box(300, 0, 50, 30)])) == 2


def test_different_heights_stay_apart() -> None:
    # A sticker's small digits next to the registration.
    assert len(merge_line_boxes([box(0, 0, 100, 40), box(105, 10, 30, 16)])) == 2


def test_nothing_to_merge() -> None:
    assert merge_line_boxes([]) == []
    single = box(0, 0, 10, 10)
    assert merge_line_boxes([single]) == [single]
