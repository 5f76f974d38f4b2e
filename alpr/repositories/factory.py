"""Builds every repository from the settings, once per process (a Lambda container reuses them)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3

from alpr import schema
from alpr.config import Settings
from alpr.repositories.access import AccessLogRepository
from alpr.repositories.audits import AdminLogRepository, AuditArchive, AuditRepository, ReadCorrections
from alpr.repositories.hotlist import HotlistEntryRepository, HotlistVersionRepository, MuteRepository, SnapshotStore
from alpr.repositories.images import ImageStore
from alpr.repositories.notifications import AlertPublisher
from alpr.repositories.object_lock import ImageVersions
from alpr.repositories.retention import (
    HoldEventRepository,
    HoldRepository,
    PurgeReportRepository,
    RetentionStore,
)
from alpr.repositories.sightings import SightingRepository
from alpr.repositories.stores import (
    AlertRepository,
    CameraRepository,
    FrameRepository,
    ReadRepository,
)


@dataclass
class Repositories:
    settings: Settings
    session: Any = None

    @cached_property
    def _session(self) -> Any:
        return self.session or boto3.session.Session()

    @cached_property
    def dynamodb(self) -> Any:
        return self._session.resource("dynamodb")

    @cached_property
    def s3(self) -> Any:
        return self._session.client("s3")

    @cached_property
    def sns(self) -> Any:
        return self._session.client("sns")

    def table(self, table: schema.Table) -> Any:
        return self.dynamodb.Table(self.settings.table_name(table))

    @cached_property
    def cameras(self) -> CameraRepository:
        return CameraRepository(self.table(schema.CAMERAS))

    @cached_property
    def frames(self) -> FrameRepository:
        return FrameRepository(self.table(schema.FRAMES))

    @cached_property
    def reads(self) -> ReadRepository:
        return ReadRepository(self.table(schema.READS))

    @cached_property
    def hotlist(self) -> HotlistEntryRepository:
        return HotlistEntryRepository(self.table(schema.HOTLIST), self.table(schema.HOTLIST_CHANGES))

    @cached_property
    def hotlist_versions(self) -> HotlistVersionRepository:
        return HotlistVersionRepository(self.table(schema.HOTLIST_VERSIONS))

    @cached_property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.s3, self.settings.images_bucket)

    @cached_property
    def mutes(self) -> MuteRepository:
        return MuteRepository(self.table(schema.ALERT_MUTES))

    @cached_property
    def alerts(self) -> AlertRepository:
        return AlertRepository(self.table(schema.ALERTS))

    @cached_property
    def images(self) -> ImageStore:
        return ImageStore(self.s3, self.settings.images_bucket)

    @cached_property
    def publisher(self) -> AlertPublisher:
        return AlertPublisher(self.sns, self.settings.alerts_topic_arn)

    @cached_property
    def sightings(self) -> SightingRepository:
        return SightingRepository(self.table(schema.SIGHTINGS))

    @cached_property
    def access_log(self) -> AccessLogRepository:
        return AccessLogRepository(self.table(schema.ACCESS_LOG), self.table(schema.ACCESS_CHAIN_HEADS))

    @cached_property
    def retention(self) -> RetentionStore:
        return RetentionStore(self.table(schema.READS), self.table(schema.FRAMES), self.table(schema.ALERTS))

    @cached_property
    def image_versions(self) -> ImageVersions:
        return ImageVersions(self.s3, self.settings.images_bucket)

    @cached_property
    def holds(self) -> HoldRepository:
        return HoldRepository(self.table(schema.HOLDS))

    @cached_property
    def hold_events(self) -> HoldEventRepository:
        return HoldEventRepository(self.table(schema.HOLD_EVENTS))

    @cached_property
    def purge_reports(self) -> PurgeReportRepository:
        return PurgeReportRepository(self.table(schema.PURGE_REPORTS))

    @cached_property
    def audits(self) -> AuditRepository:
        return AuditRepository(self.table(schema.AUDITS))

    @cached_property
    def admin_log(self) -> AdminLogRepository:
        return AdminLogRepository(self.table(schema.ADMIN_LOG))

    @cached_property
    def audit_archive(self) -> AuditArchive:
        return AuditArchive(self.s3, self.settings.images_bucket)

    @cached_property
    def read_corrections(self) -> ReadCorrections:
        return ReadCorrections(self.table(schema.READS))
