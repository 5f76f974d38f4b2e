"""The agency registry (with its insert-only change history) and the file of share requests."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from alpr import schema
from alpr.domain.errors import Conflict
from alpr.domain.sharing import Agency, AgencyChange, RequestStatus, ShareRequest
from alpr.repositories.dynamo import from_item, put_if_absent, query_all, scan_all, to_item, written_if


def _condition_failed(exc: ClientError) -> bool:
    reasons = exc.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)


class AgencyRepository:
    def __init__(self, agencies: Any, changes: Any) -> None:
        self._agencies = agencies
        self._changes = changes

    def get(self, ori: str) -> Agency | None:
        item = self._agencies.get_item(Key={"ori": ori}, ConsistentRead=True).get("Item")
        return from_item(Agency, item) if item else None

    def all(self) -> list[Agency]:
        return sorted((from_item(Agency, i) for i in scan_all(self._agencies)), key=lambda a: a.ori)

    def save(self, agency: Agency, change: AgencyChange, expected_updated_at: str | None) -> None:
        """The agency and its change record land together or not at all; a concurrent edit is refused."""
        if expected_updated_at is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(ori)"}
        else:
            condition = {
                "ConditionExpression": "updated_at = :seen",
                "ExpressionAttributeValues": {":seen": expected_updated_at},
            }
        # The resource's client serializes plain Python values, as Table.put_item does.
        client = self._agencies.meta.client
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._agencies.name, "Item": to_item(agency), **condition}},
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
            if _condition_failed(exc):
                raise Conflict(
                    f"agency {agency.ori} already exists"
                    if expected_updated_at is None
                    else f"agency {agency.ori} was changed by someone else meanwhile; look again and retry"
                ) from exc
            raise

    def history(self, ori: str) -> list[AgencyChange]:
        items = query_all(self._changes, KeyConditionExpression=Key("ori").eq(ori))
        return [from_item(AgencyChange, i) for i in items]


class ShareRequestRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, request: ShareRequest) -> None:
        if not put_if_absent(self._table, request, "request_id"):
            raise Conflict(f"request {request.request_id} already exists")

    def get(self, request_id: str) -> ShareRequest | None:
        item = self._table.get_item(Key={"request_id": request_id}, ConsistentRead=True).get("Item")
        return from_item(ShareRequest, item) if item else None

    def decide(self, decided: ShareRequest) -> bool:
        """Writes an approval or denial only over a pending request: two captains cannot both decide it."""
        return written_if(
            self._table.put_item,
            Item=to_item(decided),
            ConditionExpression="#s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":pending": RequestStatus.PENDING.value},
        )

    def with_status(self, status: RequestStatus) -> list[ShareRequest]:
        index = schema.SHARE_REQUESTS.index("by_status")
        items = query_all(self._table, IndexName=index.name, KeyConditionExpression=Key("status").eq(status.value))
        return [from_item(ShareRequest, i) for i in items]

    def for_agency(self, ori: str) -> list[ShareRequest]:
        index = schema.SHARE_REQUESTS.index("by_agency")
        items = query_all(self._table, IndexName=index.name, KeyConditionExpression=Key("ori").eq(ori))
        return [from_item(ShareRequest, i) for i in items]

    def all(self) -> list[ShareRequest]:
        return sorted((from_item(ShareRequest, i) for i in scan_all(self._table)), key=lambda r: r.filed_at)
