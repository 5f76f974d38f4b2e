from __future__ import annotations

import numpy as np
import pytest

from alpr.ocr.plate_format import (
    US_CONFIDENT,
    best_reading,
    clean_plate_text,
    fits_known_format,
    guess_format,
    latin_alphanumerics,
    layout_of,
    layout_prior,
    looks_like_plate_words,
    read_plate,
)
from alpr.ocr.recognizer import ALPHABET


def distribution(**probabilities: float) -> np.ndarray:
    """A per-character distribution over ALPHABET; unspecified mass is spread evenly."""
    vector = np.zeros(len(ALPHABET))
    for char, p in probabilities.items():
        vector[ALPHABET.index(char.lstrip("_"))] = p
    rest = 1.0 - vector.sum()
    vector += rest / len(ALPHABET)
    return vector


def certain(text: str) -> list[np.ndarray]:
    return [distribution(**{"_" + c: 0.98}) for c in text]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7abc123", "7ABC123"),
        ("7ABC-123", "7ABC123"),
        ("AKS·4329", "AKS4329"),
        ("粤B12345", "B12345"),
        ("\uff21\uff22\uff23\uff11\uff12\uff13", "ABC123"),  # full-width forms fold to ASCII
        ("HKOE7C", "HK0E7C"),  # US plates never use the letter O
        ("", ""),
    ],
)
def test_clean_plate_text(raw: str, expected: str) -> None:
    assert clean_plate_text(raw) == expected


def test_latin_alphanumerics_keeps_letter_o() -> None:
    assert latin_alphanumerics("Ohio!") == "OHIO"


def test_layouts() -> None:
    assert layout_of("7ABC123") == "9LLL999"
    assert layout_prior("9LLL999") > 0
    assert layout_prior("LLL9999") > 0
    # Unknown but plausible layouts are neutral; implausible ones are penalised.
    assert layout_prior("L9L9L9L9") < layout_prior("LLLL999")
    assert layout_prior("9" * 12) < 0


def test_best_reading_keeps_confident_text() -> None:
    reading = best_reading(certain("7ABC123"), [0.98] * 7)
    assert reading is not None
    assert reading.text == "7ABC123"


def test_layout_resolves_look_alikes() -> None:
    # The recognizer slightly prefers "8" in a letter position of a California plate.
    chars = [*certain("7A"), distribution(_8=0.55, B=0.4), *certain("C123")]
    reading = best_reading(chars, [0.98, 0.98, 0.55, 0.98, 0.98, 0.98, 0.98])
    assert reading is not None
    assert reading.text == "7ABC123"


def test_layout_resolves_digit_position() -> None:
    chars = [*certain("ABC"), distribution(S=0.6, _5=0.35), *certain("123")]
    reading = best_reading(chars, [0.98, 0.98, 0.98, 0.6, 0.98, 0.98, 0.98])
    assert reading is not None
    assert reading.text == "ABC5123"


def test_letter_o_becomes_zero() -> None:
    chars = [*certain("HK"), distribution(O=0.9), *certain("E7C")]
    reading = best_reading(chars, [0.98, 0.98, 0.9, 0.98, 0.98, 0.98])
    assert reading is not None
    assert reading.text == "HK0E7C"


def test_low_confidence_extra_character_is_dropped() -> None:
    # A state emblem between letters and digits read as a weak "D".
    chars = [*certain("AKS"), distribution(D=0.3), *certain("4329")]
    reading = best_reading(chars, [0.98, 0.98, 0.98, 0.3, 0.98, 0.98, 0.98, 0.98])
    assert reading is not None
    assert reading.text == "AKS4329"


def test_best_reading_of_nothing() -> None:
    assert best_reading([], []) is None


@pytest.mark.parametrize("text", ["CALIFORNIA", "California", "ALIFORNI", "Land of Lincoln", "TEXAS", "ohio"])
def test_plate_words_are_recognised(text: str) -> None:
    assert looks_like_plate_words(text)


