"""Plate search: wildcard patterns, the index keys a read carries, and the plan that picks index queries.

Wildcards: ``?`` is exactly one character, ``*`` is any number of characters (none included).
``7AB*`` is every plate that starts with 7AB; ``?ABC123`` every 7-character plate ending in ABC123;
``*BC12*`` every plate with BC12 anywhere in it.

Indexes (``alpr.schema.READS``): for each position ``p`` of a plate a read carries ``gram<p>`` (the three
characters at ``p``) and ``gram<p>_tail`` (the plate from ``p`` on, then ``#`` and the capture time). A
pattern with three known characters in a row at a known position is one query of ``by_gram<p>`` whose
sort key begins with every known character from there on; an unknown position (a ``*`` before the run)
is one such query per possible position. So a query reads close to only the reads it returns, and an
exact plate touches one partition of ``by_plate``. Time windows use ``by_window`` (source and capture
day); a camera uses ``by_camera``. A pattern without three known characters in a row needs a camera or a
time window to narrow it, and is then matched against the reads of that window.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alpr.domain import lookalikes
from alpr.domain.errors import DomainError
from alpr.domain.plates import MAX_PLATE_LENGTH, MIN_PLATE_LENGTH
from alpr.schema import SourceClass

GRAM = 3
GRAM_POSITIONS = MAX_PLATE_LENGTH - GRAM + 1
TAIL_SEPARATOR = "#"
# A time window longer than this is refused: a year of reads from every camera is no search.
MAX_WINDOW_DAYS = 366
_PATTERN_CHARACTERS = re.compile(r"^[A-Z0-9?*]+$")


class InvalidSearch(DomainError):
    status = 400
    code = "invalid_search"


def gram_attribute(position: int) -> str:
    return f"gram{position}"


def tail_attribute(position: int) -> str:
    return f"gram{position}_tail"


def window_bucket(source: str, captured_at: str) -> str:
    """Capture day in UTC, so a bucket is a fixed 24 hours whatever the daylight-saving date."""
    return f"{source}#{captured_at[:10]}"


def index_attributes(plate: str, source: str, captured_at: str) -> dict[str, str]:
    """The search keys a read item carries; GSIs are sparse, so short plates get fewer gram keys."""
    attributes = {"window_bucket": window_bucket(source, captured_at)}
    for position in range(max(1, len(plate) - GRAM + 1)):
        attributes[gram_attribute(position)] = plate[position : position + GRAM]
        attributes[tail_attribute(position)] = f"{plate[position:]}{TAIL_SEPARATOR}{captured_at}"
    return attributes


@dataclass(frozen=True)
class PlatePattern:
    text: str

    @classmethod
    def parse(cls, raw: str) -> PlatePattern:
        text = re.sub(r"[\s\-.]", "", raw.upper())
        text = re.sub(r"\*+", "*", text)
        if not text or not _PATTERN_CHARACTERS.match(text):
            raise InvalidSearch("a plate is letters and digits, with ? for one unknown character and * for any")
        fixed = len(text.replace("*", ""))
        if fixed > MAX_PLATE_LENGTH:
            raise InvalidSearch(f"a plate has at most {MAX_PLATE_LENGTH} characters")
        if text.replace("*", "").replace("?", "") == "":
            raise InvalidSearch("give at least one known character of the plate")
        if "*" not in text and "?" not in text and fixed < MIN_PLATE_LENGTH:
            raise InvalidSearch(f"a plate has at least {MIN_PLATE_LENGTH} characters")
        return cls(text)

    @property
    def exact(self) -> bool:
        return "*" not in self.text and "?" not in self.text

    def regex(self) -> re.Pattern[str]:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in self.text)
        return re.compile(f"^{body}$")

    def matches(self, plate: str) -> bool:
        return self.regex().match(plate) is not None

    def runs(self) -> list[LiteralRun]:
        """Known-character runs, each with its earliest position, whether a ``*`` precedes it, and how many
        characters the pattern fixes after it."""
        tokens = re.findall(r"[A-Z0-9]+|\?|\*", self.text)
        runs: list[LiteralRun] = []
        position, floating = 0, False
        for index, token in enumerate(tokens):
            if token == "*":
                floating = True
            elif token == "?":
                position += 1
            else:
                after = sum(len(t) for t in tokens[index + 1 :] if t != "*")
                runs.append(LiteralRun(token, position, floating, after, anchored_end=index == len(tokens) - 1))
                position += len(token)
        return runs


@dataclass(frozen=True)
class LiteralRun:
    text: str
    earliest: int
    floating: bool
    fixed_after: int
    anchored_end: bool


@dataclass(frozen=True)
class SearchCriteria:
    plate: PlatePattern | None = None
    start: datetime | None = None
    end: datetime | None = None
    camera_id: str | None = None
    source: SourceClass | None = None
    near: tuple[float, float] | None = None
    radius_m: float | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InvalidSearch("the start of the time range is after its end")
        if (self.near is None) != (self.radius_m is None):
            raise InvalidSearch("a distance search needs both a point (lat, lon) and a radius")
        if self.radius_m is not None and not 0 < self.radius_m <= 50_000:
            raise InvalidSearch("the radius is in metres, between 1 and 50,000")
        if self.near is not None and not (-90 <= self.near[0] <= 90 and -180 <= self.near[1] <= 180):
            raise InvalidSearch("latitude is -90..90 and longitude -180..180")

    def admits(self, captured_at: str, camera_id: str, source: SourceClass) -> bool:
        """The time, camera and source conditions, for a read found other than through the plan's indexes."""
        captured = datetime.fromisoformat(captured_at.replace("Z", "+00:00"))
        return (
            (self.start is None or captured >= self.start)
            and (self.end is None or captured <= self.end)
            and (self.camera_id is None or camera_id == self.camera_id)
            and (self.source is None or source == self.source)
        )

    def describe(self) -> str:
        """What the access record names as the data elements queried."""
        parts = []
        if self.plate:
            parts.append(f"plate={self.plate.text}")
        if self.start or self.end:
            parts.append(f"time={_iso(self.start) if self.start else ''}..{_iso(self.end) if self.end else ''}")
        if self.camera_id:
            parts.append(f"camera={self.camera_id}")
        if self.source:
            parts.append(f"source={self.source.value}")
        if self.near and self.radius_m:
            parts.append(f"near={self.near[0]:.5f},{self.near[1]:.5f} r={self.radius_m:.0f}m")
        return " ".join(parts)


