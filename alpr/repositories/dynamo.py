"""Conversions between pydantic records and DynamoDB items, shared by every repository."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.conditions import ConditionBase
from botocore.exceptions import ClientError
from pydantic import BaseModel

RecordT = TypeVar("RecordT", bound=BaseModel)


def to_item(record: BaseModel) -> dict[str, Any]:
    """Numbers become Decimal as DynamoDB wants; absent values are left out so sparse indexes stay sparse."""
    plain = record.model_dump(mode="json", exclude_none=True)
    return json.loads(json.dumps(plain), parse_float=Decimal, parse_int=Decimal)


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, set):
        return sorted(plain(v) for v in value)
    return value


def from_item(model: type[RecordT], item: dict[str, Any]) -> RecordT:
    return model.model_validate(plain(item))


def is_conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def is_transaction_cancelled(exc: ClientError) -> bool:
    """A TransactWriteItems refused as a whole (a condition failed, or another transaction got there first)."""
    return exc.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def written_if(write: Callable[..., Any], **request: Any) -> bool:
    """Runs one conditional write (put_item, update_item, delete_item): True when it was written, False when
    its condition did not hold (another writer got there first, or a retry found its own work done)."""
    try:
        write(**request)
    except ClientError as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True


def put_if_absent(table: Any, record: BaseModel, key_name: str) -> bool:
    """True when written, False when an item with the same key was already there (a retry)."""
    return put_item_if_absent(table, to_item(record), key_name)


def put_item_if_absent(table: Any, item: dict[str, Any], key_name: str) -> bool:
    return written_if(table.put_item, Item=item, ConditionExpression=f"attribute_not_exists({key_name})")


def query_all(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Follows LastEvaluatedKey so callers never see a silently truncated page."""
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_all(
    table: Any, filter_expression: ConditionBase | None = None, consistent: bool = False
) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"ConsistentRead": True} if consistent else {}
    if filter_expression is not None:
        kwargs["FilterExpression"] = filter_expression
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
