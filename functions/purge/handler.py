"""Purge (policy 418.5), invoked three ways:

- the daily EventBridge schedule: plans the run from the reads table's size, then purges inline (one
  segment) or queues one message per parallel-scan segment on the purge-work queue;
- a purge-work message (``PurgeWork``, one per SQS batch): purges that segment until its time is nearly up,
  then queues the rest of the segment as a new message; every invocation writes a report under the run's id;
- the reads table's stream, filtered to TTL removals (REMOVE by ``dynamodb.amazonaws.com``): removes
  the image, alerts and ledger entry of a read DynamoDB deleted itself.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr import schema
from alpr.domain.records import PlateRead
from alpr.repositories.dynamo import plain
from alpr.runtime import runtime
from alpr.services.purge import PurgeReport, PurgeWork

logger = Logger(service="purge")
stream_processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
work_processor = BatchProcessor(event_type=EventType.SQS)
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


def is_ttl_removal(record: dict[str, Any]) -> bool:
    """The same test as the event source mapping's filter, for callers that deliver unfiltered."""
    identity = record.get("userIdentity") or {}
    return record.get("eventName") == "REMOVE" and identity.get("principalId") == TTL_PRINCIPAL


def _purge_removed(record: DynamoDBRecord) -> None:
    if not is_ttl_removal(record.raw_event) or record.dynamodb is None or not record.dynamodb.old_image:
        return
    read = PlateRead.model_validate(plain(record.dynamodb.old_image))
    report = runtime().purge.purge_removed(read)
    if report.failures:
        raise RuntimeError(f"purge of TTL-removed read {read.read_id} failed: {report.failures}")


def _log(report: PurgeReport) -> dict[str, Any]:
    summary = report.summary()
    logger.info("purge run finished", **summary)
    return summary


def _run(work: PurgeWork, context: LambdaContext) -> PurgeReport:
    """Purges until the invocation's time is nearly up, then queues the rest of the segment."""
    purge = runtime().purge
    report = purge.run_work(work, deadline_ms=context.get_remaining_time_in_millis())
    rest = purge.continuation(work, report)
    if rest is not None:
        runtime().repos.purge_queue.send([rest.model_dump_json()])
    _log(report)
    return report


def _purge_work(record: SQSRecord, context: LambdaContext) -> None:
    _run(PurgeWork.model_validate_json(record.body), context)


def _start_run(context: LambdaContext) -> dict[str, Any]:
    repos = runtime().repos
    table = repos.dynamodb.meta.client.describe_table(TableName=runtime().settings.table_name(schema.READS))
    read_count = int(table["Table"].get("ItemCount", 0))
    works = runtime().purge.plan(read_count)
    if len(works) == 1:
        return _run(works[0], context).summary()
    repos.purge_queue.send(w.model_dump_json() for w in works)
    logger.info("purge fanned out", run_id=works[0].run_id, segments=len(works), reads=read_count)
    return {"run_id": works[0].run_id, "run_prefix": works[0].run_prefix, "segments": len(works), "reads": read_count}


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:sqs":
        return dict(
            process_partial_response(
                event=event,
                record_handler=lambda record: _purge_work(record, context),
                processor=work_processor,
                context=context,
            )
        )
    if records:
        return dict(
            process_partial_response(
                event=event, record_handler=_purge_removed, processor=stream_processor, context=context
            )
        )
    if "purge_read_ids" in event:  # reads a hold released past their date
        return _log(runtime().purge.purge_read_ids([str(i) for i in event["purge_read_ids"]]))
    return _start_run(context)
