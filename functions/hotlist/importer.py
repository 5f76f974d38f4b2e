"""Imports hotlist files (S3 -> SQS): those administrators drop into hotlists/incoming/<list name>/, and those
uploaded through the API's presigned POST to hotlists/uploads/<list name>/<upload id>."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr import schema
from alpr.domain.errors import DomainError
from alpr.runtime import runtime
from alpr.s3events import object_keys

logger = Logger(service="hotlist-import")
processor = BatchProcessor(event_type=EventType.SQS)


def _dropped_by(body: str) -> str:
    records = json.loads(body).get("Records", [])
    principal = records[0].get("userIdentity", {}).get("principalId") if records else None
    return f"s3-drop:{principal or 'unknown'}"


def _import(record: SQSRecord) -> None:
    for _bucket, key in object_keys(record.body):
        try:
            if key.startswith(schema.BUCKET.hotlist_uploads):
                report = runtime().hotlist.import_uploaded_file(key)
            elif key.startswith(schema.BUCKET.hotlist_incoming):
                report = runtime().hotlist.import_dropped_file(key, _dropped_by(record.body))
            else:
                continue
        except DomainError as refused:  # a misplaced file: retrying cannot help
            logger.warning("hotlist file refused", key=key, reason=refused.message)
            continue
        if report is None:
            logger.info("hotlist upload already imported", key=key)
            continue
        # Counts and line numbers only: never the list's contents.
        logger.info(
            "hotlist import",
            list_name=report.list_name,
            version=report.version,
            status=report.status,
            imported=report.imported,
            bad_rows=report.bad_count,
            refused_because=report.refused_because,
        )


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_import, processor=processor, context=context)
