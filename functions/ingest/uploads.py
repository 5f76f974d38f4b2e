"""Checks frames that arrived through a presigned upload, exactly as POST /v1/frames would."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.runtime import runtime
from alpr.s3events import object_keys

logger = Logger(service="ingest-uploads")
processor = BatchProcessor(event_type=EventType.SQS)


def _check_upload(record: SQSRecord) -> None:
    for _bucket, key in object_keys(record.body):
        accepted = runtime().ingest.accept_upload(key)
        if accepted is None:
            logger.warning("presigned upload refused", upload_key=key)
        else:
            logger.info("presigned upload accepted", frame_id=accepted.frame_id)


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_check_upload, processor=processor, context=context)