@pytest.mark.parametrize("text", ["7ABC123", "FZRULZ", "CCLVN3", "AB"])
def test_registrations_are_not_plate_words(text: str) -> None:
    assert not looks_like_plate_words(text)


@pytest.mark.parametrize(
    ("text", "expected_format", "expected_state"),
    [
        ("7ABC123", "US", "CA"),  # California's 9LLL999
        ("AB1C234", "US", "TX"),  # Texas's LL9L999
        ("ABC1234", "US", None),  # shared by many states (and older Brazilian, Mexican plates): no state
        ("NJA123", "US", None),
        ("ABC123D", "MX", None),  # Mexico ABC-123-D
        ("OAX1234", "MX", None),  # a letter O: never a US registration
        ("ABCD123", "CA", None),  # Ontario ABCD 123
        ("AB123CD", "EU", None),  # France AB-123-CD
        ("AB12CDE", "EU", None),  # United Kingdom AB12 CDE
        ("ABC1D23", "BR", None),  # Mercosul
        ("FZRULZ", "vanity", None),
        ("GOLFPRO", "other", None),  # fits nothing and has an O: not claimed as a US vanity plate
        ("", "other", None),
    ],
)
def test_guess_format(text: str, expected_format: str, expected_state: str | None) -> None:
    guess = guess_format(text)
    assert (guess.format, guess.state) == (expected_format, expected_state)
    assert 0.0 <= guess.confidence <= 1.0


def test_us_guess_is_confident_only_for_us_layouts() -> None:
    assert guess_format("7ABC123").confidence >= US_CONFIDENT
    assert guess_format("ABC123D").confidence >= 0.5  # Mexico, despite the US prior


def test_read_plate_applies_us_prior_only_when_confidently_us() -> None:
    # California layout with an uncertain 8/B: the US prior settles it.
    chars = [*certain("7A"), distribution(_8=0.55, B=0.4), *certain("C123")]
    reading = read_plate(chars, [0.98, 0.98, 0.55, 0.98, 0.98, 0.98, 0.98])
    assert reading is not None
    assert (reading.text, reading.format, reading.state) == ("7ABC123", "US", "CA")


def test_read_plate_reads_foreign_plates_as_written() -> None:
    # A Brazilian Mercosul plate: the US prior would turn its D into a 0 (LLL9999); it must not.
    chars = [*certain("ABC1"), distribution(D=0.8, _0=0.15), *certain("23")]
    reading = read_plate(chars, [0.98, 0.98, 0.98, 0.98, 0.8, 0.98, 0.98])
    assert reading is not None
    assert (reading.text, reading.format) == ("ABC1D23", "BR")
    # A Mexican plate keeps its letter O.
    mexican = read_plate(certain("OAX123D"), [0.98] * 7)
    assert mexican is not None
    assert (mexican.text, mexican.format) == ("OAX123D", "MX")


def test_read_plate_vanity_is_read_as_written() -> None:
    reading = read_plate(certain("FZRULZ"), [0.98] * 6)
    assert reading is not None
    assert (reading.text, reading.format) == ("FZRULZ", "vanity")


def test_read_plate_us_letter_o_is_zero() -> None:
    chars = [*certain("HK"), distribution(O=0.9), *certain("E7C")]
    reading = read_plate(chars, [0.98, 0.98, 0.9, 0.98, 0.98, 0.98])
    assert reading is not None
    assert reading.text == "HK0E7C"


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("7ABC123", True),  # California
        ("LY60XFL", True),  # United Kingdom LL99LLL
        ("27-HCP-2", True),  # Netherlands 99LLL9, separators ignored
        ("BP-959-DA", True),  # France LL999LL
        ("ABC-123-D", True),  # Mexico
        ("ABCD 123", True),  # Ontario
        ("ABC1D23", True),  # Mercosul
        ("SPEED", False),  # a word
        ("A1B2C3D4", False),  # no plate format alternates like this
        ("12", False),
    ],
)
def test_fits_known_format_accepts_us_and_foreign_layouts_only(text: str, fits: bool) -> None:
    assert fits_known_format(text) is fits
