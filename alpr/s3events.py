"""S3 event notifications as they arrive through SQS: keys come URL-encoded, test events carry none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class ObjectRef:
    """One created object version; (bucket, key, version_id, etag) names the same bytes however often S3
    announces them, which is what makes it an idempotency key."""

    bucket: str
    key: str
    version_id: str = ""
    etag: str = ""


def object_refs(sqs_body: str) -> Iterator[ObjectRef]:
    """Each ObjectCreated record of the message; S3's setup ``s3:TestEvent`` yields nothing."""
    message = json.loads(sqs_body)
    for record in message.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        obj = s3["object"]
        yield ObjectRef(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(obj["key"]),
            version_id=str(obj.get("versionId") or ""),
            etag=str(obj.get("eTag") or ""),
        )


def object_keys(sqs_body: str) -> Iterator[tuple[str, str]]:
    """(bucket, key) for each ObjectCreated record."""
    for ref in object_refs(sqs_body):
        yield ref.bucket, ref.key
