"""Plate search for staff: plan the index queries, run them, apply what the indexes could not."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from alpr.clock import Clock
from alpr.domain.errors import NotFound
from alpr.domain.records import PlateRead
from alpr.domain.search import SearchCriteria, plan
from alpr.repositories.factory import Repositories
from alpr.repositories.search import Examined

# Past this many matches the search stops and says so: narrow it rather than page through thousands.
MAX_MATCHES = 5_000
THUMBNAIL_WIDTH = 240


@dataclass(frozen=True)
class SearchOutcome:
    reads: list[PlateRead]
    matched: int
    examined: int
    queries: int
    truncated: bool
    # The consensus plate of the sighting each listed read belongs to, where it differs from the frame's own.
    consensus: dict[str, str] = field(default_factory=dict)


class SearchService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def search(self, criteria: SearchCriteria, limit: int = 100) -> SearchOutcome:
        """Newest first. ``examined`` is what DynamoDB read for it (ScannedCount), not what it returned."""
        search_plan = plan(criteria)
        examined = Examined()
        matches: list[PlateRead] = []
        seen: set[str] = set()
        truncated = False
        now = self._clock.now()
        found = ((read, read.plate) for read in self._repos.read_search.run(search_plan, now, examined))
        for read, plate in chain(found, self._read_by_sightings(criteria, now)):
            if read.read_id in seen or not search_plan.keep(criteria, plate, read.latitude, read.longitude):
                continue
            seen.add(read.read_id)
            matches.append(read)
            if len(matches) >= MAX_MATCHES:
                truncated = True
                break
        matches.sort(key=lambda r: (r.captured_at, r.read_id), reverse=True)
        shown = matches[:limit]
        return SearchOutcome(
            reads=shown,
            matched=len(matches),
            examined=examined.items,
            queries=examined.queries,
            truncated=truncated or len(matches) > limit,
            consensus=self._consensus_of(shown),
        )

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
