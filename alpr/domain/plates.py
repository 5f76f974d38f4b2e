"""Plate text normalization: the one form that reads, hotlists and searches compare."""

from __future__ import annotations

import re
import unicodedata

_NOT_PLATE_CHARACTER = re.compile(r"[^A-Z0-9]")
MIN_PLATE_LENGTH = 2
MAX_PLATE_LENGTH = 8


def normalize_plate(text: str) -> str:
    """Uppercase Latin letters and digits only: spaces, dashes, dots and emblems are not part of a plate.

    Accented and full-width forms fold to their ASCII letters first, so "７ＡＢＣ" reads as "7ABC".
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_PLATE_CHARACTER.sub("", folded.upper())


def is_plausible_plate(plate: str) -> bool:
    return MIN_PLATE_LENGTH <= len(plate) <= MAX_PLATE_LENGTH and plate == normalize_plate(plate)
