"""US plate text rules: cleanup, formats and look-alike resolution.

The recognizer gives, for each character, a probability over A-Z0-9. A plate
reading is chosen by combining those probabilities with a prior over US
letter/digit layouts ("9LLL999" for California, "LLL9999" for many states...),
so an ambiguous B/8 or S/5 is settled by where it stands in the plate.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alpr.ocr.recognizer import ALPHABET

LETTERS = ALPHABET[:26]
DIGITS = ALPHABET[26:]
_LETTER_MASK = np.array([c in LETTERS for c in ALPHABET])
_DIGIT_MASK = ~_LETTER_MASK
_INDEX = {c: i for i, c in enumerate(ALPHABET)}

# Letter/digit look-alikes on plates (letter, digit). US plates never use the
# letter O, so O's probability always goes to 0 (see _merge_letter_o).
LOOK_ALIKES: tuple[tuple[str, str], ...] = (
    ("D", "0"),
    ("Q", "0"),
    ("U", "0"),
    ("I", "1"),
    ("L", "1"),
    ("T", "1"),
    ("J", "1"),
    ("Z", "2"),
    ("E", "3"),
    ("J", "3"),
    ("A", "4"),
    ("S", "5"),
    ("G", "6"),
    ("T", "7"),
    ("B", "8"),
    ("S", "8"),
    ("B", "3"),
    ("G", "9"),
)

# Layouts common across US states ("L" letter, "9" digit) with a log-prior
# bonus; anything else is still allowed but gets no bonus.
US_LAYOUTS: dict[str, float] = {
    "9LLL999": 2.4,  # California
    "LLL9999": 2.4,  # NY, PA, TX, GA, NC, VA, OH, MI, WA, AZ, ...
    "LL9L9L": 2.0,
    "LLL999": 2.0,
    "999LLL": 2.0,
    "L999999": 1.6,  # Illinois
    "LL99999": 1.6,
    "9LL9999": 1.2,
    "LL9L999": 1.6,  # Texas (older series)
    "99L9LL": 1.2,
    "L99LLL": 1.6,  # New Jersey
    "LLL9LL": 1.2,  # Florida
    "LLL99L": 1.2,
    "9LL999": 1.2,
    "99LL999": 0.8,
    "999L999": 0.8,
    "LLL9L99": 0.8,
    "LL999L": 0.8,
    "LLLL99": 0.8,
    "LLL99": 0.4,
    "999999": 0.8,
    "9999999": 0.8,
}

_MIN_LENGTH = 4
_MAX_LENGTH = 8
# Probability moved to a character's look-alike before choosing a layout.
_LOOK_ALIKE_SHARE = 0.15
_SMOOTHING = 1e-3
# Cost of dropping a character that is probably an emblem or separator.
_DROP_PENALTY = 1.0


def latin_alphanumerics(raw: str) -> str:
    """Uppercase A-Z/0-9 only: drops punctuation, spaces and non-Latin symbols (emblems)."""
    folded = unicodedata.normalize("NFKC", raw).upper()
    return re.sub(r"[^A-Z0-9]", "", folded)


def clean_plate_text(raw: str) -> str:
    """Registration as compared and reported: letter O becomes 0 (never used on US plates)."""
    return latin_alphanumerics(raw).replace("O", "0")


def layout_of(text: str) -> str:
    return "".join("L" if c in LETTERS else "9" for c in text)


def layout_prior(layout: str) -> float:
    """Log-prior of a letter/digit layout; 0 for unknown ones, negative for implausible ones."""
    if layout in US_LAYOUTS:
        return US_LAYOUTS[layout]
    penalty = 0.0
    if not _MIN_LENGTH <= len(layout) <= _MAX_LENGTH:
        penalty -= 3.0
    transitions = sum(1 for a, b in itertools.pairwise(layout) if a != b)
    penalty -= 0.5 * max(0, transitions - 2)
    return penalty


def _confusion_matrix() -> np.ndarray:
    matrix = np.eye(len(ALPHABET)) * (1 - _LOOK_ALIKE_SHARE)
    partners: dict[int, list[int]] = {}
    for letter, digit in LOOK_ALIKES:
        partners.setdefault(_INDEX[letter], []).append(_INDEX[digit])
        partners.setdefault(_INDEX[digit], []).append(_INDEX[letter])
    for source in range(len(ALPHABET)):
        targets = partners.get(source, [])
        if targets:
            for target in targets:
                matrix[source, target] += _LOOK_ALIKE_SHARE / len(targets)
        else:
            matrix[source, source] = 1.0
    return matrix


_CONFUSION = _confusion_matrix()


def _merge_letter_o(probabilities: np.ndarray) -> np.ndarray:
    merged = probabilities.copy()
    merged[..., _INDEX["0"]] += merged[..., _INDEX["O"]]
    merged[..., _INDEX["O"]] = 0.0
    return merged


@dataclass(frozen=True)
class PlateReading:
    text: str
    log_score: float  # sum of per-character log-probabilities (after look-alike smoothing)
    prior: float  # layout log-prior
    dropped: int  # characters dropped as emblems/separators

    @property
    def total(self) -> float:
        return self.log_score + self.prior - _DROP_PENALTY * self.dropped


def best_reading(char_probabilities: Sequence[np.ndarray], char_confidences: Sequence[float]) -> PlateReading | None:
    """Most likely plate text given per-character distributions over ALPHABET."""
    if not char_probabilities:
        return None
    probabilities = _merge_letter_o(np.asarray(char_probabilities, dtype=np.float64))
    smoothed = probabilities @ _CONFUSION + _SMOOTHING
    smoothed /= smoothed.sum(axis=1, keepdims=True)
    log_p = np.log(smoothed)
    letter_best = np.where(_LETTER_MASK, log_p, -np.inf).argmax(axis=1)
    digit_best = np.where(_DIGIT_MASK, log_p, -np.inf).argmax(axis=1)
    free_best = log_p.argmax(axis=1)

    candidates: list[PlateReading] = []
    n = len(log_p)
    drop_options: list[tuple[int, ...]] = [()]
    if n > _MIN_LENGTH + 1:
        drop_options += [(i,) for i in range(n)]
    for dropped in drop_options:
        kept = [i for i in range(n) if i not in dropped]
        drop_cost = sum(math.log(max(1e-3, 1.0 - char_confidences[i] + 0.05)) for i in dropped)
        free_text = "".join(ALPHABET[free_best[i]] for i in kept)
        free_score = float(sum(log_p[i, free_best[i]] for i in kept)) + drop_cost
        candidates.append(PlateReading(free_text, free_score, layout_prior(layout_of(free_text)), len(dropped)))
        for layout, bonus in US_LAYOUTS.items():
            if len(layout) != len(kept):
                continue
            best_of_kind = {"L": letter_best, "9": digit_best}
            chosen = [best_of_kind[kind][i] for i, kind in zip(kept, layout, strict=True)]
            text = "".join(ALPHABET[c] for c in chosen)
            score = float(sum(log_p[i, c] for i, c in zip(kept, chosen, strict=True))) + drop_cost
            candidates.append(PlateReading(text, score, bonus, len(dropped)))
    return max(candidates, key=lambda reading: reading.total)


# Words that appear on US plates around the registration (state names, slogans,
# county and dealer text). A line made of these is never the registration.
_STATE_NAMES = (
    "ALABAMA",
    "ALASKA",
    "ARIZONA",
    "ARKANSAS",
    "CALIFORNIA",
    "COLORADO",
    "CONNECTICUT",
    "DELAWARE",
    "FLORIDA",
    "GEORGIA",
    "HAWAII",
    "IDAHO",
    "ILLINOIS",
    "INDIANA",
    "IOWA",
    "KANSAS",
    "KENTUCKY",
    "LOUISIANA",
    "MAINE",
    "MARYLAND",
    "MASSACHUSETTS",
    "MICHIGAN",
    "MINNESOTA",
    "MISSISSIPPI",
    "MISSOURI",
    "MONTANA",
    "NEBRASKA",
    "NEVADA",
    "NEWHAMPSHIRE",
    "NEWJERSEY",
    "NEWMEXICO",
    "NEWYORK",
    "NORTHCAROLINA",
    "NORTHDAKOTA",
    "OHIO",
    "OKLAHOMA",
    "OREGON",
    "PENNSYLVANIA",
    "RHODEISLAND",
    "SOUTHCAROLINA",
    "SOUTHDAKOTA",
    "TENNESSEE",
    "TEXAS",
    "UTAH",
    "VERMONT",
    "VIRGINIA",
    "WASHINGTON",
    "WESTVIRGINIA",
    "WISCONSIN",
    "WYOMING",
    "DISTRICTOFCOLUMBIA",
)
_PLATE_WORDS = (
    "LANDOFLINCOLN",
    "SUNSHINESTATE",
    "GOLDENSTATE",
    "EMPIRESTATE",
    "GARDENSTATE",
    "LONESTARSTATE",
    "LONESTAR",
    "FIRSTINFLIGHT",
    "FIRSTSTATE",
    "LIVEFREEORDIE",
    "GREATLAKES",
    "PUREMICHIGAN",
    "PEACHSTATE",
    "GRANDCANYON",
    "GRANDCANYONSTATE",
    "EVERGREENSTATE",
    "FAMOUSPOTATOES",
    "WILDWONDERFUL",
    "VACATIONLAND",
    "TAXATIONWITHOUTREPRESENTATION",
    "KEYSTONESTATE",
    "VISITPA",
    "YOURSAFARI",
    "EXPLORE",
    "DMV",
    "DEALER",
    "COUNTY",
    "TRUCK",
    "TRAILER",
    "APPORTIONED",
    "PASSENGER",
    "COMMERCIAL",
    "MOTORCYCLE",
    "GOVERNMENT",
    "PERMANENT",
    "TEMPORARY",
    "EXPIRES",
    "USA",
    "AMERICA",
    "GODBLESS",
    "CALIFORNIADMVCA",
    "COM",
    "WWW",
    "NET",
    "SUNSHINE",
    "STATE",
    "GOLDEN",
    "EMPIRE",
    "GARDEN",
    "OCEAN",
    "LAND",
    "LINCOLN",
    "HEART",
)
_NON_PLATE_WORDS = frozenset(latin_alphanumerics(w) for w in (*_STATE_NAMES, *_PLATE_WORDS))


def looks_like_plate_words(text: str) -> bool:
    """True when a line is a state name, slogan or similar, not a registration."""
    cleaned = latin_alphanumerics(text)
    if len(cleaned) < 3 or any(c.isdigit() for c in cleaned):
        return False
    if cleaned in _NON_PLATE_WORDS:
        return True
    # Partial reads of long names ("ALIFORNI") also count.
    return len(cleaned) >= 5 and any(cleaned in word for word in _NON_PLATE_WORDS if len(word) >= len(cleaned))
