"""Historical search jobs (paging, resuming, no double counting) and which snapshots a swap may delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from alpr.clock import FixedClock, iso
from alpr.domain.hotlist.entries import deactivated, new_entry
from alpr.domain.hotlist.searches import HistoricalSearch, SearchStatus, snapshots_to_delete
from alpr.domain.records import Alert, PlateRead
from alpr.schema import SourceClass
from alpr.services.historical import HistoricalSearchService

NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
FOLDER = "hotlists/snapshots/ncic/"


def keys(*numbers: int, suffix: str = "snap") -> list[str]:
    return [f"{FOLDER}v{n:08d}.{suffix}" for n in numbers]


def test_a_swap_keeps_the_snapshot_in_force_and_the_three_before_it() -> None:
    everything = keys(1, 2, 3, 4, 5, 6, 7)
    assert snapshots_to_delete(everything, keys(7)[0], keep_previous=3) == keys(1, 2, 3)
    assert snapshots_to_delete(everything, keys(2)[0], keep_previous=3) == []


def test_snapshots_newer_than_the_one_in_force_are_never_deleted() -> None:
    """A newer key may be an import that has written its snapshot and not swapped yet."""
    doomed = snapshots_to_delete(keys(1, 2, 3, 9, 10), keys(3)[0], keep_previous=1)
    assert doomed == keys(1)
    assert keys(3)[0] not in doomed and not set(keys(9, 10)) & set(doomed)


def test_nothing_is_deleted_when_the_one_in_force_is_not_listed_or_of_another_kind() -> None:
    assert snapshots_to_delete(keys(1, 2, 3), keys(8)[0], keep_previous=0) == []
    mixed = keys(1, 2, suffix="json") + keys(3, 4)
    assert snapshots_to_delete(mixed, keys(4)[0], keep_previous=0) == keys(3)


def read(n: int, plate: str, minutes_before: int = 10) -> PlateRead:
    return PlateRead(
        read_id=f"frame-{n}#0",
        frame_id=f"frame-{n}",
        camera_id="cam-1",
        source=SourceClass.FIXED,
        plate=plate,
        raw_text=plate,
        confidence=0.9,
        box=[0, 0, 10, 5],
        captured_at=iso(NOW - timedelta(minutes=minutes_before)),
        image_key=f"frames/frame-{n}.jpg",
        created_at=iso(NOW),
        expires_at=2_000_000_000,
    )


class Jobs:
    """The job table's conditional writes, in memory."""

    def __init__(self, job: HistoricalSearch) -> None:
        self.items = {job.job_id: job}

    def get(self, job_id: str) -> HistoricalSearch | None:
        return self.items.get(job_id)

    def _set(self, job_id: str, **changes: Any) -> None:
        self.items[job_id] = self.items[job_id].model_copy(update=changes)

    def start(self, job_id: str, at: str) -> None:
        self._set(job_id, status=SearchStatus.RUNNING, started_at=self.items[job_id].started_at or at)

    def advance(self, job_id: str, pages_done: int, scanned: int, hits: int, resume_key: dict[str, Any]) -> bool:
        job = self.items[job_id]
        if job.pages != pages_done:
            return False
        self._set(
            job_id, pages=pages_done + 1, reads_scanned=job.reads_scanned + scanned, hits=job.hits + hits,
            resume_key=resume_key,
        )  # fmt: skip
        return True

    def finish(self, job_id: str, pages_done: int, scanned: int, hits: int, at: str) -> bool:
        if not self.advance(job_id, pages_done, scanned, hits, {}):
            return False
        self._set(job_id, status=SearchStatus.DONE, finished_at=at, resume_key=None)
        return True

    def cancel(self, job_id: str, because: str, at: str) -> None:
        self._set(job_id, status=SearchStatus.CANCELLED, cancelled_because=because, finished_at=at)

    def note_error(self, job_id: str, error: str) -> None:
        self._set(job_id, last_error=error)


class Reads:
    def __init__(self, reads: list[PlateRead], page_size_seen: list[int]) -> None:
        self._reads = reads
        self.page_sizes = page_size_seen

    def in_retention_pages(self, now: datetime, start_key: dict[str, Any] | None, page_size: int) -> Any:
        self.page_sizes.append(page_size)
        start = int(start_key["at"]) if start_key else 0
        for at in range(start, len(self._reads), page_size):
            following = at + page_size
            yield self._reads[at:following], ({"at": following} if following < len(self._reads) else None)


class Alerts:
    def __init__(self) -> None:
        self.items: dict[str, Alert] = {}

    def add(self, alert: Alert) -> bool:
        return self.items.setdefault(alert.alert_id, alert) is alert


