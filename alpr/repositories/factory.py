"""Builds every repository from the settings, once per process (a Lambda container reuses them)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3

from alpr import schema
from alpr.config import Settings
from alpr.repositories.access import AccessLogRepository
from alpr.repositories.identity import IdentityConfig, StaffDirectory, TokenVerifier
from alpr.repositories.images import ImageStore
from alpr.repositories.notifications import AlertPublisher
from alpr.repositories.search import ReadSearchRepository
from alpr.repositories.stores import (
    AlertRepository,
    CameraRepository,
    FrameRepository,
    HotlistRepository,
    ReadRepository,
)
from alpr.repositories.training import TrainingRepository


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
    def hotlist(self) -> HotlistRepository:
        return HotlistRepository(self.table(schema.HOTLIST))

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
    def access_log(self) -> AccessLogRepository:
        return AccessLogRepository(self.table(schema.ACCESS_LOG))

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
