"""Invokes handler functions in-process with the event shapes and context that Lambda gives them."""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alpr import schema

Handler = Callable[[dict, Any], Any]


@dataclass
class LocalContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 30
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-west-2:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self._started)) * 1000))


def load_handler(dotted: str) -> Handler:
    module, _, name = dotted.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def invoke(handler: Handler, event: dict, function_name: str) -> Any:
    """With the deployed function's timeout, so handlers that watch their remaining time behave as in AWS."""
    timeouts = {spec.name: spec.timeout_s for spec in schema.FUNCTIONS}
    return handler(event, LocalContext(function_name=function_name, timeout_s=timeouts.get(function_name, 30)))


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def stream_event(records: list[dict], stream_arn: str) -> dict:
    return {"Records": [{**r, "eventSourceARN": stream_arn} for r in records]}


def failed_item_ids(result: Any) -> set[str]:
    """Powertools' partial batch response: the ids (message ids or sequence numbers) to deliver again."""
    if not isinstance(result, dict):
        return set()
    return {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
