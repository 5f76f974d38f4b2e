"""Partial-plate patterns (policy 418.4(c): partial plates reported during major crimes).

``?`` stands for exactly one character and ``*`` for any run of characters, including none:
``7AB?12`` is a six-character plate with the fourth character unknown; ``*ABC1*`` is any plate
containing ``ABC1``. A pattern must name at least ``MIN_KNOWN_CHARACTERS`` characters, or it would
match a large share of all plates and flood officers with alerts.

``PatternIndex`` compiles many patterns once and keeps the work per read small: each pattern is
filed under a key that any matching plate must produce (known characters at fixed positions for
fixed-length patterns, the longest known run for patterns with ``*``), so a read probes a few dozen
dict keys and runs the full regular expression only on the few candidates it finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Generic, TypeVar

from alpr.domain.errors import DomainError
from alpr.domain.hotlist.confusion import fold
from alpr.domain.hotlist.text import normalize_hotlist_plate
from alpr.domain.plates import MAX_PLATE_LENGTH

ONE = "?"
ANY = "*"
WILDCARDS = frozenset(ONE + ANY)
MIN_KNOWN_CHARACTERS = 3
# Fixed-length patterns are filed under at most this many known positions.
_PROBE_POSITIONS = 3

T = TypeVar("T")


class InvalidPattern(DomainError):
    status = 422
    code = "invalid_pattern"


def is_pattern(text: str) -> bool:
    return any(c in WILDCARDS for c in text)


def normalize_pattern(text: str) -> str:
    """Uppercase, separators dropped, letter O read as 0 (as plates are), runs of ``*`` collapsed."""
    kept = "".join(c if c in WILDCARDS else normalize_hotlist_plate(c) for c in text.strip().upper())
    return re.sub(r"\*+", "*", kept)


def validate_pattern(pattern: str) -> str:
    normalized = normalize_pattern(pattern)
    if not is_pattern(normalized):
        raise InvalidPattern(f"{pattern!r} has no wildcard: enter it as a full plate")
    known = sum(c not in WILDCARDS for c in normalized)
    if known < MIN_KNOWN_CHARACTERS:
        raise InvalidPattern(
            f"{pattern!r} names {known} known character(s); at least {MIN_KNOWN_CHARACTERS} are needed "
            "so that the pattern does not match a large share of all plates"
        )
    shortest = sum(c != ANY for c in normalized)
    if shortest > MAX_PLATE_LENGTH:
        raise InvalidPattern(f"{pattern!r} is longer than any plate ({MAX_PLATE_LENGTH} characters)")
    return normalized


def pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = ("." if c == ONE else ".*" if c == ANY else re.escape(c) for c in pattern)
    return re.compile("".join(parts))


def matches(pattern: str, plate: str) -> bool:
    return pattern_regex(pattern).fullmatch(plate) is not None


@dataclass(frozen=True)
class CompiledPattern(Generic[T]):
    pattern: str
    exact: re.Pattern[str]
    folded: re.Pattern[str]
    payload: T


def _longest_known_run(pattern: str) -> str:
    runs = re.split(r"[?*]", pattern)
    return max(runs, key=len)


@dataclass
class PatternIndex(Generic[T]):
    """Patterns filed by a key every matching plate produces, matched in confusion-folded space.

    ``search`` returns (compiled pattern, exact) pairs: exact is False when only the folded plate
    matches, i.e. the read differs from the pattern by look-alike characters.
    """

    # fixed-length patterns: length -> [(positions, getter)], and (length, positions, chars) -> patterns
    _probes: dict[int, list[tuple[tuple[int, ...], Any]]] = field(default_factory=dict)
    _fixed: dict[tuple[int, tuple[int, ...], Any], list[CompiledPattern[T]]] = field(default_factory=dict)
    # patterns with "*": longest known run -> patterns; the run lengths present
    _runs: dict[str, list[CompiledPattern[T]]] = field(default_factory=dict)
    _run_lengths: set[int] = field(default_factory=set)
    size: int = 0

    @classmethod
    def build(cls, patterns: Iterable[tuple[str, T]]) -> PatternIndex[T]:
        index: PatternIndex[T] = cls()
        for pattern, payload in patterns:
            index.add(pattern, payload)
        return index

    def add(self, pattern: str, payload: T) -> None:
        folded = fold(pattern)
        compiled = CompiledPattern(pattern, pattern_regex(pattern), pattern_regex(folded), payload)
        self.size += 1
        if ANY not in folded:
            length = len(folded)
            positions = tuple(i for i, c in enumerate(folded) if c != ONE)[:_PROBE_POSITIONS]
            probes = self._probes.setdefault(length, [])
            if all(p != positions for p, _ in probes):
                probes.append((positions, itemgetter(*positions)))
            key = (length, positions, itemgetter(*positions)(folded))
            self._fixed.setdefault(key, []).append(compiled)
            return
        run = _longest_known_run(folded)
        self._runs.setdefault(run, []).append(compiled)
        self._run_lengths.add(len(run))

    def _candidates(self, folded: str) -> Iterator[CompiledPattern[T]]:
        length = len(folded)
        for positions, getter in self._probes.get(length, ()):
            found = self._fixed.get((length, positions, getter(folded)))
            if found:
                yield from found
        runs = self._runs
        for run_length in self._run_lengths:
            for start in range(length - run_length + 1):
                found = runs.get(folded[start : start + run_length])
                if found:
                    yield from found

    def search(self, plate: str, folded: str | None = None) -> list[tuple[CompiledPattern[T], bool]]:
        folded = fold(plate) if folded is None else folded
        hits: list[tuple[CompiledPattern[T], bool]] = []
        seen: set[int] = set()
        for candidate in self._candidates(folded):
            if id(candidate) in seen or candidate.folded.fullmatch(folded) is None:
                continue
            seen.add(id(candidate))
            hits.append((candidate, candidate.exact.fullmatch(plate) is not None))
        return hits
