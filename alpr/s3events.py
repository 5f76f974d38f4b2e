"""S3 event notifications as they arrive through SQS: keys come URL-encoded, test events carry none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote_plus


def object_keys(sqs_body: str) -> Iterator[tuple[str, str]]:
    """(bucket, key) for each ObjectCreated record; S3's setup ``s3:TestEvent`` yields nothing."""
    message = json.loads(sqs_body)
    for record in message.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        yield s3["bucket"]["name"], unquote_plus(s3["object"]["key"])
