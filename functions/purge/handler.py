"""Purge (policy 418.5), invoked three ways:

- the daily EventBridge schedule: plans the run, then purges inline or fans out one asynchronous
  invocation of itself per parallel-scan segment;
- a segment invocation ``{"segment": i, "total_segments": n, "run_id": ...}``: purges that segment and,
  when 15 minutes are not enough, invokes itself again with ``resume_key``;
- the reads table's stream, filtered to TTL removals (REMOVE by ``dynamodb.amazonaws.com``): removes
  the image, alerts and ledger entry of a read DynamoDB deleted itself.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr import schema
from alpr.domain.records import PlateRead
from alpr.repositories.dynamo import plain
from alpr.runtime import runtime
from alpr.services.purge import PurgeReport, plan_segments

logger = Logger(service="purge")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


@cache
def _lambda() -> Any:
    return boto3.client("lambda")


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


def _continue(context: LambdaContext, payload: dict[str, Any]) -> None:
    _lambda().invoke(
        FunctionName=context.invoked_function_arn, InvocationType="Event", Payload=json.dumps(payload).encode()
    )


def _log(report: PurgeReport) -> dict[str, Any]:
    summary = report.summary()
    logger.info("purge run finished", **summary)
    return summary


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    if "Records" in event:
        return dict(
            process_partial_response(event=event, record_handler=_purge_removed, processor=processor, context=context)
        )
    purge = runtime().purge
    if "purge_read_ids" in event:  # reads a hold released past their date
        return _log(purge.purge_read_ids([str(i) for i in event["purge_read_ids"]]))
    if "segment" in event:
        report = purge.run(
            segment=int(event["segment"]),
            total_segments=int(event["total_segments"]),
            start_key=event.get("resume_key"),
            deadline_ms=context.get_remaining_time_in_millis(),
            run_id=event.get("run_id"),
        )
        if not report.complete:
            _continue(context, {**event, "resume_key": report.resume_key})
        return _log(report)
    read_count = (
        runtime()
        .repos.dynamodb.meta.client.describe_table(TableName=runtime().settings.table_name(schema.READS))["Table"]
        .get("ItemCount", 0)
    )
    segments = plan_segments(int(read_count))
    run_id = uuid.uuid4().hex[:12]
    if segments == 1:
        report = purge.run(deadline_ms=context.get_remaining_time_in_millis(), run_id=run_id)
        if not report.complete:
            _continue(context, {"segment": 0, "total_segments": 1, "run_id": run_id, "resume_key": report.resume_key})
        return _log(report)
    for segment in range(segments):
        _continue(context, {"segment": segment, "total_segments": segments, "run_id": run_id})
    logger.info("purge fanned out", run_id=run_id, segments=segments, reads=read_count)
    return {"run_id": run_id, "segments": segments, "reads": read_count}
