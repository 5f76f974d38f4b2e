"""The one plate form hotlists compare: as reads are normalized, with the letter O read as 0."""

from __future__ import annotations

from alpr.domain.plates import normalize_plate


def normalize_hotlist_plate(text: str) -> str:
    """US plates never use the letter O, and the plate reader reports it as 0, so hotlists do the same."""
    return normalize_plate(text).replace("O", "0")
