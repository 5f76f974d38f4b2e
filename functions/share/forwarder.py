"""NCRIC forwarding (policy 418.5): two small steps with a queue between them.

The match function, the reads stream's reader, puts each new vehicle read's id on the forwarding queue
(functions/match/handler.py; the service checks the source). ``deliver`` takes read ids
from the queue and sends each read with its image to NCRIC; error reports on vehicle reads (418.6), queued by
the administration service, come through the same queue and step. A failed delivery comes back after an
exponential back-off; past the queue's receive limit it waits in the dead-letter queue for
``alpr ncric replay``.
"""

from __future__ import annotations

import json
from functools import partial

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.repositories.ncric import DeliveryFailed
from alpr.runtime import runtime
from alpr.services.ncric import retry_delay_s

logger = Logger(service="ncric")
queue_processor = BatchProcessor(event_type=EventType.SQS)


def _deliver(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if "error_report_id" in message:
        report_id = str(message["error_report_id"])
        subject: dict[str, object] = {"error_report_id": report_id}
        send = partial(runtime().ncric.deliver_error_report, report_id, str(message["record_id"]))
    else:
        read_id = str(message["read_id"])
        subject = {"read_id": read_id}
        send = partial(runtime().ncric.deliver, read_id)
    try:
        outcome = send()
    except DeliveryFailed as failed:
        attempt = int(record.attributes.approximate_receive_count or 1)
        delay = retry_delay_s(runtime().settings.ncric_retry_base_s, attempt)
        details = {**subject, "attempt": attempt, "retry_in_s": delay, "error": str(failed)}
        logger.warning("NCRIC delivery failed", extra=details)
        runtime().repos.ncric_queue.retry_later(record.receipt_handle, delay)
        raise
    logger.info("NCRIC delivery", extra={**subject, "outcome": outcome.value})


@logger.inject_lambda_context
@logger.inject_lambda_context
def deliver(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_deliver, processor=queue_processor, context=context)