@dataclass(frozen=True)
class IndexQuery:
    """One DynamoDB query: ``index`` partition ``partition_value``; sort key condition on ``sort_attribute``."""

    index: str
    partition_attribute: str
    partition_value: str
    sort_attribute: str
    begins_with: str | None = None
    between: tuple[str, str] | None = None


@dataclass(frozen=True)
class SearchPlan:
    queries: tuple[IndexQuery, ...]
    # Applied by the repository as a filter expression (DynamoDB counts what it read before filtering).
    time_range: tuple[str, str] | None = None
    camera_id: str | None = None
    source: SourceClass | None = None
    # A pattern's plan covers its look-alike spellings (``AYO9*`` and ``AY09*``): keep takes either.
    fold_look_alikes: bool = False

    def keep(self, criteria: SearchCriteria, plate: str, latitude: float | None, longitude: float | None) -> bool:
        """The checks the indexes could not express (wildcards after the first run, look-alikes, distance)."""
        pattern = criteria.plate
        if pattern is not None and not pattern.matches(plate):
            folded = self.fold_look_alikes and lookalikes.substitutions(pattern.text, plate)
            if not folded:
                return False
        if criteria.near is not None and criteria.radius_m is not None:
            if latitude is None or longitude is None:
                return False
            return distance_m(criteria.near, (latitude, longitude)) <= criteria.radius_m
        return True


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time_keys(criteria: SearchCriteria) -> tuple[str, str] | None:
    if criteria.start is None and criteria.end is None:
        return None
    # "~" sorts after every character of an ISO timestamp, so the end bound includes its whole millisecond.
    return (_iso(criteria.start) if criteria.start else "0000", (_iso(criteria.end) if criteria.end else "9999") + "~")


def plan(criteria: SearchCriteria) -> SearchPlan:
    time_range = _time_keys(criteria)
    common = {"time_range": time_range, "camera_id": criteria.camera_id, "source": criteria.source}
    pattern = criteria.plate
    if pattern is not None and pattern.exact:
        query = IndexQuery("by_plate", "plate", pattern.text, "captured_at", between=time_range)
        return SearchPlan((query,), camera_id=criteria.camera_id, source=criteria.source)
    gram_queries = _gram_queries(pattern) if pattern is not None else None
    if gram_queries is not None:
        return SearchPlan(gram_queries, **common)  # type: ignore[arg-type]
    if criteria.camera_id:
        query = IndexQuery("by_camera", "camera_id", criteria.camera_id, "captured_at", between=time_range)
        return SearchPlan((query,), source=criteria.source)
    if criteria.start and criteria.end:
        return SearchPlan(_window_queries(criteria), camera_id=criteria.camera_id)
    if pattern is not None:
        raise InvalidSearch(
            "a partial plate needs three known characters in a row (7AB*, ?ABC123), "
            "or a camera or a time range (start and end) to narrow it"
        )
    raise InvalidSearch("search by plate, or by a camera, or by a time range with a start and an end")


def _gram_queries(pattern: PlatePattern) -> tuple[IndexQuery, ...] | None:
    best: tuple[tuple[int, int], tuple[IndexQuery, ...]] | None = None
    for run in pattern.runs():
        if len(run.text) < GRAM:
            continue
        latest = MAX_PLATE_LENGTH - len(run.text) - run.fixed_after
        last_start = min(GRAM_POSITIONS - 1, latest) if run.floating else run.earliest
        positions = range(run.earliest, last_start + 1)
        if not positions:
            continue
        prefix = run.text + (TAIL_SEPARATOR if run.anchored_end else "")
        queries = tuple(
            IndexQuery(f"by_gram{p}", gram_attribute(p), run.text[:GRAM], tail_attribute(p), begins_with=prefix)
            for p in positions
        )
        # Fewest partitions first, then the most known characters (the most selective sort-key prefix).
        score = (len(queries), -len(prefix))
        if best is None or score < best[0]:
            best = (score, queries)
    return best[1] if best else None


def _window_queries(criteria: SearchCriteria) -> tuple[IndexQuery, ...]:
    assert criteria.start is not None and criteria.end is not None
    start, end = criteria.start.astimezone(UTC), criteria.end.astimezone(UTC)
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise InvalidSearch(f"a time range is at most {MAX_WINDOW_DAYS} days")
    time_range = _time_keys(criteria)
    sources = [criteria.source] if criteria.source else list(SourceClass)
    queries = []
    day = start.date()
    while day <= end.date():
        for source in sources:
            bucket = f"{source.value}#{day.isoformat()}"
            queries.append(IndexQuery("by_window", "window_bucket", bucket, "captured_at", between=time_range))
        day += timedelta(days=1)
    return tuple(queries)


EARTH_RADIUS_M = 6_371_008.8


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
