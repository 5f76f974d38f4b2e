"""Look-alike characters in what an officer types: ``AYO9034`` for a plate stored as ``AY09034``.

An officer types what they see, and O/0, I/1, B/8, S/5 and Z/2 look the same on many plates. A search for
an exact plate also runs the plates that differ from it only in those characters; each result says which
look-alikes it took, and an exact match ranks first. The pairs are the ones every plate font confuses;
the wider OCR confusion classes of the hotlist matcher (``alpr.domain.hotlist.confusion``: A/4, E/3 ...)
would turn a search into most plates of the same length.
"""

from __future__ import annotations

from itertools import product

LOOK_ALIKE_PAIRS: tuple[tuple[str, str], ...] = (("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"))
_PARTNER = {a: b for a, b in LOOK_ALIKE_PAIRS} | {b: a for a, b in LOOK_ALIKE_PAIRS}
# Each ambiguous character doubles the variants: past this many, only one substitution at a time is tried.
MAX_VARIANTS = 64


def variants(plate: str) -> list[str]:
    """The plate first, then every plate that differs from it only in look-alike characters."""
    choices = [(c, _PARTNER[c]) if c in _PARTNER else (c,) for c in plate]
    count = 1
    for options in choices:
        count *= len(options)
    if count <= MAX_VARIANTS:
        found = ["".join(p) for p in product(*choices)]
    else:
        found = [plate] + [plate[:i] + _PARTNER[c] + plate[i + 1 :] for i, c in enumerate(plate) if c in _PARTNER]
    return [plate, *sorted(set(found) - {plate})]


def substitutions(typed: str, stored: str) -> list[str]:
    """What was read differently, as ``"O→0"``, position by position: empty for an exact match, and for a
    plate that differs in anything but look-alikes (a frame found through its sighting's consensus)."""
    if len(typed) != len(stored):
        return []
    differing = [(a, b) for a, b in zip(typed, stored, strict=True) if a != b]
    if any(_PARTNER.get(a) != b for a, b in differing):
        return []
    return sorted({f"{a}→{b}" for a, b in differing})
