"""Look-alike characters in what an officer types: ``AYO9034`` for a plate stored as ``AY09034``.

An officer types what they see, and O/0, I/1, B/8, S/5 and Z/2 look the same on many plates. A search for
an exact plate also runs the plates that differ from it only in those characters; each result says which
look-alikes it took, and an exact match ranks first. A wildcard pattern folds the same way: ``AYO9*``
finds ``AY09034``, its known characters taken as typed or as their look-alike. The pairs are the ones
every plate font confuses; the wider OCR confusion classes of the hotlist matcher
(``alpr.domain.hotlist.confusion``: A/4, E/3 ...) would turn a search into most plates of the same length.
"""

from __future__ import annotations

import re
from itertools import product

LOOK_ALIKE_PAIRS: tuple[tuple[str, str], ...] = (("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"))
_PARTNER = {a: b for a, b in LOOK_ALIKE_PAIRS} | {b: a for a, b in LOOK_ALIKE_PAIRS}
# Each ambiguous character doubles the variants: past this many, only one substitution at a time is tried.
MAX_VARIANTS = 64


def variants(plate: str) -> list[str]:
    """The plate first, then every plate that differs from it only in look-alike characters.

    A pattern's wildcards (``?``, ``*``) have no look-alike and stay as they are: ``AYO9*`` gives ``AY09*``.
    """
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
    """What was read differently, as ``"O→0"``: empty for a plate the typed plate or pattern matches as
    typed, and for a plate that differs in anything but look-alikes (a frame found through its sighting's
    consensus). ``typed`` may be a pattern (``AYO9*``): its wildcards take any character."""
    if _pattern_regex(typed, fold=False).match(stored):
        return []
    found = _pattern_regex(typed, fold=True).match(stored)
    if found is None:
        return []
    literals = [c for c in typed if c in _PARTNER]
    return sorted({f"{a}→{b}" for a, b in zip(literals, found.groups(), strict=True) if a != b})


def _pattern_regex(typed: str, fold: bool) -> re.Pattern[str]:
    """``?`` one character, ``*`` any number; with ``fold``, each look-alike character is a group that takes
    either spelling (so what it took can be read back)."""
    parts = []
    for c in typed:
        if c == "*":
            parts.append(".*")
        elif c == "?":
            parts.append(".")
        elif fold and c in _PARTNER:
            parts.append(f"([{c}{_PARTNER[c]}])")
        else:
            parts.append(re.escape(c))
    return re.compile("^" + "".join(parts) + "$")
