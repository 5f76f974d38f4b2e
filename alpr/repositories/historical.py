"""Historical search jobs: their records (status and progress) and the queue that runs them."""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from alpr import schema
from alpr.domain.hotlist.searches import HistoricalSearch, SearchStatus
from alpr.repositories.dynamo import from_item, put_if_absent, query_all, written_if
from alpr.repositories.hotlist import plain_to_item


class HistoricalSearchRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, search: HistoricalSearch) -> bool:
        return put_if_absent(self._table, search, "job_id")

    def get(self, job_id: str) -> HistoricalSearch | None:
        item = self._table.get_item(Key={"job_id": job_id}, ConsistentRead=True).get("Item")
        return from_item(HistoricalSearch, item) if item else None

    def for_entry(self, entry_id: str) -> list[HistoricalSearch]:
        """Newest first."""
        items = query_all(
            self._table,
            IndexName=schema.HISTORICAL_SEARCHES.index("by_entry").name,
            KeyConditionExpression=Key("entry_id").eq(entry_id),
            ScanIndexForward=False,
        )
        return [from_item(HistoricalSearch, i) for i in items]

    def start(self, job_id: str, at: str) -> None:
        """queued -> running; a job already running (a redelivery or a continuation) stays as it is."""
        self._update(
            job_id,
            "SET #s = :running, started_at = if_not_exists(started_at, :at)",
            {":running": SearchStatus.RUNNING.value, ":at": at},
            Attr("status").is_in([SearchStatus.QUEUED.value, SearchStatus.RUNNING.value]),
        )

    def advance(self, job_id: str, pages_done: int, scanned: int, hits: int, resume_key: dict[str, Any]) -> bool:
        """Records one more page, only if nobody recorded it first: False when another delivery did."""
        return self._update(
            job_id,
            "SET pages = :next, reads_scanned = reads_scanned + :scanned, hits = hits + :hits, resume_key = :key",
            {":next": pages_done + 1, ":scanned": scanned, ":hits": hits, ":key": resume_key},
            Attr("pages").eq(pages_done),
        )

    def finish(self, job_id: str, pages_done: int, scanned: int, hits: int, at: str) -> bool:
        """Records the last page and marks the job done in the same conditional write."""
        return self._update(
            job_id,
            "SET pages = :next, reads_scanned = reads_scanned + :scanned, hits = hits + :hits, "
            "#s = :status, finished_at = :at REMOVE resume_key",
            {
                ":next": pages_done + 1,
                ":scanned": scanned,
                ":hits": hits,
                ":status": SearchStatus.DONE.value,
                ":at": at,
            },
            Attr("pages").eq(pages_done),
        )

    def cancel(self, job_id: str, because: str, at: str) -> None:
        self._update(
            job_id,
            "SET #s = :status, cancelled_because = :because, finished_at = :at",
            {":status": SearchStatus.CANCELLED.value, ":because": because, ":at": at},
        )

    def note_error(self, job_id: str, error: str) -> None:
        self._update(job_id, "SET last_error = :error", {":error": error})

    def _update(self, job_id: str, expression: str, values: dict[str, Any], condition: Any | None = None) -> bool:
        names = {"#s": "status"} if "#s" in expression else None
        kwargs: dict[str, Any] = {
            "Key": {"job_id": job_id},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": plain_to_item(values),
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if condition is not None:
            kwargs["ConditionExpression"] = condition
        return written_if(self._table.update_item, **kwargs)


class SearchQueue:
    """The queue the search function reads; messages carry only a job id (no plate text)."""

    def __init__(self, sqs: Any, queue_name: str) -> None:
        self._sqs = sqs
        self._name = queue_name
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = str(self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"])
        return self._url

    def send(self, job_id: str) -> None:
        self._sqs.send_message(QueueUrl=self.url, MessageBody=json.dumps({"job_id": job_id}))
