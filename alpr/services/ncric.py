"""Forwarding vehicle-mounted reads to NCRIC (policy 418.5: "transferred ... on an automatic basis,
transferring immediately"): at least once, acknowledged and recorded, retried with back-off, nothing lost.
Error reports on those reads (418.6) travel the same way.

The reads stream puts each new ``vehicle`` read id on a queue; delivery takes it from there. Fixed (Flock)
and Axon reads are never forwarded: :func:`forwarded` is the one place that says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from alpr.clock import Clock
from alpr.domain.frames import sniff_format
from alpr.domain.records import PlateRead
from alpr.repositories.factory import Repositories
from alpr.repositories.ncric import DeliveryFailed, NcricTransport, ParkedMessage
from alpr.schema import RETENTION, SourceClass

log = logging.getLogger("alpr.ncric")

# The administration-log kind error reports are kept under (alpr.services.administration).
ERROR_REPORT = "error_report"
# SQS allows up to 12 hours; a quarter of an hour keeps a recovered NCRIC fed soon enough.
MAX_RETRY_DELAY_S = 900


class Outcome(StrEnum):
    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already_delivered"
    GONE = "gone"  # purged or never written: nothing left to send


def forwarded(source: SourceClass) -> bool:
    return RETENTION[source].forwarded_to_ncric


def retry_delay_s(base_s: float, receive_count: int) -> int:
    """Exponential back-off: base, 2x base, 4x base ... capped."""
    return int(min(MAX_RETRY_DELAY_S, base_s * 2 ** max(0, receive_count - 1)))


@dataclass(frozen=True)
class Reconciliation:
    checked: int
    requeued: list[str]


class NcricForwarder:
    def __init__(self, repos: Repositories, transport: Callable[[], NcricTransport], clock: Clock) -> None:
        self._repos = repos
        self._transport = transport
        self._clock = clock

    def enqueue(self, reads: list[PlateRead]) -> list[str]:
        ids = [r.read_id for r in reads if forwarded(r.source)]
        if ids:
            self._repos.ncric_queue.send(ids)
        return ids

    def deliver(self, read_id: str) -> Outcome:
        """Sends one read and its image; raises DeliveryFailed (after recording the attempt) to be retried."""
        now = self._clock.now()
        done = self._repos.ncric_deliveries.get(read_id)
        if done is not None and done.status == "delivered":
            return Outcome.ALREADY_DELIVERED
        read = self._repos.reads.get(read_id, now)
        if read is None:
            log.warning("read %s is gone before it reached NCRIC", read_id)
            return Outcome.GONE
        if not forwarded(read.source):  # defence in depth: the stream filter already keeps these out
            raise ValueError(f"read {read_id} is {read.source.value} data, which is never forwarded to NCRIC")
        transport = self._transport()
        try:
            image = self._repos.images.get_bytes(read.image_key)
            ack = transport.deliver(read, image, sniff_format(image).content_type)
        except DeliveryFailed as failed:
            self._repos.ncric_deliveries.failed(read_id, str(failed), transport.description, now, read.expires_at)
            raise
        self._repos.ncric_deliveries.delivered(read, ack, transport.description, self._clock.now())
        return Outcome.DELIVERED

    def deliver_error_report(self, report_id: str, record_id: str) -> Outcome:
        """Sends one error report (418.6: "report any errors to NCRIC for correction"); the same retries and
        dead letters as reads, and the same delivery log, keyed by the report id."""
        done = self._repos.ncric_deliveries.get(report_id)
        if done is not None and done.status == "delivered":
            return Outcome.ALREADY_DELIVERED
        report = self._repos.admin_log.get(ERROR_REPORT, record_id)
        if report is None or report.get("report_id") != report_id:
            log.warning("error report %s is not in the administration log", report_id)
            return Outcome.GONE
        transport = self._transport()
        try:
            ack = transport.deliver_error_report(report)
        except DeliveryFailed as failed:
            self._repos.ncric_deliveries.failed(report_id, str(failed), transport.description, self._clock.now(), None)
            raise
        self._repos.ncric_deliveries.acknowledged(report_id, ack, transport.description, self._clock.now(), None)
        return Outcome.DELIVERED

    def failures(self) -> list[ParkedMessage]:
        return self._repos.ncric_queue.failures()

    def replay(self) -> list[str]:
        return self._repos.ncric_queue.replay()

    def reconcile(self) -> Reconciliation:
        """Backstop: every vehicle read in retention without an acknowledged delivery goes on the queue again
        (whatever happened to its message). Delivery skips what NCRIC has already acknowledged."""
        now = self._clock.now()
        delivered = self._repos.ncric_deliveries.delivered_ids()
        vehicle = [r for r in self._repos.reads.in_retention(now) if forwarded(r.source)]
        missing = [r for r in vehicle if r.read_id not in delivered]
        self.enqueue(missing)
        reports = [r for r in self._repos.admin_log.of_kind(ERROR_REPORT) if r.get("reported_to") == "NCRIC"]
        unsent = [r for r in reports if r["report_id"] not in delivered]
        for report in unsent:
            self._repos.ncric_queue.send_error_report(report["report_id"], report["record_id"])
        return Reconciliation(
            checked=len(vehicle) + len(reports),
            requeued=[r.read_id for r in missing] + [r["report_id"] for r in unsent],
        )
