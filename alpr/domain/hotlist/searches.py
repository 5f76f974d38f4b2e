"""Historical searches (issue 4, point 4) and which hotlist snapshots to keep: plain rules, no AWS.

A historical search looks through the reads still in retention for earlier sightings of one hotlist entry
(how a partial plate reported after a crime finds the suspect vehicle, policy 418.4(c)). It runs as a job
from a queue, a page of reads at a time; the job record carries its progress so a redelivered message
resumes where the last finished page left off.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from alpr.clock import iso
from alpr.domain.records import Record


class SearchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    # The entry was deactivated or expired before the search ran: nothing is being looked for any more.
    CANCELLED = "cancelled"


FINISHED = frozenset({SearchStatus.DONE, SearchStatus.CANCELLED})


class HistoricalSearch(Record):
    job_id: str
    entry_id: str
    # The entry's revision the search was asked for (added = 1, each extension + 1).
    entry_revision: int
    requested_by: str
    status: SearchStatus = SearchStatus.QUEUED
    queued_at: str
    started_at: str | None = None
    finished_at: str | None = None
    # Progress, advanced once per page by a conditional write: pages is the number of pages done.
    pages: int = 0
    reads_scanned: int = 0
    hits: int = 0
    # Where the next page starts (the scan's LastEvaluatedKey); None before the first page and when done.
    resume_key: dict[str, Any] | None = None
    last_error: str | None = None
    cancelled_because: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def new_search(entry_id: str, entry_revision: int, requested_by: str, now: datetime) -> HistoricalSearch:
    return HistoricalSearch(
        job_id=uuid.uuid4().hex,
        entry_id=entry_id,
        entry_revision=entry_revision,
        requested_by=requested_by,
        queued_at=iso(now),
    )


def snapshots_to_delete(keys: list[str], in_force: str, keep_previous: int) -> list[str]:
    """The snapshot keys of one list that may go: everything older than the one in force and its
    ``keep_previous`` predecessors (kept for a rollback).

    Keys end in a zero-padded version number, so their order is their age. Anything newer than the one in
    force is left alone: it may belong to an import that has not swapped yet.
    """
    if in_force not in keys:
        return []
    # Only snapshots of the same kind (an imported list named "manual" would share the manual folder).
    kind = PurePosixPath(in_force).suffix
    older = sorted(k for k in keys if k < in_force and PurePosixPath(k).suffix == kind)
    return older[: max(0, len(older) - keep_previous)]
