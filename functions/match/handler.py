"""Matches each new read, from the reads table's stream, against the hotlist and raises alerts; and queues each
new vehicle read for NCRIC (418.5). One reader does both: DynamoDB Streams throttles more than two readers of a
shard ("ThrottlingException ... more than two processes are reading from the same stream shard", DynamoDB
Streams API), and the purge's TTL-removal reader is the other."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.domain.records import PlateRead
from alpr.repositories.dynamo import plain
from alpr.runtime import runtime

logger = Logger(service="match")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _match_read(record: DynamoDBRecord) -> None:
    """A new read is matched on its own plate; a read that joins a sighting, on the sighting's consensus."""
    event = record.event_name.name if record.event_name is not None else None
    if event not in ("INSERT", "MODIFY") or record.dynamodb is None:
        return
    read = PlateRead.model_validate(plain(record.dynamodb.new_image))
    if event == "INSERT":
        # First, so a read is on its way to NCRIC even if matching it fails (forwarding it twice is harmless:
        # delivery skips a read NCRIC already acknowledged).
        runtime().ncric.enqueue([read])
        alerts = runtime().match.on_new_read
    elif read.sighting_id != plain(record.dynamodb.old_image or {}).get("sighting_id"):
        alerts = runtime().match.on_sighting_joined
    else:  # a hold, a release, a correction: nothing new to match
        return
    logger.set_correlation_id(read.correlation_id or None)
    logger.append_keys(read_id=read.read_id)
    for alert in alerts(read):
        logger.info("alert raised", alert_id=alert.alert_id, match=alert.match_kind, reason=alert.reason.value)


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_match_read, processor=processor, context=context)