def service(entry: Any, reads: list[PlateRead]) -> tuple[HistoricalSearchService, Any]:
    job = HistoricalSearch(
        job_id="job-1", entry_id=entry.entry_id, entry_revision=1, requested_by="officer-1", queued_at=iso(NOW)
    )
    repos = SimpleNamespace(
        historical_searches=Jobs(job),
        hotlist=SimpleNamespace(get=lambda entry_id: entry),
        reads=Reads(reads, []),
        alerts=Alerts(),
        search_queue=SimpleNamespace(sent=[], send=lambda job_id: repos.search_queue.sent.append(job_id)),
    )
    return HistoricalSearchService(repos, FixedClock(NOW), page_size=2), repos  # type: ignore[arg-type]


def partial_entry() -> Any:
    return new_entry(value="7AB?123", reason="investigation", case_number="26-1", entered_by="o-1", now=NOW)


READS = [read(1, "7ABC123"), read(2, "1XYZ999"), read(3, "7ABD123"), read(4, "7ABC123", minutes_before=-5)]


def test_a_search_pages_through_every_read_and_records_the_earlier_sightings() -> None:
    searches, repos = service(partial_entry(), READS)
    done = searches.run("job-1", has_time=lambda: True)
    assert done is not None and done.status is SearchStatus.DONE and done.finished_at == iso(NOW)
    assert (done.pages, done.reads_scanned, done.hits) == (2, 4, 2)
    assert sorted(a.read_id for a in repos.alerts.items.values()) == ["frame-1#0", "frame-3#0"]
    assert all(a.historical for a in repos.alerts.items.values())
    assert repos.reads.page_sizes == [2] and repos.search_queue.sent == []


def test_a_read_captured_the_instant_the_entry_was_queued_is_left_to_the_live_matcher() -> None:
    # The live matcher raises it (not historical); the search must not claim it first under the same alert id.
    searches, repos = service(partial_entry(), [read(1, "7ABC123", minutes_before=0), read(2, "7ABC123")])
    done = searches.run("job-1", has_time=lambda: True)
    assert done is not None and done.hits == 1
    assert [a.read_id for a in repos.alerts.items.values()] == ["frame-2#0"]


def test_a_search_short_of_time_records_where_it_stopped_and_queues_itself_again() -> None:
    searches, repos = service(partial_entry(), READS)
    paused = searches.run("job-1", has_time=lambda: False)
    assert paused is not None and paused.status is SearchStatus.RUNNING
    assert (paused.pages, paused.reads_scanned, paused.hits, paused.resume_key) == (1, 2, 1, {"at": 2})
    assert repos.search_queue.sent == ["job-1"]
    done = searches.run("job-1", has_time=lambda: False)  # the continuation
    assert done is not None and (done.status, done.reads_scanned, done.hits) == (SearchStatus.DONE, 4, 2)
    assert searches.run("job-1", has_time=lambda: True) == done, "a finished job delivered again does nothing"
    assert len(repos.alerts.items) == 2


def test_a_delivery_behind_another_stops_when_its_page_was_already_recorded() -> None:
    searches, repos = service(partial_entry(), READS)
    jobs = repos.historical_searches
    jobs.advance("job-1", 0, 2, 1, {"at": 2})  # another delivery recorded the first page meanwhile
    stale = jobs.get("job-1").model_copy(update={"pages": 0, "resume_key": None})
    jobs.get = lambda job_id: stale  # what this delivery read before the other one recorded its page
    searches.run("job-1", has_time=lambda: True)
    recorded = jobs.items["job-1"]
    assert (recorded.pages, recorded.reads_scanned, recorded.status) == (1, 2, SearchStatus.RUNNING)


def test_an_entry_no_longer_in_force_cancels_its_search() -> None:
    entry = deactivated(partial_entry(), "o-1", "wrong plate", NOW)
    searches, repos = service(entry, READS)
    cancelled = searches.run("job-1", has_time=lambda: True)
    assert cancelled is not None and cancelled.status is SearchStatus.CANCELLED and repos.alerts.items == {}


def test_a_failure_is_noted_on_the_job_and_raised_for_redelivery() -> None:
    searches, repos = service(partial_entry(), READS)

    def storage_fails(alert: Alert) -> bool:
        raise ConnectionError("DynamoDB went away")

    repos.alerts.add = storage_fails
    with pytest.raises(ConnectionError):
        searches.run("job-1", has_time=lambda: True)
    assert repos.historical_searches.items["job-1"].last_error == "ConnectionError: DynamoDB went away"
