"""Hotlist storage: manual entries with their change history, list versions with the pointer to the
snapshots in force, snapshot objects in the bucket, and alert mutes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from alpr import schema
from alpr.domain.alerts import EVERYONE, Mute
from alpr.domain.errors import Conflict
from alpr.domain.hotlist.entries import HotlistChange, HotlistEntry
from alpr.domain.hotlist.imports import UploadStatus, UploadTicket
from alpr.repositories.dynamo import (
    from_item,
    is_transaction_cancelled,
    plain,
    query_all,
    scan_all,
    to_item,
    written_if,
)


class HotlistEntryRepository:
    """An entry and the record of its change are written in one transaction: no change goes unrecorded.

    (The table resource's client takes plain Python values in transactions, as the resource API does.)
    """

    def __init__(self, entries: Any, changes: Any) -> None:
        self._entries = entries
        self._changes = changes
        self._client = entries.meta.client

    def _write(self, entry: HotlistEntry, change: HotlistChange, condition: dict[str, Any]) -> None:
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._entries.name, "Item": to_item(entry), **condition}},
                    {
                        "Put": {
                            "TableName": self._changes.name,
                            "Item": to_item(change),
                            "ConditionExpression": "attribute_not_exists(change_id)",
                        }
                    },
                ]
            )
        except ClientError as exc:
            if is_transaction_cancelled(exc):
                raise Conflict(f"entry {entry.entry_id} was changed by someone else meanwhile; try again") from None
            raise

    def add(self, entry: HotlistEntry, change: HotlistChange) -> None:
        self._write(entry, change, {"ConditionExpression": "attribute_not_exists(entry_id)"})

    def replace(self, before: HotlistEntry, after: HotlistEntry, change: HotlistChange) -> None:
        self._write(
            after,
            change,
            {
                "ConditionExpression": "revision = :seen",
                "ExpressionAttributeValues": {":seen": Decimal(before.revision)},
            },
        )

    def get(self, entry_id: str) -> HotlistEntry | None:
        item = self._entries.get_item(Key={"entry_id": entry_id}, ConsistentRead=True).get("Item")
        return from_item(HotlistEntry, item) if item else None

    def all(self) -> list[HotlistEntry]:
        entries = (from_item(HotlistEntry, i) for i in scan_all(self._entries, consistent=True))
        return sorted(entries, key=lambda e: e.entered_at)

    def history(self, entry_id: str) -> list[HotlistChange]:
        items = query_all(self._changes, KeyConditionExpression=Key("entry_id").eq(entry_id))
        return [from_item(HotlistChange, i) for i in items]


class HotlistVersionRepository:
    """List versions and the pointer item naming the snapshots in force."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def _ensure_pointer(self) -> None:
        written_if(
            self._table.put_item,
            # The epoch tells matchers apart a recreated pointer whose generation happens to repeat.
            Item={**schema.HOTLIST_POINTER_KEY, "lists": {}, "counter": 0, "generation": 0, "epoch": uuid.uuid4().hex},
            ConditionExpression="attribute_not_exists(list_name)",
        )

    def pointer(self) -> dict[str, Any]:
        item = self._table.get_item(Key=schema.HOTLIST_POINTER_KEY, ConsistentRead=True).get("Item")
        return plain(item) if item else {"lists": {}, "generation": 0}

    def next_number(self) -> int:
        """A number no other caller gets: orders list versions and manual snapshot builds."""
        self._ensure_pointer()
        response = self._table.update_item(
            Key=schema.HOTLIST_POINTER_KEY,
            UpdateExpression="ADD #c :one",
            ExpressionAttributeNames={"#c": "counter"},
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["counter"])

    def put_version(self, report: dict[str, Any]) -> None:
        self._table.put_item(Item=plain_to_item(report))

    def versions(self, list_name: str) -> list[dict[str, Any]]:
        items = query_all(self._table, KeyConditionExpression=Key("list_name").eq(list_name), ScanIndexForward=False)
        return [plain(i) for i in items]

    def version(self, list_name: str, version: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"list_name": list_name, "version": version}).get("Item")
        return plain(item) if item else None

    def swap_list(self, list_name: str, in_force: dict[str, Any]) -> bool:
        """Points matchers at a new list version in one conditional write; False if a newer one is there."""
        self._ensure_pointer()
        return self._conditional_set(
            "SET lists.#n = :v ADD generation :one",
            "attribute_not_exists(lists.#n) OR lists.#n.#num < :num",
            {"#n": list_name, "#num": "number"},
            {":v": plain_to_item(in_force), ":num": in_force["number"], ":one": 1},
        )

    def swap_manual(self, in_force: dict[str, Any]) -> bool:
        self._ensure_pointer()
        return self._conditional_set(
            "SET manual = :v ADD generation :one",
            "attribute_not_exists(manual) OR manual.#num < :num",
            {"#num": "number"},
            {":v": plain_to_item(in_force), ":num": in_force["number"], ":one": 1},
        )

    # --- upload tickets (their own partition per list: schema.hotlist_uploads_partition) ----------------------

    def put_upload(self, ticket: UploadTicket) -> None:
        self._table.put_item(
            Item=plain_to_item(_upload_item(ticket)), ConditionExpression="attribute_not_exists(version)"
        )

    def upload(self, list_name: str, upload_id: str) -> UploadTicket | None:
        key = {"list_name": schema.hotlist_uploads_partition(list_name), "version": upload_id}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return _ticket(plain(item)) if item else None

    def start_upload_import(self, list_name: str, upload_id: str, received_bytes: int) -> bool:
        """Marks the ticket importing; False when its import already finished (S3 announced the file twice)."""
        return written_if(
            self._table.update_item,
            Key={"list_name": schema.hotlist_uploads_partition(list_name), "version": upload_id},
            UpdateExpression="SET #s = :importing, received_bytes = :size",
            ConditionExpression="attribute_exists(version) AND #s IN (:awaiting, :importing)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":importing": UploadStatus.IMPORTING.value,
                ":awaiting": UploadStatus.AWAITING_UPLOAD.value,
                ":size": received_bytes,
            },
        )

    def finish_upload(self, ticket: UploadTicket) -> None:
        self._table.update_item(
            Key={"list_name": schema.hotlist_uploads_partition(ticket.list_name), "version": ticket.upload_id},
            UpdateExpression="SET #s = :s, #v = :v, finished_at = :f, refused_because = :r",
            ExpressionAttributeNames={"#s": "status", "#v": "version_imported"},
            ExpressionAttributeValues={
                ":s": ticket.status.value,
                ":v": ticket.version,
                ":f": ticket.finished_at,
                ":r": ticket.refused_because,
            },
        )

    def _conditional_set(self, update: str, condition: str, names: dict[str, str], values: dict[str, Any]) -> bool:
        return written_if(
            self._table.update_item,
            Key=schema.HOTLIST_POINTER_KEY,
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )


