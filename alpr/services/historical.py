"""Historical hotlist searches as queued jobs: earlier sightings of an entry among the reads still in retention,
recorded as historical alerts (no notification). Policy 418.4(c): a partial plate reported after a crime.

Adding or extending an entry enqueues a job; the search function runs it a page of reads at a time. Each page's
hits are written with deterministic alert ids (one alert per read and entry, however often a page is read), then
the page is recorded on the job with a conditional write, so a redelivered message resumes after the last
recorded page and never counts a page twice. A job that runs short of time sends itself again.

Only reads captured before the job was queued are historical: later ones are the live matcher's, and a
historical alert written first would take the live alert's id and silence its notification.
"""

from __future__ import annotations

from collections.abc import Callable

from alpr.clock import Clock, iso
from alpr.domain.alerts import READS_HOTLIST, Identity, require
from alpr.domain.hotlist.entries import HotlistEntry
from alpr.domain.hotlist.matcher import ManualIndex, Matcher
from alpr.domain.hotlist.searches import HistoricalSearch, new_search
from alpr.domain.matching import alert_for
from alpr.repositories.factory import Repositories


class HistoricalSearchService:
    def __init__(self, repos: Repositories, clock: Clock, page_size: int = 1000) -> None:
        self._repos = repos
        self._clock = clock
        self._page_size = page_size

    def enqueue(self, entry: HotlistEntry, requested_by: str) -> HistoricalSearch:
        """Records the job, then queues it: a job whose message was lost shows as queued and can be asked again."""
        search = new_search(entry.entry_id, entry.revision, requested_by, self._clock.now())
        self._repos.historical_searches.add(search)
        self._repos.search_queue.send(search.job_id)
        return search

    def searches(self, member: Identity, entry_id: str) -> list[HistoricalSearch]:
        """An entry's searches, newest first: status and counts only, no plate data."""
        require(member, READS_HOTLIST, "looking at an entry's historical searches")
        return self._repos.historical_searches.for_entry(entry_id)

    def run(self, job_id: str, has_time: Callable[[], bool]) -> HistoricalSearch | None:
        """Runs a job from where its record says it stopped; None for a job that does not exist."""
        jobs = self._repos.historical_searches
        job = jobs.get(job_id)
        if job is None or job.finished:
            return job
        try:
            self._run(job, has_time)
        except Exception as exc:
            # The message is delivered again (then dead-lettered); the officer sees why it has not finished.
            jobs.note_error(job_id, f"{type(exc).__name__}: {str(exc)[:200]}")
            raise
        return jobs.get(job_id)

    def _run(self, job: HistoricalSearch, has_time: Callable[[], bool]) -> None:
        jobs, now = self._repos.historical_searches, self._clock.now()
        entry = self._repos.hotlist.get(job.entry_id)
        if entry is None or not entry.in_force(now):
            jobs.cancel(job.job_id, "the entry is no longer in force", iso(now))
            return
        jobs.start(job.job_id, iso(now))
        matcher = Matcher(manual=ManualIndex([entry]))
        pages = job.pages
        for reads, next_key in self._repos.reads.in_retention_pages(now, job.resume_key, self._page_size):
            hits = 0
            # Reads captured before the entry was queued; one captured at that instant or later is the live
            # matcher's (a test's fixed clock stamps both alike, and the live hit must not read as historical).
            for read in (r for r in reads if r.captured_at < job.queued_at):
                for hit in matcher.match(read.plate, read.state, now):
                    self._repos.alerts.add(alert_for(read, hit, now, historical=True))
                    hits += 1
            if next_key is None:
                jobs.finish(job.job_id, pages, len(reads), hits, iso(self._clock.now()))
                return
            if not jobs.advance(job.job_id, pages, len(reads), hits, next_key):
                return  # another delivery of this job recorded this page first: it carries on
            pages += 1
            if not has_time():
                self._repos.search_queue.send(job.job_id)
                return
