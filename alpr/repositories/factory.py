"""Builds every repository from the settings, once per process (a Lambda container reuses them)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from alpr import schema
from alpr.aws_session import new_session
from alpr.config import Settings
from alpr.repositories.access import AccessLogRepository
from alpr.repositories.access_seals import AccessSealStore
from alpr.repositories.audits import AdminLogRepository, AuditArchive, AuditRepository, ReadCorrections
from alpr.repositories.camera_health import CameraHealthRepository
from alpr.repositories.historical import HistoricalSearchRepository, SearchQueue
from alpr.repositories.hotlist import (
    HotlistEntryRepository,
    HotlistVersionRepository,
    ListUploadStore,
    MuteRepository,
    SnapshotStore,
)
from alpr.repositories.identity import IdentityConfig, StaffDirectory, TokenVerifier
from alpr.repositories.images import ImageStore
from alpr.repositories.ncric import DeliveryRepository, DestinationSource, ForwardQueue
from alpr.repositories.notifications import AlertPublisher
from alpr.repositories.object_lock import ImageVersions
from alpr.repositories.retention import (
    HoldEventRepository,
    HoldRepository,
    PurgeReportRepository,
    PurgeWorkQueue,
    RetentionStore,
)
from alpr.repositories.search import ReadSearchRepository
from alpr.repositories.sharing import AgencyRepository, ShareRequestRepository
from alpr.repositories.sightings import SightingRepository
from alpr.repositories.stores import (
    AlertRepository,
    CameraRepository,
    FrameRepository,
    ReadRepository,
)
from alpr.repositories.stream_failures import StreamFailureStore
from alpr.repositories.training import TrainingRepository


@dataclass
class Repositories:
    settings: Settings
    session: Any = None

    @cached_property
    def _session(self) -> Any:
        return self.session or new_session()

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
    def stream_failures(self) -> StreamFailureStore:
        return StreamFailureStore(self.s3, self.settings.images_bucket)

    @cached_property
    def cameras(self) -> CameraRepository:
        return CameraRepository(self.table(schema.CAMERAS))

    @cached_property
    def camera_health(self) -> CameraHealthRepository:
        return CameraHealthRepository(self.table(schema.CAMERA_HEALTH))

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
    def list_uploads(self) -> ListUploadStore:
        return ListUploadStore(self.s3, self.settings.images_bucket)

    @cached_property
    def historical_searches(self) -> HistoricalSearchRepository:
        return HistoricalSearchRepository(self.table(schema.HISTORICAL_SEARCHES))

    @cached_property
    def search_queue(self) -> SearchQueue:
        return SearchQueue(
            self._session.client("sqs"), schema.HISTORICAL_SEARCH_QUEUE.physical_name(self.settings.prefix)
        )

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
    def purge_queue(self) -> PurgeWorkQueue:
        return PurgeWorkQueue(self._session.client("sqs"), schema.PURGE_WORK_QUEUE.physical_name(self.settings.prefix))

    @cached_property
    def agencies(self) -> AgencyRepository:
        return AgencyRepository(self.table(schema.AGENCIES), self.table(schema.AGENCY_CHANGES))

    @cached_property
    def share_requests(self) -> ShareRequestRepository:
        return ShareRequestRepository(self.table(schema.SHARE_REQUESTS))

    @cached_property
    def ncric_deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self.table(schema.NCRIC_DELIVERIES))

    @cached_property
    def ncric_queue(self) -> ForwardQueue:
        queue = schema.NCRIC_FORWARD_QUEUE
        return ForwardQueue(
            self._session.client("sqs"),
            queue.physical_name(self.settings.prefix),
            queue.dead_letter_name(self.settings.prefix),
        )

    @cached_property
    def ncric_destination(self) -> DestinationSource:
        return DestinationSource(
            self._session,
            schema.ncric_destination_parameter(self.settings.prefix),
            schema.ncric_credential_secret(self.settings.prefix),
            self.settings.ncric_destination_max_age_s,
        )

    @cached_property
    def read_search(self) -> ReadSearchRepository:
        return ReadSearchRepository(self.table(schema.READS))

    @cached_property
    def training(self) -> TrainingRepository:
        return TrainingRepository(self.table(schema.TRAINING))

    @cached_property
    def identity_config(self) -> IdentityConfig:
        return IdentityConfig.from_env()

    @cached_property
    def staff_directory(self) -> StaffDirectory:
        return StaffDirectory(self._session.client("cognito-idp"), self.identity_config)

    @cached_property
    def token_verifier(self) -> TokenVerifier:
        return TokenVerifier(self.identity_config)

    @cached_property
    def audits(self) -> AuditRepository:
        return AuditRepository(self.table(schema.AUDITS))

    @cached_property
    def admin_log(self) -> AdminLogRepository:
        return AdminLogRepository(self.table(schema.ADMIN_LOG))

    @cached_property
    def access_seals(self) -> AccessSealStore:
        return AccessSealStore(self.s3, self.settings.images_bucket)

    @cached_property
    def audit_archive(self) -> AuditArchive:
        return AuditArchive(self.s3, self.settings.images_bucket)

    @cached_property
    def read_corrections(self) -> ReadCorrections:
        return ReadCorrections(self.table(schema.READS))

    @cached_property
    def lambda_client(self) -> Any:
        return self._session.client("lambda")
