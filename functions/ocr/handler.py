"""Reads plates in frames announced by S3 ObjectCreated notifications, delivered through SQS."""

from __future__ import annotations

import time

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.runtime import runtime
from alpr.s3events import object_refs

logger = Logger(service="ocr")
metrics = Metrics(namespace="ALPR", service="ocr")
# A failing frame is retried alone; the rest of the batch is not processed twice.
processor = BatchProcessor(event_type=EventType.SQS)


def _read_frame(record: SQSRecord) -> None:
    for ref in object_refs(record.body):
        # Idempotent per object version: a duplicated S3 event gets the stored outcome, no second OCR run.
        started = time.perf_counter()
        outcome = runtime().frame_reader.read(ref)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if outcome is None:
            continue
        logger.set_correlation_id(outcome.correlation_id or None)
        logger.append_keys(frame_id=outcome.frame_id)
        logger.info("frame processed", status=outcome.status.value, plates=outcome.plates, repeated=outcome.repeated)
        if not outcome.repeated:
            metrics.add_metric(name=f"frames_{outcome.status.value}", unit=MetricUnit.Count, value=1)
            # infra/observability.py alarms on its p95.
            metrics.add_metric(name="ocr_frame_ms", unit=MetricUnit.Milliseconds, value=elapsed_ms)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    # An in-progress marker left by a killed invocation expires with this invocation's remaining time.
    runtime().frame_reader.register_context(context)
    return process_partial_response(event=event, record_handler=_read_frame, processor=processor, context=context)
