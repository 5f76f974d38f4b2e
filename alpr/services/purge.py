"""Purging what policy 418.5 says must be gone: expired reads, every version of their images, and the
records that point at them.

Order of deletion, per page of expired reads (each step is idempotent, so running again finishes a
run that died at any point):

1. reads caught only by a *shortened* class get ``expires_at = now`` first, so they are hidden and
   unholdable like every other expired read;
2. every version of their images (one DeleteObjects per 1000 versions);
3. the alerts that point at the reads;
4. the frame ledger entries (unless Object Lock kept the image: a held sibling read still needs it);
5. the reads, last.

"No read points at a missing image" means: no read that anyone can see. An expired read is a
tombstone: every read path filters it out (``stores.not_expired``), a hold refuses it (its update is
conditional on ``expires_at > now``), and the next run picks it up again because it is still expired.
So the expiry itself is the ``purging`` state, and a crash after step 2 leaves only tombstones. The
other invariant, "no image without a read that will purge it", holds because the read goes last: an
image is never left behind by a read that is already gone. (DynamoDB's own TTL deletes reads in its
own order; the TTL-removal stream calls ``purge_removed`` for those. No lifecycle rule expires a current
frame, which would hide held evidence behind a delete marker: the alarm on a purge that did not run is the
backstop.)
"""

from __future__ import annotations

import math
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from alpr.clock import Clock, iso
from alpr.config import Settings
from alpr.domain.records import PlateRead
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories
from alpr.schema import SourceClass

# Stop taking new pages with this much of the invocation left, so a run never dies mid-page.
SAFETY_MARGIN_MS = 120_000
# How many reads one segment is planned for; `alpr bench purge` measures what one invocation can do in
# 15 minutes, and this stays well under it. A segment that runs out of time continues in a new invocation.
READS_PER_SEGMENT = 200_000
MAX_SEGMENTS = 1000


@dataclass(frozen=True)
class PurgeTuning:
    """How a run is split: see ``Settings.purge_*``."""

    reads_per_segment: int = READS_PER_SEGMENT
    page_size: int = 0
    pages_per_invocation: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> PurgeTuning:
        return cls(settings.purge_reads_per_segment, settings.purge_page_size, settings.purge_pages_per_invocation)


class PurgeWork(BaseModel):
    """One piece of a run: a parallel-scan segment, from its start or from where an invocation stopped.
    The scheduled invocation queues one per segment; an invocation that runs out of time queues the rest."""

    run_id: str
    run_started_at: str
    segment: int = 0
    total_segments: int = 1
    part: int = 0  # 0 for the segment's first invocation, then one more per continuation
    resume_key: dict[str, Any] | None = None

    @property
    def run_prefix(self) -> str:
        """Every report of the run has an id starting with this (``PurgeReportRepository.of_run``)."""
        return f"{self.run_started_at}#{self.run_id}#"

    def rest(self, resume_key: dict[str, Any]) -> PurgeWork:
        return self.model_copy(update={"part": self.part + 1, "resume_key": resume_key})


@dataclass
class PurgeReport:
    run_id: str
    started_at: str
    segment: int = 0
    total_segments: int = 1
    run_started_at: str = ""
    part: int = 0
    # An SQS message may arrive twice: each invocation's report keeps its own id, so none overwrites another.
    invocation_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    finished_at: str = ""
    duration_s: float = 0.0
    deleted: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    image_versions_deleted: int = 0
    held: Counter[str] = field(default_factory=Counter)
    oldest_unheld: dict[str, dict[str, Any]] = field(default_factory=dict)
    locked_images: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    complete: bool = True
    resume_key: dict[str, Any] | None = None

    @property
    def report_id(self) -> str:
        run = f"{self.run_started_at or self.started_at}#{self.run_id}"
        return f"{run}#{self.segment:04d}#{self.part:04d}#{self.invocation_id}"

    def count(self, source: SourceClass, what: str, n: int = 1) -> None:
        if n:
            self.deleted[source.value][what] += n

    def summary(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 3),
            "run_started_at": self.run_started_at or self.started_at,
            "segment": self.segment,
            "total_segments": self.total_segments,
            "part": self.part,
            "deleted": {source: dict(counts) for source, counts in sorted(self.deleted.items())},
            "image_versions_deleted": self.image_versions_deleted,
            "skipped_held": dict(self.held),
            "oldest_unheld": self.oldest_unheld,
            "locked_images": self.locked_images[:100],
            "failures": self.failures[:100],
            "failure_count": len(self.failures),
            "complete": self.complete,
            "resume_key": self.resume_key,
        }