# A ticket's item: the table's keys are (uploads partition of the list, upload id); the ticket's own list name and
# imported version travel under other names.
def _upload_item(ticket: UploadTicket) -> dict[str, Any]:
    fields = ticket.model_dump(mode="json")
    return {
        **fields,
        "list_name": schema.hotlist_uploads_partition(ticket.list_name),
        "version": ticket.upload_id,
        "for_list": ticket.list_name,
        "version_imported": ticket.version,
    }


def _ticket(item: dict[str, Any]) -> UploadTicket:
    return UploadTicket.model_validate(
        {**item, "list_name": item["for_list"], "version": item.get("version_imported", "")}
    )


def plain_to_item(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: plain_to_item(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain_to_item(v) for v in value]
    return value


class SnapshotStore:
    """Snapshot objects under hotlists/snapshots/ in the images bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="application/octet-stream")

    def get(self, key: str) -> bytes:
        data: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return data

    def keys(self, folder: str) -> list[str]:
        """Every snapshot key under one list's folder (hotlists/snapshots/<list>/)."""
        paginator = self._s3.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self._bucket, Prefix=folder)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def delete(self, keys: list[str]) -> None:
        """Deletes the current versions (the bucket is versioned: a lifecycle rule removes the old versions)."""
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            result = self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )
            if result.get("Errors"):
                raise RuntimeError(f"{len(result['Errors'])} old hotlist snapshot(s) could not be deleted")


class MuteRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def put(self, mute: Mute) -> None:
        self._table.put_item(Item=to_item(mute))

    def delete(self, member_id: str, entry_id: str) -> None:
        self._table.delete_item(Key={"member_id": member_id, "entry_id": entry_id})

    def muted_entries(self, member_id: str) -> set[str]:
        """The entries muted for this member, their own mutes and everyone's."""
        muted: set[str] = set()
        for who in {member_id, EVERYONE}:
            muted |= {
                str(i["entry_id"]) for i in query_all(self._table, KeyConditionExpression=Key("member_id").eq(who))
            }
        return muted

    def muted_for_everyone(self, entry_id: str) -> bool:
        return "Item" in self._table.get_item(Key={"member_id": EVERYONE, "entry_id": entry_id})


@dataclass(frozen=True)
class PresignedPost:
    """Where and how to upload: POST ``url`` as multipart/form-data with ``fields`` first and the file last."""

    url: str
    fields: dict[str, str]


class ListUploadStore:
    """Lists uploaded through a presigned POST, under hotlists/uploads/ in the images bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def presigned_post(self, key: str, max_bytes: int, expires_s: int) -> PresignedPost:
        # A POST policy, not a presigned PUT: only a policy's content-length-range makes S3 itself refuse a body
        # over the limit (EntityTooLarge); a presigned PUT signs no size bound
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html).
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_s,
        )
        return PresignedPost(url=str(post["url"]), fields={k: str(v) for k, v in post["fields"].items()})

    def size(self, key: str) -> int:
        return int(self._s3.head_object(Bucket=self._bucket, Key=key)["ContentLength"])

    def get(self, key: str) -> bytes:
        data: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return data
