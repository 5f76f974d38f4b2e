"""The wiring a Lambda container builds once and reuses: settings, repositories, clock and services."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from alpr import schema
from alpr.clock import Clock, FixedClock, SystemClock, parse_timestamp
from alpr.config import Settings
from alpr.domain.errors import DomainError
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories
from alpr.services.access import AccessRecorder
from alpr.services.access_seals import AccessSealer
from alpr.services.administration import AdministrationService
from alpr.services.alerts import AlertService
from alpr.services.audits import AuditService
from alpr.services.cameras import CameraHealthService
from alpr.services.compliance import ComplianceService
from alpr.services.historical import HistoricalSearchService
from alpr.services.holds import HoldService
from alpr.services.hotlist import HotlistService
from alpr.services.ingest import IngestService
from alpr.services.login import StaffLogin
from alpr.services.match import MatchService
from alpr.services.ncric import NcricForwarder
from alpr.services.ocr import OcrService
from alpr.services.purge import PurgeService, PurgeTuning
from alpr.services.read_once import FrameReader
from alpr.services.search import SearchService
from alpr.services.sharing import SharingService
from alpr.services.sightings import SightingService
from alpr.services.staff import StaffGate
from alpr.services.transparency import TransparencyService

if TYPE_CHECKING:
    from alpr.ocr.reader import PlateReader


def _reader() -> PlateReader:
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
        # A department's shorter periods (schema.retention_days_env), in the time zone the settings hold.
        return RetentionPolicy.from_env({**os.environ, schema.Env.TIME_ZONE.value: self.settings.time_zone})

    @cached_property
    def ingest(self) -> IngestService:
        return IngestService(self.repos, self.retention, self.clock)

    @cached_property
    def camera_health(self) -> CameraHealthService:
        return CameraHealthService(self.repos, self.clock)

    @cached_property
    def ocr(self) -> OcrService:
        return OcrService(self.repos, _reader, self.retention, self.clock, sightings=self.sightings)

    @cached_property
    def sightings(self) -> SightingService:
        return SightingService(self.repos, self.clock)

    @cached_property
    def frame_reader(self) -> FrameReader:
        """The OCR service behind Powertools idempotency: one read per object version."""
        return FrameReader(self.ocr, self.settings.table_name(schema.IDEMPOTENCY), self.repos.session)

    @cached_property
    def match(self) -> MatchService:
        return MatchService(self.repos, self.clock, self.settings.hotlist_refresh_s)

    @cached_property
    def historical_searches(self) -> HistoricalSearchService:
        return HistoricalSearchService(self.repos, self.clock, self.settings.historical_search_page_size)

    @cached_property
    def hotlist(self) -> HotlistService:
        return HotlistService(self.repos, self.clock, self.historical_searches, self.settings.hotlist_snapshots_kept)

    @cached_property
    def alerts(self) -> AlertService:
        return AlertService(self.repos, self.clock)

    @cached_property
    def purge(self) -> PurgeService:
        return PurgeService(self.repos, self.retention, self.clock, PurgeTuning.from_settings(self.settings))

    @cached_property
    def holds(self) -> HoldService:
        return HoldService(self.repos, self.retention, self._purge_now(), self.clock)

    def _purge_now(self) -> Callable[[list[str]], None]:
        """In AWS the purge function deletes (its role alone may); locally the same service runs in-process."""
        function = self.settings.purge_function

        def purge_now(read_ids: list[str]) -> None:
            if not read_ids:
                return
            if not function:
                self.purge.purge_read_ids(read_ids)
                return
            payload = json.dumps({"purge_read_ids": read_ids}).encode()
            self.repos.lambda_client.invoke(FunctionName=function, InvocationType="Event", Payload=payload)

        return purge_now

    @cached_property
    def compliance(self) -> ComplianceService:
        return ComplianceService(self.repos, self.retention, self.clock)

    @cached_property
    def sharing(self) -> SharingService:
        return SharingService(self.repos, AccessRecorder(self.repos.access_log, self.clock), self.clock)

    @cached_property
    def ncric(self) -> NcricForwarder:
        return NcricForwarder(self.repos, lambda: self.repos.ncric_destination.transport(), self.clock)

    @cached_property
    def access(self) -> AccessRecorder:
        return AccessRecorder(self.repos.access_log, self.clock)

    @cached_property
    def access_sealer(self) -> AccessSealer:
        return AccessSealer(self.repos.access_log.chain, self.repos.access_seals, self.clock)

    @cached_property
    def search(self) -> SearchService:
        return SearchService(self.repos, self.clock)

    @property
    def staff_login(self) -> StaffLogin:
        # Not cached: it follows the repositories' directory, which the local stack swaps on a reset.
        return StaffLogin(self.repos.staff_directory)

    @cached_property
    def staff_gate(self) -> StaffGate:
        return StaffGate(self.access, self.repos.token_verifier, self.repos.training)

    @cached_property
    def audits(self) -> AuditService:
        return AuditService(
            self.repos,
            self.clock,
            self.settings.time_zone,
            retention_days=self.settings.audit_retention_days,
            sample_size=self.settings.audit_sample_size,
        )

    @cached_property
    def administration(self) -> AdministrationService:
        return AdministrationService(self.repos, self.clock)

    @cached_property
    def transparency(self) -> TransparencyService:
        return TransparencyService(
            self.repos, self.retention, self.clock, self.settings.time_zone, self.settings.transparency_cache_s
        )


_current: Runtime | None = None


class ClockOverrideRefused(DomainError):
    status = 500
    code = "clock_override_refused"


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def clock_override_allowed(environ: Mapping[str, str]) -> bool:
    """A clock override is a test and demo device: only against the local stack (an AWS endpoint on this
    machine's loopback), never in Lambda and never against a real AWS account (``--aws``)."""
    if environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return False
    endpoint = environ.get("AWS_ENDPOINT_URL", "")
    return bool(endpoint) and urlsplit(endpoint).hostname in LOOPBACK_HOSTS


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """``ALPR_CLOCK=2026-11-02T18:30:00Z`` stops a command's clock there (audits of a past quarter on a demo,
    local stack only: anywhere else it is refused rather than allowed to stamp a real record)."""
    env = os.environ if environ is None else environ
    fixed = env.get(schema.OperatorEnv.CLOCK)
    if not fixed:
        return SystemClock()
    if not clock_override_allowed(env):
        raise ClockOverrideRefused(
            "ALPR_CLOCK is a test device for the local stack: it is refused in Lambda and against AWS (--aws), "
            "so that no real record is stamped with a made-up time; unset it"
        )
    return FixedClock(parse_timestamp(fixed))


def runtime() -> Runtime:
    global _current
    if _current is None:
        _current = Runtime(Settings.from_env(), clock_from_env())
    return _current


def install(replacement: Runtime | None) -> None:
    """The local stack and the tests install a runtime (their settings, their clock); None resets."""
    global _current
    _current = replacement
