"""The wiring a Lambda container builds once and reuses: settings, repositories, clock and services."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from alpr import schema
from alpr.clock import Clock, SystemClock
from alpr.config import Settings
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories
from alpr.services.ingest import IngestService
from alpr.services.match import MatchService
from alpr.services.ocr import OcrService
from alpr.services.purge import PurgeService
from alpr.services.read_once import FrameReader


def _reader():  # type: ignore[no-untyped-def]
    # Imported on first use so functions that never read plates don't pay for loading the models.
    from alpr.ocr.reader import get_reader

    return get_reader()


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def repos(self) -> Repositories:
        return Repositories(self.settings)

    @cached_property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy.from_env(os.environ)

    @cached_property
    def ingest(self) -> IngestService:
        return IngestService(self.repos, self.retention, self.clock)

    @cached_property
    def ocr(self) -> OcrService:
        return OcrService(self.repos, _reader, self.retention, self.clock)

    @cached_property
    def frame_reader(self) -> FrameReader:
        """The OCR service behind Powertools idempotency: one read per object version."""
        return FrameReader(self.ocr, self.settings.table_name(schema.IDEMPOTENCY), self.repos.session)

    @cached_property
    def match(self) -> MatchService:
        return MatchService(self.repos, self.clock)

    @cached_property
    def purge(self) -> PurgeService:
        return PurgeService(self.repos, self.clock)


_current: Runtime | None = None


def runtime() -> Runtime:
    global _current
    if _current is None:
        _current = Runtime(Settings.from_env())
    return _current


def install(replacement: Runtime | None) -> None:
    """The local stack and the tests install a runtime (their settings, their clock); None resets."""
    global _current
    _current = replacement
