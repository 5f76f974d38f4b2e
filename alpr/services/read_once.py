"""Reading each stored frame once, however often S3 announces it (Powertools idempotency on DynamoDB)."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from alpr import schema
from alpr.domain.records import FrameStatus
from alpr.s3events import ObjectRef
from alpr.services.ocr import FrameOutcome, OcrService

# S3 may deliver an event more than once, usually within minutes; a day covers redrives from the queue too.
DUPLICATE_WINDOW_S = 24 * 3600


def _mark_repeated(response: Any, idempotent_data: DataRecord) -> Any:
    """A stored result handed back for a duplicate event: the work was not done again."""
    return {**response, "repeated": True} if isinstance(response, dict) else response


class FrameReader:
    """``read(ref)`` runs the OCR service at most once per object version (bucket, key, version, ETag).

    A duplicate that arrives while the first delivery is still running fails fast (the queue delivers it
    again later); a delivery killed mid-way leaves an in-progress record that expires with the Lambda's
    remaining time (``register_context``), after which a retry does the work.
    """

    def __init__(self, ocr: OcrService, table_name: str, boto3_session: Any = None) -> None:
        self._ocr = ocr
        self.config = IdempotencyConfig(
            event_key_jmespath="[bucket, key, version_id, etag]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=DUPLICATE_WINDOW_S,
            response_hook=_mark_repeated,
        )
        self.store = DynamoDBPersistenceLayer(
            table_name=table_name,
            expiry_attr=schema.TTL_ATTRIBUTE,
            boto3_session=boto3_session,
        )
        self._read_once = idempotent_function(
            data_keyword_argument="frame_object", persistence_store=self.store, config=self.config
        )(self._process)

    def register_context(self, context: Any) -> None:
        self.config.register_lambda_context(context)

    def read(self, ref: ObjectRef) -> FrameOutcome | None:
        stored = self._read_once(frame_object=dataclasses.asdict(ref))
        if stored is None:
            return None
        return FrameOutcome(**{**stored, "status": FrameStatus(stored["status"])})

    def _process(self, frame_object: dict[str, str]) -> dict[str, Any] | None:
        outcome = self._ocr.process(frame_object["key"])
        # Only the outcome's counts and ids are stored in the idempotency table, never plate text.
        return None if outcome is None else {**dataclasses.asdict(outcome), "status": outcome.status.value}
