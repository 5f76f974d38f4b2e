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
    # (LLL9L99 is not listed: it is Brazil's Mercosul format, ABC1D23.)
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
    format: str = "other"  # see guess_format
    state: str | None = None  # issuing US state, only where the layout tells it reliably

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


# --- Formats as evidence -------------------------------------------------------------------------------------
# Which country's format a reading fits, as a probability. The US layout prior (best_reading) may only settle
# look-alikes when the plate is US with confidence; anything else is read as written (formats of Mexico,
# Canada, Europe and Brazil use the letter O beside the digit 0).
#
# Letter/digit layouts (without separators) of the plates a California camera sees besides US ones.
FOREIGN_LAYOUTS: dict[str, frozenset[str]] = {
    "MX": frozenset({"LLL999L", "LLL9999", "LL99999"}),  # ABC-123-D, ABC-12-34, AB-12-345
    "CA": frozenset({"LLLL999", "LLL999", "999LLL", "LL9999", "LLL99L"}),  # Ontario, Quebec, BC, Alberta...
    "EU": frozenset({"LL999LL", "LL99LLL", "9999LLL", "99LLL9", "LLL9999", "LL9999", "LLL999"}),
    "BR": frozenset({"LLL9L99", "LLL9999"}),  # Mercosul ABC1D23, older ABC-1234
}
# Share of plates by region seen by a camera in California (an estimate: the prior, not the verdict).
REGION_PRIOR: dict[str, float] = {"US": 0.93, "MX": 0.03, "CA": 0.02, "EU": 0.01, "BR": 0.01}
US_CONFIDENT = 0.8  # P(US) needed before the US prior may change a character
_IN_SET = 0.9  # probability that a region's plate has one of its listed layouts
_US_LAYOUT_WEIGHTS = {layout: math.exp(bonus) for layout, bonus in US_LAYOUTS.items()}
_US_WEIGHT_TOTAL = sum(_US_LAYOUT_WEIGHTS.values())
# Layouts that tell the issuing state. Measured on the openalpr US plate crops (labels.csv: layout -> state):
# 9LLL999 was California 16 times of 18 (2 Idaho); LL9L999 Texas 9 of 9. Every other layout was shared by
# many states (the best: LLL99L New Jersey 15 of 19, 0.79), so no state is claimed for them.
STATE_BY_LAYOUT: dict[str, str] = {"9LLL999": "CA", "LL9L999": "TX"}
# A reading that moves this many nats of log-probability to fit a US layout changes more than look-alikes.
_LOOK_ALIKE_MARGIN = 3.0


@dataclass(frozen=True)
class FormatGuess:
    format: str  # US, MX, CA, EU, BR, vanity (US personalised: fits no format) or other
    confidence: float  # posterior probability of that region
    state: str | None = None


def _layout_likelihood(region: str, text: str) -> float:
    layout = layout_of(text)
    unknown = (1 - _IN_SET) / 2 ** max(1, len(text))
    if region == "US":
        if "O" in text:
            # US registrations never use the letter O (where an O stands for 0 the US reading has the 0).
            return unknown * 0.02
        return _IN_SET * _US_LAYOUT_WEIGHTS[layout] / _US_WEIGHT_TOTAL if layout in _US_LAYOUT_WEIGHTS else unknown
    layouts = FOREIGN_LAYOUTS[region]
    return _IN_SET / len(layouts) if layout in layouts else unknown


def fits_known_format(text: str) -> bool:
    """True when a registration's letter/digit layout is a listed US or foreign one (``US_LAYOUTS``,
    ``FOREIGN_LAYOUTS``): the evidence that a line of text found without a plate box is a plate."""
    layout = layout_of(latin_alphanumerics(text))
    return layout in US_LAYOUTS or any(layout in layouts for layouts in FOREIGN_LAYOUTS.values())


def region_posterior(text: str) -> dict[str, float]:
    weights = {region: prior * _layout_likelihood(region, text) for region, prior in REGION_PRIOR.items()}
    total = sum(weights.values()) or 1.0
    return {region: weight / total for region, weight in weights.items()}


def guess_format(text: str) -> FormatGuess:
    """Which format a registration (A-Z0-9, letter O kept) fits, and the US state where its layout tells it."""
    text = latin_alphanumerics(text)
    if not text:
        return FormatGuess("other", 0.0)
    layout = layout_of(text)
    posterior = region_posterior(text)
    region = max(posterior, key=lambda r: posterior[r])
    known = layout in _US_LAYOUT_WEIGHTS or any(layout in layouts for layouts in FOREIGN_LAYOUTS.values())
    if not known:
        # Fits no format: a personalised US plate when it is mostly letters without an O, else unknown.
        vanity = "O" not in text and 2 <= len(text) <= 7 and sum(c in LETTERS for c in text) >= len(text) - 2
        return FormatGuess("vanity" if vanity else "other", round(posterior["US"] if vanity else 0.0, 4))
    state = STATE_BY_LAYOUT.get(layout) if region == "US" else None
    return FormatGuess(region, round(posterior[region], 4), state)


def read_plate(char_probabilities: Sequence[np.ndarray], char_confidences: Sequence[float]) -> PlateReading | None:
    """The plate as written, unless it is US with confidence: then the US layout prior settles look-alikes."""
    if not char_probabilities:
        return None
    probabilities = np.asarray(char_probabilities, dtype=np.float64)
    log_p = np.log(probabilities + _SMOOTHING)
    free_best = log_p.argmax(axis=1)
    free_text = "".join(ALPHABET[i] for i in free_best)
    free_score = float(log_p[np.arange(len(log_p)), free_best].sum())
    free_guess = guess_format(free_text)
    us = best_reading(char_probabilities, char_confidences)
    if us is not None:
        us_score = us.log_score
        if not us.dropped:
            us_score = float(log_p[np.arange(len(log_p)), [ALPHABET.index(c) for c in us.text]].sum())
        us_posterior = region_posterior(us.text)["US"] if layout_of(us.text) in US_LAYOUTS else 0.0
        foreign = free_guess.format in FOREIGN_LAYOUTS and free_guess.confidence >= 0.5
        if us_posterior >= US_CONFIDENT and not foreign and free_score - us_score <= _LOOK_ALIKE_MARGIN:
            state = STATE_BY_LAYOUT.get(layout_of(us.text))
            return PlateReading(us.text, us.log_score, us.prior, us.dropped, "US", state)
    text = free_text if free_guess.format in FOREIGN_LAYOUTS else free_text.replace("O", "0")
    guess = guess_format(text) if text != free_text else free_guess
    return PlateReading(text, free_score, layout_prior(layout_of(text)), 0, guess.format, guess.state)
