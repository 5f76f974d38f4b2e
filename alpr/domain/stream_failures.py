"""A stream event source mapping's on-failure record, as Lambda writes it to an S3 destination.

Lambda's record holds the failed invocation's metadata (``requestContext``, ``responseContext``,
``DDBStreamBatchInfo``: shard, first and last sequence numbers, batch size, stream ARN) and, for an S3 destination
only, the invocation's ``payload``: the batch itself (AWS Lambda Developer Guide, "Retaining discarded records for
a DynamoDB event source in Lambda"; an SQS or SNS destination gets the metadata alone, and the stream forgets the
records after 24 hours). The local stack and the rehearsal write the same shape, so one replay reads both.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alpr import schema


def object_key(mapping_id: str, shard_id: str, when: datetime) -> str:
    """``aws/lambda/<mapping UUID>/<shard id>/yyyy/mm/dd/<yyyy-mm-ddThh.mm.ss>-<uuid>``, as Lambda names them."""
    return (
        f"{schema.BUCKET.stream_failures}{mapping_id}/{shard_id}/{when:%Y/%m/%d}/"
        f"{when:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
    )


def invocation_record(
    function_arn: str, stream_arn: str, shard_id: str, records: list[dict[str, Any]], attempts: int, when: datetime
) -> dict[str, Any]:
    """The record Lambda writes when it gives up on ``records`` (retries exhausted)."""
    sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
    return {
        "version": "1.0",
        "timestamp": when.isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": sequence[0],
            "endSequenceNumber": sequence[-1],
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
        "payload": json.dumps({"Records": records}, default=str),
    }


@dataclass(frozen=True)
class StreamFailure:
    key: str
    function_name: str
    event: dict[str, Any]
    condition: str

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.event.get("Records", []))

    @classmethod
    def parse(cls, key: str, record: dict[str, Any]) -> StreamFailure:
        context = record.get("requestContext", {})
        payload = record.get("payload")
        if payload is None:
            raise ValueError(f"{key}: no payload (only an S3 destination keeps the batch)")
        event = json.loads(payload) if isinstance(payload, str) else dict(payload)
        function_name = str(context.get("functionArn", "")).split(":")[6] if context.get("functionArn") else ""
        return cls(key, function_name, event, str(context.get("condition", "")))
