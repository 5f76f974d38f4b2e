"""Runs historical hotlist searches queued when an entry is added or extended (one job id per message)."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.runtime import runtime

logger = Logger(service="hotlist-search")
processor = BatchProcessor(event_type=EventType.SQS)
# Time left when a job stops taking pages and hands over to a new message: more than one page ever takes.
HANDOVER_MS = 60_000


def _search(record: SQSRecord, lambda_context: LambdaContext) -> None:
    job_id = str(json.loads(record.body)["job_id"])

    def has_time() -> bool:
        return lambda_context.get_remaining_time_in_millis() > HANDOVER_MS

    job = runtime().historical_searches.run(job_id, has_time)
    if job is None:
        logger.warning("no such historical search", job_id=job_id)
        return
    # Counts only: never the entry's plate or the reads' plates.
    logger.info("historical search", job_id=job_id, status=job.status, pages=job.pages, hits=job.hits)


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_search, processor=processor, context=context)
