"""The synthetic plate renderer (training/plate_renderer.py): deterministic, covers every character."""

from __future__ import annotations

import numpy as np
import pytest

from alpr.ocr.recognizer import ALPHABET
from training.plate_renderer import (
    FORMAT_SHARES,
    contact_sheet,
    degrade,
    main,
    registration,
    render_plate,
    synthetic_sample,
)


def test_same_seed_and_index_give_the_same_plate() -> None:
    first, again = synthetic_sample(3, 17), synthetic_sample(3, 17)
    assert first.text == again.text
    assert first.region == again.region
    assert np.array_equal(first.image, again.image)


def test_a_sample_does_not_depend_on_those_drawn_before_it() -> None:
    for index in range(5):
        synthetic_sample(3, index)
    assert np.array_equal(synthetic_sample(3, 5).image, synthetic_sample(3, 5).image)
    assert synthetic_sample(3, 5).text == synthetic_sample(3, 5).text


def test_other_seeds_give_other_plates() -> None:
    texts = {synthetic_sample(seed, 0).text for seed in range(8)}
    assert len(texts) > 4


def test_every_character_class_appears() -> None:
    seen: set[str] = set()
    for index in range(400):
        rng = np.random.default_rng([0, index])
        for region, _ in FORMAT_SHARES:
            seen.update(c for c in registration(rng, region)[0] if c.isalnum())
    assert seen == set(ALPHABET)


def test_us_registrations_never_use_the_letter_o() -> None:
    for index in range(300):
        printed, _state = registration(np.random.default_rng([1, index]), "US")
        assert "O" not in printed


def test_labels_are_plate_characters_only() -> None:
    for index in range(40):
        sample = synthetic_sample(5, index)
        assert sample.text and set(sample.text) <= set(ALPHABET)
        assert sample.region in {name for name, _ in FORMAT_SHARES}
        assert sample.image.dtype == np.uint8 and sample.image.ndim == 3


@pytest.mark.parametrize("index", range(6))
def test_degraded_plates_are_small_like_road_photos(index: int) -> None:
    rng = np.random.default_rng([2, index])
    clean = render_plate(rng).image
    damaged = degrade(rng, clean)
    assert 10 <= damaged.shape[0] <= 48
    assert damaged.shape[0] < clean.shape[0]


def test_contact_sheet_command(tmp_path) -> None:
    out = tmp_path / "sheet.png"
    assert main(["--seed", "1", "--count", "10", "--contact-sheet", str(out)]) == 0
    import cv2

    sheet = cv2.imread(str(out))
    assert sheet is not None and sheet.shape[1] == 8 * 192
    assert contact_sheet([synthetic_sample(1, 0)]).shape[0] == 64 + 16
