"""Seals of the access-record chain, stored outside the table under S3 Object Lock (compliance mode).

One object per UTC day, ``<BucketLayout.access_seals><day>.json``, holding the day's record count and the hash
of its last record (an empty day is sealed as empty), plus ``chain-began.json``, the first day sealing covers.
In compliance mode nobody, the account root included, can delete or overwrite a version before its retention
date (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-modes);
a later PutObject only adds a version, and a DELETE without a version id only adds a delete marker, so the
reader lists every version of a seal's key and reports anything but a single version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alpr.schema import BUCKET

GENESIS_NAME = "chain-began.json"


@dataclass(frozen=True)
class StoredSeal:
    body: dict[str, Any]
    version_id: str
    # Versions and delete markers beyond the first: someone tried to overwrite or hide the seal.
    later_versions: int = 0
    hidden: bool = False


class AccessSealStore:
    def __init__(self, s3: Any, bucket: str, prefix: str = BUCKET.access_seals) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix

    def key(self, day: str) -> str:
        return f"{self._prefix}{day}.json"

    @property
    def genesis_key(self) -> str:
        return f"{self._prefix}{GENESIS_NAME}"

    def put(self, key: str, body: dict[str, Any], retain_until: datetime) -> str:
        response = self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(body, sort_keys=True).encode(),
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=retain_until,
        )
        return str(response.get("VersionId", ""))

    def get(self, key: str) -> StoredSeal | None:
        """The first version ever written under the key, with what was done to the key since."""
        versions: list[dict[str, Any]] = []
        markers: list[dict[str, Any]] = []
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=key):
            versions += [v for v in page.get("Versions", []) if v["Key"] == key]
            markers += [m for m in page.get("DeleteMarkers", []) if m["Key"] == key]
        if not versions:
            return None
        first = min(versions, key=lambda v: v["LastModified"])
        data = self._s3.get_object(Bucket=self._bucket, Key=key, VersionId=first["VersionId"])["Body"].read()
        return StoredSeal(
            json.loads(data),
            first["VersionId"],
            later_versions=len(versions) - 1,
            hidden=any(m["IsLatest"] for m in markers),
        )

    def retention_of(self, key: str) -> tuple[str | None, datetime | None]:
        """moto does not implement GetObjectRetention; HeadObject carries the same two fields."""
        head = self._s3.head_object(Bucket=self._bucket, Key=key)
        return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")

    def sealed_days(self) -> list[str]:
        days = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self._prefix) :]
                if name != GENESIS_NAME and name.endswith(".json"):
                    days.append(name.removesuffix(".json"))
        return sorted(days)
