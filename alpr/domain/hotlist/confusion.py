"""Look-alike characters an OCR confuses, folded into one representative per class.

A read and a hotlist plate whose folded forms are equal may be the same plate misread: such a hit is
labelled "possible", never "match". The classes come from the look-alike pairs the plate reader
itself corrects for (``alpr.ocr.plate_format.LOOK_ALIKES``, built from its real errors), plus the pairs
named by the hotlist issue. A lookup key needs a partition (each character in one class), so pairs
that would chain unrelated classes together are left out on purpose (see ``UNFOLDED_LOOK_ALIKES``).
"""

from __future__ import annotations

# The first character of each class is its representative.
CONFUSION_CLASSES: tuple[str, ...] = (
    "0OQDU",
    "1ILTJ",
    "8B",
    "5S",
    "2Z",
    "6G",
    "4A",
    "3E",
)

# Real look-alikes that would merge two classes above (T/7 would join 1ILTJ with 7; S/8 would join 5S with
# 8B ...): folding them would make most plates "possible" matches of each other.
UNFOLDED_LOOK_ALIKES: frozenset[tuple[str, str]] = frozenset(
    {("T", "7"), ("J", "3"), ("S", "8"), ("B", "3"), ("G", "9")}
)

_FOLD = str.maketrans({c: group[0] for group in CONFUSION_CLASSES for c in group[1:]})


def fold(text: str) -> str:
    """The confusion-class key of a normalized plate (or of a pattern: ``?`` and ``*`` pass through)."""
    return text.translate(_FOLD)


def same_class(a: str, b: str) -> bool:
    return fold(a) == fold(b)
