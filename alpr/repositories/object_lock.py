"""Every version of an image: deleting them in bulk, legal holds, and evidence copies under Object Lock."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from alpr.domain.records import FrameMetadata
from alpr.repositories.retention import S3_DELETE_BATCH

LOCKED_CODES = frozenset({"AccessDenied", "ObjectLocked"})
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchVersion"})
_FRAME_METADATA = "alpr-frame"  # written by ImageStore.put_frame
# HeadObject requests in flight at once; boto3's default connection pool holds 10.
HEAD_WORKERS = 8
# A delete marker whose version id S3 did not name: the exact-key listing finds it.
_LIST_IT = "?list"


@dataclass
class VersionDeletion:
    deleted_versions: int = 0
    # Keys with a version that Object Lock kept (a legal hold or a retention date).
    locked: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredEvidence:
    key: str
    version_id: str
    sha256: str
    size: int


class ImageVersions:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def versions(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Version ids (and delete markers) of each key: one listing by the exact key (Prefix=key; longer keys
        that share the prefix are dropped), so the cost follows the key's own versions, not its folder's."""
        found: dict[str, list[str]] = defaultdict(list)
        paginator = self._s3.get_paginator("list_object_versions")
        for key in dict.fromkeys(keys):
            for page in paginator.paginate(Bucket=self._bucket, Prefix=key):
                for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
                    if version["Key"] == key:
                        found[key].append(version["VersionId"])
        return found

    def delete_all_versions(self, keys: Iterable[str]) -> VersionDeletion:
        """Every version and delete marker of each key, without listing: linear in the number of keys.

        A frame's key is written once, so it almost always has one version. HeadObject names the current
        version (or the delete marker on top); DeleteObjects removes those with their version ids, 1000 at a
        time; a second HeadObject confirms that nothing is left. Only a key that still shows a version
        after that (written more than once) is listed, by its exact key. Versions Object Lock protects are
        reported in ``locked``, not raised.
        """
        outcome = VersionDeletion()
        wanted = list(dict.fromkeys(keys))
        first = self._current_versions(wanted, outcome)
        self._delete_versions([(k, v) for k, v in first.items() if v], outcome)
        settled = outcome.locked | {f.split(":", 1)[0] for f in outcome.failures}
        second = self._current_versions([k for k, v in first.items() if v and k not in settled], outcome)
        older = [k for k, v in second.items() if v]
        if older:
            self._delete_versions([(k, v) for k, vs in self.versions(older).items() for v in vs], outcome)
        return outcome

    def _current_versions(self, keys: list[str], outcome: VersionDeletion) -> dict[str, str | None]:
        """The version id on top of each key: the current version, or the delete marker; None when the key
        has no version at all. HeadObject requests run side by side (latency, not CPU, bounds them)."""
        if not keys:
            return {}
        with ThreadPoolExecutor(max_workers=HEAD_WORKERS) as pool:
            found = dict(zip(keys, pool.map(self._version_on_top, keys), strict=True))
        for key, value in list(found.items()):
            if isinstance(value, ClientError):
                error = value.response.get("Error", {})
                outcome.failures.append(f"{key}: {error.get('Code')}: {error.get('Message', '')}")
                found[key] = None
        return {k: v if isinstance(v, str) else None for k, v in found.items()}

    def _version_on_top(self, key: str) -> str | ClientError | None:
        try:
            return str(self._s3.head_object(Bucket=self._bucket, Key=key).get("VersionId") or "null")
        except ClientError as exc:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            if headers.get("x-amz-delete-marker") == "true":
                # S3 names the marker's version; without it, the exact-key listing finds it.
                return str(headers.get("x-amz-version-id") or _LIST_IT)
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                return None
            return exc

    def _delete_versions(self, targets: list[tuple[str, str]], outcome: VersionDeletion) -> None:
        """DeleteObjects with version ids, 1000 at a time."""
        listed = [k for k, v in targets if v == _LIST_IT]
        targets = [(k, v) for k, v in targets if v != _LIST_IT]
        targets += [(k, v) for k, vs in self.versions(listed).items() for v in vs]
        for start in range(0, len(targets), S3_DELETE_BATCH):
            chunk = targets[start : start + S3_DELETE_BATCH]
            response = self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k, "VersionId": v} for k, v in chunk], "Quiet": True},
            )
            errors = response.get("Errors", [])
            outcome.deleted_versions += len(chunk) - len(errors)
            for error in errors:
                if error.get("Code") in LOCKED_CODES:
                    outcome.locked.add(error["Key"])
                else:
                    outcome.failures.append(f"{error['Key']}: {error.get('Code')}: {error.get('Message', '')}")

    def set_legal_hold(self, key: str, on: bool) -> int:
        """On every version of the key; returns how many versions it touched (0: the image is gone)."""
        touched = 0
        for version_id in self.versions([key]).get(key, []):
            try:
                self._s3.put_object_legal_hold(
                    Bucket=self._bucket,
                    Key=key,
                    VersionId=version_id,
                    LegalHold={"Status": "ON" if on else "OFF"},
                )
            except ClientError as exc:
                # A delete marker has no legal hold to set.
                if exc.response.get("Error", {}).get("Code") in MISSING_CODES | {"MethodNotAllowed"}:
                    continue
                raise
            touched += 1
        return touched

    def legally_held(self, key: str, version_id: str | None = None) -> bool:
        kwargs = {"VersionId": version_id} if version_id else {}
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                return False
            raise
        return head.get("ObjectLockLegalHoldStatus") == "ON"

    def read(self, key: str) -> tuple[bytes, str]:
        response = self._s3.get_object(Bucket=self._bucket, Key=key)
        return response["Body"].read(), response.get("ContentType", "application/octet-stream")

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: datetime) -> StoredEvidence:
        """Compliance mode: nobody, the account root included, can delete or shorten it before the date."""
        response = self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=retain_until,
        )
        return StoredEvidence(key, response.get("VersionId", ""), hashlib.sha256(data).hexdigest(), len(data))

    def retention_of(self, key: str) -> tuple[str | None, datetime | None]:
        """moto does not implement GetObjectRetention; HeadObject carries the same two fields."""
        head = self._s3.head_object(Bucket=self._bucket, Key=key)
        return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")

    def oldest_unheld(self, prefix: str) -> tuple[str, datetime | None] | None:
        """The unheld version with the earliest capture time, and that time.

        Frame keys sort by capture date under each camera (``frames/<source>/<camera>/yyyy/mm/dd/<id>``), so
        the oldest unheld image lies in the first day folder holding an unheld version; within that folder
        ids do not follow capture time, so every version there is compared by its capture time, and the
        walk stops at the next folder.
        """
        oldest: tuple[datetime, str] | None = None
        folder: str | None = None
        for version in self._all_versions(prefix):
            key = version["Key"]
            if folder is not None and not key.startswith(folder):
                break
            head = self._s3.head_object(Bucket=self._bucket, Key=key, VersionId=version["VersionId"])
            if head.get("ObjectLockLegalHoldStatus") == "ON":
                continue
            raw = head.get("Metadata", {}).get(_FRAME_METADATA)
            captured_text = FrameMetadata.model_validate_json(raw).captured_at if raw else None
            captured = _parse(captured_text) if captured_text else version["LastModified"]
            folder = key.rsplit("/", 1)[0] + "/"
            if oldest is None or captured < oldest[0]:
                oldest = (captured, key)
        return (oldest[1], oldest[0]) if oldest else None

    def _all_versions(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            yield from page.get("Versions", [])


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
