"""The hash chain over access records (Civil Code § 1798.90.52 records that nobody can quietly change).

Each day's records form one chain. The ``access-chain-heads`` table holds, per day, the sequence number and
hash of the last record appended. An append reads the head, then in one DynamoDB transaction moves the head
(on condition that it has not moved since) and puts the record carrying ``seq``, ``prev_hash`` and ``hash``
(on condition that it is new). A lost race re-reads the head and tries again, so application roles keep
PutItem-only on the access log itself.

The hash covers every attribute of the stored item except ``prev_hash`` and ``hash`` (``seq`` included), so
an attribute edited or added behind the system's back breaks it as surely as a changed value.

Time only moves forward along a chain: an append whose ``at`` is earlier than the head's (the last record's)
or outside the day it is chained in is refused, and ``verify_day`` reports a stored record that breaks either
rule. Two writers stamp their records before they race for the head, so the loser may carry a time a
little earlier than the winner's: ``CONCURRENT_STAMP_SKEW`` allows for that, and nothing more. Days are
anchored outside the table by seals (``alpr.services.access_seals``).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from alpr.clock import parse_timestamp
from alpr.domain.audit import GENESIS, ChainBreak, chain_hash, verify_chain
from alpr.repositories.dynamo import is_transaction_cancelled, plain, query_all, scan_all

LINK_FIELDS = ("prev_hash", "hash")
CHAIN_FIELDS = ("seq", *LINK_FIELDS)
MAX_ATTEMPTS = 50
# How much earlier than its predecessor a record may be stamped: writers racing for the head (each Lambda
# container's clock is NTP-synchronized to well under a second). A back-dated record is refused.
CONCURRENT_STAMP_SKEW = timedelta(seconds=10)


def stamped_before(at: str, previous_at: str) -> bool:
    """``at`` is earlier than ``previous_at`` by more than concurrent writers explain."""
    if not previous_at or at >= previous_at:
        return False
    try:
        return parse_timestamp(previous_at) - parse_timestamp(at) > CONCURRENT_STAMP_SKEW
    except ValueError:
        return True


class AccessRecordExists(RuntimeError):
    pass


class OutOfOrderRecord(RuntimeError):
    """A record stamped earlier than the one before it, or outside its chain's day: back-dated."""


def link_content(item: Mapping[str, Any]) -> dict[str, Any]:
    """What a link's hash covers: the whole stored item but its two link fields."""
    return {k: v for k, v in plain(dict(item)).items() if k not in LINK_FIELDS}


def chained_item(content: Mapping[str, Any], seq: int, previous_hash: str) -> dict[str, Any]:
    """The item to store: the record's fields plus its place in the chain, numbers as Decimal for DynamoDB."""
    hashed = {**content, "seq": seq}
    linked = {**hashed, "prev_hash": previous_hash, "hash": chain_hash(previous_hash, hashed)}
    return dict(json.loads(json.dumps(linked), parse_float=Decimal, parse_int=Decimal))


@dataclass(frozen=True)
class DayVerification:
    day: str
    records: int
    head_seq: int
    problem: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        if self.problem is None:
            return f"{self.day}: intact, {self.records} record(s)"
        p = self.problem
        where = f"at link {p.position + 1} " if p.position >= 0 else ""
        record = f"(record {p.record_id}): " if p.record_id != "-" else ""
        return f"{self.day}: BROKEN {where}{record}{p.problem}"


