"""The images bucket: frames go in with their metadata and come out for OCR and for viewing."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from alpr import schema
from alpr.domain.records import FrameMetadata

_METADATA_KEY = "alpr-frame"
# "Amazon S3 limits the size of user-defined metadata within the PUT request header to 2 KB", measured as the
# UTF-8 bytes of every key and value (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html).
METADATA_LIMIT_BYTES = 2048


def frame_metadata(meta: FrameMetadata) -> dict[str, str]:
    """The frame's user-defined metadata; over S3's limit is a bug in what we let in, caught before the PUT."""
    value = meta.model_dump_json(exclude_none=True)
    size = len(_METADATA_KEY.encode()) + len(value.encode())
    if size > METADATA_LIMIT_BYTES:
        raise ValueError(f"frame metadata is {size} bytes, over S3's {METADATA_LIMIT_BYTES}-byte limit")
    return {_METADATA_KEY: value}


class ImageStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def put_frame(self, key: str, data: bytes, content_type: str, meta: FrameMetadata) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
            Metadata=frame_metadata(meta),
        )

    def get_frame(self, key: str) -> tuple[bytes, FrameMetadata | None]:
        response = self._s3.get_object(Bucket=self._bucket, Key=key)
        raw = response.get("Metadata", {}).get(_METADATA_KEY)
        meta = FrameMetadata.model_validate_json(raw) if raw else None
        return response["Body"].read(), meta

    def get_bytes(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def head(self, key: str) -> dict[str, Any]:
        return self._s3.head_object(Bucket=self._bucket, Key=key)

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def delete_all_versions(self, key: str) -> bool:
        """Deletes every version of the object; False when Object Lock (a legal hold) refuses it."""
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=key):
            for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
                if version["Key"] != key:
                    continue
                try:
                    self._s3.delete_object(Bucket=self._bucket, Key=key, VersionId=version["VersionId"])
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") == "AccessDenied":
                        return False
                    raise
        return True

    def delete_object(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)

    def presigned_upload(self, key: str, content_type: str, meta: FrameMetadata) -> str:
        return self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentType": content_type,
                "Metadata": frame_metadata(meta),
            },
            ExpiresIn=schema.PRESIGNED_URL_TTL_S,
        )

    def presigned_view(self, key: str, expires_s: int = schema.PRESIGNED_URL_TTL_S) -> str:
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_s
        )
