"""Plate search for staff: plan the index queries, run them, apply what the indexes could not."""

from __future__ import annotations

import io
from dataclasses import dataclass

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


class SearchService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def search(self, criteria: SearchCriteria, limit: int = 100) -> SearchOutcome:
        """Newest first. ``examined`` is what DynamoDB read for it (ScannedCount), not what it returned."""
        search_plan = plan(criteria)
        examined = Examined()
        matches: list[PlateRead] = []
        truncated = False
        for read in self._repos.read_search.run(search_plan, self._clock.now(), examined):
            if search_plan.keep(criteria, read.plate, read.latitude, read.longitude):
                matches.append(read)
                if len(matches) >= MAX_MATCHES:
                    truncated = True
                    break
        matches.sort(key=lambda r: (r.captured_at, r.read_id), reverse=True)
        return SearchOutcome(
            reads=matches[:limit],
            matched=len(matches),
            examined=examined.items,
            queries=examined.queries,
            truncated=truncated or len(matches) > limit,
        )

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
