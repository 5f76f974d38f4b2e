"""Storage for audits and administration: the audits index (drafts until finalized), the administration
log, and time-ranged reads of the tables the audits summarize."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from alpr.domain.errors import Conflict, NotFound
from alpr.domain.quarterly import AuditStatus, QuarterlyAudit
from alpr.repositories.dynamo import (
    from_item,
    is_transaction_cancelled,
    plain,
    put_if_absent,
    query_all,
    scan_all,
    to_item,
    written_if,
)
from alpr.repositories.retention import to_item_from_mapping

MAX_TRANSACTION_ITEMS = 100


class AuditRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, audit: QuarterlyAudit) -> None:
        if not put_if_absent(self._table, audit, "audit_id"):
            raise Conflict(f"audit {audit.audit_id} already exists")

    def get(self, audit_id: str) -> QuarterlyAudit:
        item = self._table.get_item(Key={"audit_id": audit_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(f"no audit {audit_id}")
        return from_item(QuarterlyAudit, item)

    def replace(self, before: QuarterlyAudit, after: QuarterlyAudit) -> None:
        """Only over the draft it was read from: a finalized audit, or one changed meanwhile, is refused."""
        if not written_if(
            self._table.put_item,
            Item=to_item(after),
            ConditionExpression=Attr("revision").eq(Decimal(before.revision))
            & Attr("status").eq(AuditStatus.DRAFT.value),
        ):
            raise Conflict(f"audit {before.audit_id} was finalized or changed meanwhile; reload it")

    def finalize(self, before: QuarterlyAudit, final: QuarterlyAudit, other_draw_ids: Iterable[str]) -> None:
        """Over the draft it was read from, and only while every other draw of its quarter is still a draft:
        two auditors finalizing two draws of one quarter at the same moment cannot both succeed."""
        is_draft = {
            "ConditionExpression": "#s = :draft",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":draft": AuditStatus.DRAFT.value},
        }
        still_drafts = [
            {"ConditionCheck": {"TableName": self._table.name, "Key": {"audit_id": audit_id}, **is_draft}}
            for audit_id in other_draw_ids
        ]
        if len(still_drafts) >= MAX_TRANSACTION_ITEMS:
            raise Conflict(
                f"{before.quarter} has {len(still_drafts)} other draws; "
                f"at most {MAX_TRANSACTION_ITEMS - 1} can be checked at once"
            )
        written = {
            "TableName": self._table.name,
            "Item": to_item(final),
            "ConditionExpression": "revision = :seen AND #s = :draft",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":seen": Decimal(before.revision), ":draft": AuditStatus.DRAFT.value},
        }
        try:
            # The resource's client serializes plain Python values, as Table.put_item does.
            self._table.meta.client.transact_write_items(TransactItems=[{"Put": written}, *still_drafts])
        except ClientError as exc:
            if is_transaction_cancelled(exc):
                raise Conflict(
                    f"audit {before.audit_id}, or another draw of {before.quarter}, was finalized or changed "
                    "meanwhile; reload it"
                ) from None
            raise

    def all(self) -> list[QuarterlyAudit]:
        audits = (from_item(QuarterlyAudit, i) for i in scan_all(self._table, consistent=True))
        return sorted(audits, key=lambda a: (a.quarter, a.created_at))


class AdminLogRepository:
    """Append-only (IAM: PutItem and reads): designations, camera changes, error reports."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def append(self, kind: str, at: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        record = {"kind": kind, "record_id": f"{at}#{uuid.uuid4().hex[:12]}", "at": at, **fields}
        if not written_if(
            self._table.put_item,
            Item=to_item_from_mapping(record),
            ConditionExpression="attribute_not_exists(record_id)",
        ):
            raise Conflict(f"administration record {record['record_id']} already exists")
        return record

    def of_kind(self, kind: str, start: str | None = None, end: str | None = None) -> list[dict[str, Any]]:
        condition: ConditionBase = Key("kind").eq(kind)
        if start is not None and end is not None:
            # record_id is "<at>#<suffix>": "<end>#..." sorts after "<end>", so this is [start, end).
            condition = condition & Key("record_id").between(start, end)
        return [plain(i) for i in query_all(self._table, KeyConditionExpression=condition, ConsistentRead=True)]

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"kind": kind, "record_id": record_id}, ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def latest(self, kind: str) -> dict[str, Any] | None:
        page = self._table.query(KeyConditionExpression=Key("kind").eq(kind), ScanIndexForward=False, Limit=1)
        items = page.get("Items", [])
        return plain(items[0]) if items else None


def rows_between(table: Any, time_attribute: str, start: str, end: str) -> list[dict[str, Any]]:
    """Items whose ``time_attribute`` (ISO 8601 UTC text) lies in [start, end), for audits and bundles."""
    condition = Attr(time_attribute).gte(start) & Attr(time_attribute).lt(end)
    rows = [plain(i) for i in scan_all(table, condition, consistent=True)]
    return sorted(rows, key=lambda r: str(r.get(time_attribute, "")))


class AuditArchive:
    """Reads exact versions of locked objects under ``audits/`` (writes go through ImageVersions.put_locked)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def read(self, key: str, version_id: str | None = None) -> bytes:
        kwargs = {"VersionId": version_id} if version_id else {}
        body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key, **kwargs)["Body"].read()
        return body


class ReadCorrections:
    """Marks a read corrected after an error report; the plate as read stays, for the record."""

    def __init__(self, reads: Any) -> None:
        self._reads = reads

    def mark(self, read_id: str, corrected_plate: str, report_id: str) -> None:
        if not written_if(
            self._reads.update_item,
            Key={"read_id": read_id},
            UpdateExpression="SET corrected_plate = :plate, correction_id = :report",
            ConditionExpression=Attr("read_id").exists(),
            ExpressionAttributeValues={":plate": corrected_plate, ":report": report_id},
        ):
            raise NotFound(f"no read {read_id}")


def projected_since(table: Any, attributes: list[str], time_attribute: str, since: str) -> list[dict[str, Any]]:
    """Only the named attributes of items with ``time_attribute >= since``: counting, never showing."""
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    by_name = {name: alias for alias, name in names.items()}
    kwargs: dict[str, Any] = {
        "ProjectionExpression": ", ".join(names),
        "FilterExpression": f"{by_name[time_attribute]} >= :since",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":since": since},
    }
    rows: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        rows += [plain(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
