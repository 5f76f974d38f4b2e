"""Reading a queue to the end: every message SQS hands out, batch after batch, until a receive comes back empty.

Each message stays hidden for ``visibility_s`` once handed out, so a caller that keeps a message (does not
delete it) does not see it again in the same pass; choose a visibility longer than the pass takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def received_until_empty(sqs: Any, queue_url: str, visibility_s: int | None = None) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {"QueueUrl": queue_url, "MaxNumberOfMessages": 10}
    if visibility_s is not None:
        request["VisibilityTimeout"] = visibility_s
    while True:
        batch = sqs.receive_message(**request).get("Messages", [])
        if not batch:
            return
        yield from batch
