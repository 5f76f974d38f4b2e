"""Plate search for staff: plan the index queries, run them, apply what the indexes could not."""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from typing import Literal

from alpr.clock import Clock
from alpr.domain import lookalikes
from alpr.domain.errors import NotFound
from alpr.domain.records import PlateRead
from alpr.domain.search import InvalidSearch, PlatePattern, SearchCriteria, SearchPlan, plan
from alpr.repositories.factory import Repositories
from alpr.repositories.search import Examined

# Past this many matches the search stops and says so: narrow it rather than page through thousands.
MAX_MATCHES = 5_000
THUMBNAIL_WIDTH = 240
PLATE_CROP_WIDTH = 200

SortOrder = Literal["time", "confidence"]
# The position after the last row of a page: (exact 0 / look-alike 1, minus the sorted value, read id).
SortKey = tuple[int, float, str]


@dataclass(frozen=True)
class SearchOutcome:
    reads: list[PlateRead]
    matched: int
    examined: int
    queries: int
    truncated: bool
    # The consensus plate of the sighting each listed read belongs to, where it differs from the frame's own.
    consensus: dict[str, str] = field(default_factory=dict)
    # For a read found through look-alike characters: which ones ("O→0"). Exact matches are not listed.
    look_alikes: dict[str, list[str]] = field(default_factory=dict)
    # Where the next page starts; None on the last page.
    next_cursor: str | None = None


def encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    try:
        rank, value, read_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return int(rank), float(value), str(read_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidSearch("the page cursor is not one this search gave out: search again") from None


class SearchService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def search(
        self, criteria: SearchCriteria, limit: int = 100, sort: SortOrder = "time", cursor: str | None = None
    ) -> SearchOutcome:
        """Exact matches first, then look-alikes; each group newest first (or most confident first).

        ``examined`` is what DynamoDB read for it (ScannedCount), not what it returned. A page after the
        first starts past ``cursor`` (the last row's sort key), so reads arriving between pages shift nothing.
        """
        examined = Examined()
        matches: list[PlateRead] = []
        seen: set[str] = set()
        truncated = False
        now = self._clock.now()
        typed = criteria.plate.text if criteria.plate is not None else None
        for variant, search_plan in self._plans(criteria):
            found = ((read, read.plate) for read in self._repos.read_search.run(search_plan, now, examined))
            for read, plate in chain(found, self._read_by_sightings(variant, now)):
                if read.read_id in seen or not search_plan.keep(variant, plate, read.latitude, read.longitude):
                    continue
                seen.add(read.read_id)
                matches.append(read)
                if len(matches) >= MAX_MATCHES:
                    truncated = True
                    break
            if truncated:
                break

        def key(read: PlateRead) -> SortKey:
            # Found through look-alikes ranks after the plate as typed (and the frames of its sightings).
            rank = 1 if typed is not None and lookalikes.substitutions(typed, read.plate) else 0
            value = read.confidence if sort == "confidence" else _epoch(read.captured_at)
            return rank, -value, read.read_id

        keyed = sorted(((key(r), r) for r in matches), key=lambda pair: pair[0])
        if cursor:
            after = decode_cursor(cursor)
            keyed = [(k, r) for k, r in keyed if k > after]
        page = keyed[:limit]
        shown = [r for _, r in page]
        more = len(keyed) > limit
        look: dict[str, list[str]] = {}
        if typed is not None:
            look = {r.read_id: lookalikes.substitutions(typed, r.plate) for r in shown}
            look = {k: v for k, v in look.items() if v}
        return SearchOutcome(
            reads=shown,
            matched=len(matches),
            examined=examined.items,
            queries=examined.queries,
            truncated=truncated,
            consensus=self._consensus_of(shown),
            look_alikes=look,
            next_cursor=encode_cursor(page[-1][0]) if more and page else None,
        )

    @staticmethod
    def _plans(criteria: SearchCriteria) -> list[tuple[SearchCriteria, SearchPlan]]:
        """An exact plate: one plan per look-alike spelling (each its own by_plate partition, and its own
        sightings). A pattern: one plan whose queries cover every spelling's (a query shared by several,
        such as a camera's or a time window's, runs once), keeping a plate that matches as typed or folded."""
        if criteria.plate is None:
            return [(criteria, plan(criteria))]
        spellings = [replace(criteria, plate=PlatePattern(v)) for v in lookalikes.variants(criteria.plate.text)]
        if criteria.plate.exact:
            return [(spelling, plan(spelling)) for spelling in spellings]
        plans = [plan(spelling) for spelling in spellings]
        queries = tuple(dict.fromkeys(query for each in plans for query in each.queries))
        return [(criteria, replace(plans[0], queries=queries, fold_look_alikes=True))]

    def _read_by_sightings(self, criteria: SearchCriteria, now: datetime) -> Iterator[tuple[PlateRead, str]]:
        """Frames of sightings whose consensus is the plate searched for, each with that consensus.

        A frame that misread one character of a passing car is still found by the car's plate.
        """
        if criteria.plate is None or not criteria.plate.exact:
            return
        for sighting in self._repos.sightings.by_plate(criteria.plate.text, now):
            for member in sighting.members:
                read = self._repos.reads.get(member.read_id, now)
                if read is not None and criteria.admits(read.captured_at, read.camera_id, read.source):
                    yield read, sighting.plate

    def _consensus_of(self, reads: list[PlateRead]) -> dict[str, str]:
        sightings = {}
        for sighting_id in {r.sighting_id for r in reads if r.sighting_id}:
            sighting = self._repos.sightings.get(sighting_id)
            if sighting is not None:
                sightings[sighting_id] = sighting.plate
        return {
            r.read_id: sightings[r.sighting_id]
            for r in reads
            if r.sighting_id in sightings and sightings[r.sighting_id] != r.plate
        }

    def read(self, read_id: str) -> PlateRead:
        """One read, if it exists and has not expired (an expired read is as good as gone)."""
        read = self._repos.reads.get(read_id, self._clock.now())
        if read is None:
            raise NotFound(f"no read {read_id!r} (it may have passed its retention period)")
        return read

    def image(self, read: PlateRead) -> bytes:
        return self._repos.images.get_bytes(read.image_key)

    def thumbnail(self, read: PlateRead) -> bytes:
        """The plate and the car around it, small enough to list fifty on a patrol car's connection."""
        from PIL import Image

        with Image.open(io.BytesIO(self.image(read))) as opened:
            image = opened.convert("RGB")
            x1, y1, width, height = read.box  # x, y, w, h in the frame's pixels
            x2, y2 = x1 + width, y1 + height
            margin_x, margin_y = width * 1.5, height * 2.0
            crop = image.crop(
                (
                    max(0, int(x1 - margin_x)),
                    max(0, int(y1 - margin_y)),
                    min(image.width, int(x2 + margin_x)),
                    min(image.height, int(y2 + margin_y * 0.6)),
                )
            )
            crop.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
            out = io.BytesIO()
            crop.save(out, "JPEG", quality=70)
            return out.getvalue()

    def plate_crop(self, read: PlateRead) -> bytes:
        """The plate alone, from the box the reader stored, with a little margin so no character is cut."""
        from PIL import Image

        with Image.open(io.BytesIO(self.image(read))) as opened:
            image = opened.convert("RGB")
            x, y, width, height = read.box
            pad_x, pad_y = width * 0.12, height * 0.25
            crop = image.crop(
                (
                    max(0, int(x - pad_x)),
                    max(0, int(y - pad_y)),
                    min(image.width, int(x + width + pad_x)),
                    min(image.height, int(y + height + pad_y)),
                )
            )
            if crop.width < PLATE_CROP_WIDTH:
                scale = PLATE_CROP_WIDTH / max(1, crop.width)
                crop = crop.resize((PLATE_CROP_WIDTH, max(1, int(crop.height * scale))))
            out = io.BytesIO()
            crop.save(out, "JPEG", quality=80)
            return out.getvalue()


def _epoch(captured_at: str) -> float:
    return datetime.fromisoformat(captured_at.replace("Z", "+00:00")).timestamp()