class AccessChain:
    def __init__(self, log_table: Any, heads_table: Any) -> None:
        self._log = log_table
        self._heads = heads_table
        self._client = log_table.meta.client

    def head(self, day: str) -> tuple[int, str]:
        seq, head_hash, _ = self._head(day)
        return seq, head_hash

    def _head(self, day: str) -> tuple[int, str, str]:
        """The head's sequence number and hash, and the time of the record it names ("" for older heads)."""
        item = self._heads.get_item(Key={"day": day}, ConsistentRead=True).get("Item")
        return (int(item["seq"]), str(item["hash"]), str(item.get("at", ""))) if item else (0, GENESIS, "")

    def append(self, day: str, content: Mapping[str, Any], key_name: str) -> dict[str, Any]:
        """Appends one record to the day's chain; returns the stored item."""
        at = str(content.get("at", ""))
        if not at.startswith(day):
            raise OutOfOrderRecord(f"a record stamped {at} does not belong to the chain of {day}")
        for attempt in range(MAX_ATTEMPTS):
            seq, previous_hash, previous_at = self._head(day)
            if stamped_before(at, previous_at):
                raise OutOfOrderRecord(f"a record stamped {at} is earlier than the last one of {day} ({previous_at})")
            item = chained_item(content, seq + 1, previous_hash)
            try:
                self._client.transact_write_items(
                    TransactItems=[self._move_head(day, seq, item), self._put(item, key_name)]
                )
                return item
            except ClientError as exc:
                if not is_transaction_cancelled(exc):
                    raise
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                    raise AccessRecordExists(f"access record {content.get(key_name)} already exists") from None
            # Another writer appended first: back off a little once contention persists, then re-read the head.
            if attempt >= 3:
                time.sleep(random.uniform(0, 0.01 * attempt))
        raise RuntimeError(f"could not append to the access chain of {day} after {MAX_ATTEMPTS} attempts")

    def _move_head(self, day: str, seq: int, item: Mapping[str, Any]) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._heads.name,
            "Key": {"day": day},
            "UpdateExpression": "SET seq = :next, #hash = :hash, record_id = :record, #at = :at",
            "ExpressionAttributeNames": {"#hash": "hash", "#at": "at"},
            "ExpressionAttributeValues": {
                ":next": item["seq"],
                ":hash": item["hash"],
                ":record": item.get("record_id"),
                ":at": item.get("at", ""),
            },
        }
        if seq == 0:
            update["ConditionExpression"] = "attribute_not_exists(#day)"
            update["ExpressionAttributeNames"]["#day"] = "day"
        else:
            update["ConditionExpression"] = "seq = :seen"
            update["ExpressionAttributeValues"][":seen"] = Decimal(seq)
        return {"Update": update}

    def _put(self, item: Mapping[str, Any], key_name: str) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._log.name,
                "Item": dict(item),
                "ConditionExpression": "attribute_not_exists(#key)",
                "ExpressionAttributeNames": {"#key": key_name},
            }
        }

    # --- reading and verifying ---------------------------------------------------------------------------

    def items(self, day: str) -> list[dict[str, Any]]:
        return [plain(i) for i in query_all(self._log, KeyConditionExpression=Key("day").eq(day), ConsistentRead=True)]

    def heads(self) -> Iterator[dict[str, Any]]:
        return (plain(i) for i in scan_all(self._heads, consistent=True))

    def days(self) -> list[str]:
        """Every day with a head or with records (records written around the chain have no head)."""
        found = {str(h["day"]) for h in self.heads()}
        kwargs: dict[str, Any] = {"ProjectionExpression": "#d", "ExpressionAttributeNames": {"#d": "day"}}
        while True:
            page = self._log.scan(**kwargs)
            found |= {str(i["day"]) for i in page.get("Items", [])}
            if "LastEvaluatedKey" not in page:
                return sorted(found)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def verify_day(self, day: str) -> DayVerification:
        items = self.items(day)
        head_seq, head_hash = self.head(day)
        return DayVerification(day, len(items), head_seq, find_break(items, head_seq, head_hash, day))


def find_break(items: list[dict[str, Any]], head_seq: int, head_hash: str, day: str = "") -> ChainBreak | None:
    """The first broken link of one day, in sequence order."""
    unchained = sorted(
        (i for i in items if any(f not in i for f in CHAIN_FIELDS)), key=lambda i: str(i.get("record_id"))
    )
    if unchained:
        first = unchained[0]
        return ChainBreak(-1, str(first.get("record_id")), "not in the chain: written around the access log (inserted)")
    links = sorted(items, key=lambda i: int(i["seq"]))
    problem = verify_chain(links, link_content, expected_length=head_seq) or out_of_order(links, day)
    if problem is None and links and links[-1]["hash"] != head_hash:
        return ChainBreak(
            len(links) - 1, str(links[-1].get("record_id")), "the last record is not the one the head names"
        )
    return problem


def out_of_order(links: list[dict[str, Any]], day: str) -> ChainBreak | None:
    """The first record stamped outside its day or earlier than the record before it (back-dated)."""
    previous = ""
    for position, link in enumerate(links):
        at = str(link.get("at", ""))
        if day and not at.startswith(day):
            return ChainBreak(position, str(link.get("record_id")), f"stamped {at}, outside the day it is chained in")
        if stamped_before(at, previous):
            return ChainBreak(
                position, str(link.get("record_id")), f"stamped {at}, earlier than the record before it ({previous})"
            )
        previous = max(previous, at)
    return None
