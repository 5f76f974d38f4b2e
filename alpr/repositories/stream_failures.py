"""On-failure records of the stream event source mappings, in the images bucket under ``aws/lambda/``, where
Lambda writes them (AWS) or the local stack's and the rehearsal's stream pollers do (same shape and key)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from alpr import schema
from alpr.domain.stream_failures import StreamFailure, invocation_record, object_key


class StreamFailureStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def park(
        self,
        mapping_id: str,
        function_arn: str,
        stream_arn: str,
        shard_id: str,
        records: list[dict[str, Any]],
        attempts: int,
        when: datetime,
    ) -> str:
        """What Lambda does when it gives up on a batch: writes the invocation record with the batch in it."""
        key = object_key(mapping_id, shard_id, when)
        record = invocation_record(function_arn, stream_arn, shard_id, records, attempts, when)
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=json.dumps(record).encode(), ContentType="application/json"
        )
        return key

    def kept(self) -> Iterator[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=schema.BUCKET.stream_failures
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def get(self, key: str) -> StreamFailure:
        body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return StreamFailure.parse(key, json.loads(body))

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)