def plan_segments(read_count: int, reads_per_segment: int = READS_PER_SEGMENT) -> int:
    """How many parallel-scan segments (one Lambda invocation chain each) a table of this size gets."""
    return max(1, min(MAX_SEGMENTS, math.ceil(read_count / reads_per_segment)))


def aggregate(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One run's reports (every segment and continuation) as one: totals, and whether every segment finished."""
    reports = sorted(reports, key=lambda r: str(r["report_id"]))
    if not reports:
        return {}
    deleted: dict[str, Counter[str]] = defaultdict(Counter)
    for report in reports:
        for source, counts in (report.get("deleted") or {}).items():
            deleted[source].update({what: int(n) for what, n in counts.items()})
    total_segments = int(reports[0]["total_segments"])
    finished = {int(r["segment"]) for r in reports if r.get("complete")}
    summaries = [r for r in reports if r.get("oldest_unheld")] or reports[:1]
    return {
        "run_id": reports[0]["run_id"],
        "run_started_at": reports[0].get("run_started_at", reports[0]["started_at"]),
        "finished_at": max(str(r["finished_at"]) for r in reports),
        "invocations": len(reports),
        "total_segments": total_segments,
        "segments_finished": len(finished),
        "complete": len(finished) == total_segments,
        "deleted": {source: dict(counts) for source, counts in sorted(deleted.items())},
        "image_versions_deleted": sum(int(r.get("image_versions_deleted", 0)) for r in reports),
        "skipped_held": summaries[0].get("skipped_held", {}),
        "oldest_unheld": summaries[0].get("oldest_unheld", {}),
        "failure_count": sum(int(r.get("failure_count", 0)) for r in reports),
        "failures": [f for r in reports for f in r.get("failures", [])][:100],
        "report_ids": [r["report_id"] for r in reports],
    }


class PurgeService:
    def __init__(
        self, repos: Repositories, retention: RetentionPolicy, clock: Clock, tuning: PurgeTuning | None = None
    ) -> None:
        self._repos = repos
        self._retention = retention
        self._clock = clock
        self.tuning = tuning or PurgeTuning()

    # --- whole runs -------------------------------------------------------------------------------------

    def plan(self, read_count: int | None = None, total_segments: int | None = None) -> list[PurgeWork]:
        """A new run, split into parallel-scan segments by the table's size (or as asked)."""
        if total_segments is None:
            total_segments = plan_segments(read_count or 0, self.tuning.reads_per_segment)
        run_id, started = uuid.uuid4().hex[:12], iso(self._clock.now())
        return [
            PurgeWork(run_id=run_id, run_started_at=started, segment=s, total_segments=total_segments)
            for s in range(total_segments)
        ]

    def run(
        self,
        segment: int = 0,
        total_segments: int = 1,
        start_key: dict[str, Any] | None = None,
        deadline_ms: int | None = None,
        run_id: str | None = None,
        with_summary: bool | None = None,
        page_limit: int | None = None,
    ) -> PurgeReport:
        """One segment of a new run (or the rest of one, from ``start_key``)."""
        work = PurgeWork(
            run_id=run_id or uuid.uuid4().hex[:12],
            run_started_at=iso(self._clock.now()),
            segment=segment,
            total_segments=total_segments,
            resume_key=start_key,
        )
        return self.run_work(work, deadline_ms, with_summary, page_limit)

    def run_work(
        self,
        work: PurgeWork,
        deadline_ms: int | None = None,
        with_summary: bool | None = None,
        page_limit: int | None = None,
    ) -> PurgeReport:
        """One invocation's share of a run: the segment's expired reads page by page, then its reads-less frames.

        ``deadline_ms`` is the invocation's remaining time; the run stops taking pages before it runs out
        (or after ``tuning.pages_per_invocation`` pages) and reports ``resume_key``: ``continuation`` turns
        that into the next piece of work. The first invocation of segment 0 also reports held items and the
        oldest item per class, once for the whole run.
        """
        started = time.monotonic()
        now = self._clock.now()
        report = PurgeReport(
            run_id=work.run_id,
            started_at=iso(now),
            segment=work.segment,
            total_segments=work.total_segments,
            run_started_at=work.run_started_at,
            part=work.part,
        )
        cutoffs = self._cutoffs(now)
        store = self._repos.retention
        alert_ids = store.expired_alert_ids_by_read(now, cutoffs)
        page_limit = page_limit or self.tuning.page_size or None
        max_pages = self.tuning.pages_per_invocation

        def out_of_time(pages: int) -> bool:
            if max_pages and pages >= max_pages:
                return True
            if deadline_ms is None:
                return False
            return (time.monotonic() - started) * 1000 > deadline_ms - SAFETY_MARGIN_MS

        pages = store.expired_read_pages(now, cutoffs, work.segment, work.total_segments, work.resume_key, page_limit)
        for done, (reads, last_key) in enumerate(pages, start=1):
            try:
                self._purge_reads(reads, now, alert_ids, report)
            except Exception as exc:  # one bad page must not stop the rest; its reads stay expired for next time
                report.failures.append(f"page of {len(reads)} reads: {type(exc).__name__}: {exc}")
            if last_key and out_of_time(done):
                report.complete, report.resume_key = False, last_key
                break
        if report.complete:
            self._purge_frames_without_reads(now, cutoffs, work.segment, work.total_segments, report)
            if work.segment == 0:
                self._purge_sightings(now, report)
        if with_summary if with_summary is not None else work.segment == 0 and work.part == 0:
            self._summarize(now, report)
        report.finished_at = iso(self._clock.now())
        report.duration_s = time.monotonic() - started
        self._repos.purge_reports.put(report.summary())
        return report

    @staticmethod
    def continuation(work: PurgeWork, report: PurgeReport) -> PurgeWork | None:
        """The rest of the segment when this invocation stopped early; None when the segment is done."""
        return None if report.complete or report.resume_key is None else work.rest(report.resume_key)

    def run_all(self, total_segments: int = 1) -> list[PurgeReport]:
        """Every segment and continuation in this process, one after the other (the CLI and the benchmark)."""
        reports = []
        for work in self.plan(total_segments=total_segments):
            next_work: PurgeWork | None = work
            while next_work is not None:
                reports.append(self.run_work(next_work))
                next_work = self.continuation(next_work, reports[-1])
        return reports

    def run_summary(self, run_prefix: str) -> dict[str, Any]:
        """A fanned-out run's reports, aggregated (see ``aggregate``)."""
        return aggregate(self._repos.purge_reports.of_run(run_prefix))

    # --- single reads (hold release, TTL-removal stream) ---------------------------------------------

    def purge_reads(self, reads: Iterable[PlateRead]) -> PurgeReport:
        """Purges these reads now if they are past retention and not held (after a hold's release)."""
        now = self._clock.now()
        report = PurgeReport(run_id=f"release-{uuid.uuid4().hex[:8]}", started_at=iso(now))
        due = [r for r in reads if not r.held and self._is_due(r, now)]
        store = self._repos.retention
        alert_ids = {r.read_id: [a.alert_id for a in store.alerts_of_read(r)] for r in due}
        self._purge_reads(due, now, alert_ids, report)
        report.finished_at = iso(self._clock.now())
        if due:
            self._repos.purge_reports.put(report.summary())
        return report

    def purge_read_ids(self, read_ids: list[str]) -> PurgeReport:
        """Reads a hold released past their date: purged now, each still checked against its own expiry."""
        store = self._repos.retention
        return self.purge_reads(r for r in (store.get_read(i) for i in read_ids) if r is not None)

    def purge_removed(self, read: PlateRead) -> PurgeReport:
        """DynamoDB's TTL deleted this read: remove its image, alerts and ledger entry the same way."""
        now = self._clock.now()
        report = PurgeReport(run_id=f"ttl-{uuid.uuid4().hex[:8]}", started_at=iso(now))
        store = self._repos.retention
        siblings = [r for r in store.reads_of_frame(read.frame_id) if r.read_id != read.read_id]
        # A sibling that is held or still within retention keeps the image and the ledger entry.
        keeps_image = any(r.held or not self._is_due(r, now) for r in siblings)
        if not keeps_image:
            deletion = self._repos.image_versions.delete_all_versions([read.image_key])
            report.failures += deletion.failures
            keeps_image = bool(deletion.locked or deletion.failures)
            report.image_versions_deleted += deletion.deleted_versions
        report.count(read.source, "alerts", store.delete_alerts(a.alert_id for a in store.alerts_of_read(read)))
        if not keeps_image:
            report.count(read.source, "frames", store.delete_frames([read.frame_id]))
        report.count(read.source, "reads_removed_by_ttl")
        report.finished_at = iso(self._clock.now())
        return report

    # --- the steps ----------------------------------------------------------------------------------

    def _purge_reads(
        self, reads: list[PlateRead], now: datetime, alert_ids: Mapping[str, list[str]], report: PurgeReport
    ) -> None:
        store, versions = self._repos.retention, self._repos.image_versions
        due = []
        for read in reads:
            if (
                read.expires_at is not None
                and read.expires_at > now.timestamp()
                and not store.expire_now(read.read_id, now)
            ):
                continue  # a hold took it between the scan and now
            due.append(read)
        if not due:
            return
        deletion = versions.delete_all_versions({r.image_key for r in due})
        report.image_versions_deleted += deletion.deleted_versions
        report.failures += deletion.failures
        failed_keys = {f.split(":", 1)[0] for f in deletion.failures}
        kept_for_sibling = self._locked_for_held_sibling(due, deletion.locked, report)
        # A read whose image could not be deleted stays (expired, hidden) so the image keeps a read that
        # will purge it; the only exception is an image a held sibling read still needs.
        done = [
            r
            for r in due
            if r.image_key not in failed_keys
            and (r.image_key not in deletion.locked or r.image_key in kept_for_sibling)
        ]
        for source in {r.source for r in done}:
            of_class = [r for r in done if r.source is source]
            images = {r.image_key for r in of_class} - deletion.locked
            report.count(source, "images", len(images))
        store.delete_alerts(a for r in done for a in alert_ids.get(r.read_id, []))
        for r in done:
            report.count(r.source, "alerts", len(alert_ids.get(r.read_id, [])))
        store.delete_frames(r.frame_id for r in done if r.image_key not in deletion.locked)
        store.delete_reads(r.read_id for r in done)
        for r in done:
            report.count(r.source, "reads")

    def _locked_for_held_sibling(self, due: list[PlateRead], locked: set[str], report: PurgeReport) -> set[str]:
        kept = set()
        store = self._repos.retention
        for key in locked:
            read = next(r for r in due if r.image_key == key)
            if any(sibling.held for sibling in store.reads_of_frame(read.frame_id)):
                kept.add(key)
            else:
                report.locked_images.append(key)
                report.failures.append(f"{key}: Object Lock keeps the image but no read holds it; check its legal hold")
        return kept

    def _purge_frames_without_reads(
        self, now: datetime, cutoffs: Mapping[SourceClass, datetime], segment: int, total: int, report: PurgeReport
    ) -> None:
        store = self._repos.retention
        frames = list(store.expired_frames_without_reads(now, cutoffs, segment, total))
        if not frames:
            return
        deletion = self._repos.image_versions.delete_all_versions({f.image_key for f in frames})
        report.image_versions_deleted += deletion.deleted_versions
        report.failures += deletion.failures
        failed_keys = {f.split(":", 1)[0] for f in deletion.failures}
        gone = [f for f in frames if f.image_key not in deletion.locked | failed_keys]
        report.locked_images += sorted(deletion.locked)
        store.delete_frames(f.frame_id for f in gone)
        for frame in gone:
            report.count(frame.source, "frames_without_reads")

    # --- what the report says about the store -------------------------------------------------------

    def _purge_sightings(self, now: datetime, report: PurgeReport) -> None:
        """A sighting is derived from its reads and expires with the earliest of them."""
        for sighting in self._repos.sightings.expired(now):
            self._repos.sightings.delete(sighting.sighting_id)
            report.count(sighting.source, "sightings")

    def _summarize(self, now: datetime, report: PurgeReport) -> None:
        from alpr.services.compliance import oldest_unheld_reads

        for read in self._repos.retention.held_reads():
            if self._retention.is_expired(self._normal_expiry(read), now):
                report.held[read.source.value] += 1
        report.oldest_unheld = oldest_unheld_reads(self._repos, self._retention, now)

    def _cutoffs(self, now: datetime) -> dict[SourceClass, datetime]:
        return {source: self._retention.purge_cutoff(source, now) for source in SourceClass}

    def _normal_expiry(self, read: PlateRead) -> int:
        captured = datetime.fromisoformat(read.captured_at.replace("Z", "+00:00"))
        return self._retention.expires_epoch(read.source, captured)

    def _is_due(self, read: PlateRead, now: datetime) -> bool:
        expiry = read.expires_at if read.expires_at is not None else self._normal_expiry(read)
        return self._retention.is_expired(min(expiry, self._normal_expiry(read)), now)
