"""The compliance report a records custodian runs (policy 418.3.1 (f), 418.5): per class the oldest item
not under a hold and whether it is within policy, every hold with its case number and age, and the
last purge runs. It is what an auditor asks for first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alpr import schema
from alpr.clock import Clock, iso
from alpr.domain.holds import READS_COMPLIANCE, Hold, HoldStatus, Identity, require_role
from alpr.domain.records import capture_time
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories
from alpr.schema import SourceClass


def _finding(
    retention: RetentionPolicy, source: SourceClass, captured: datetime, now: datetime, **extra: Any
) -> dict[str, Any]:
    age = retention.age_days(captured, now)
    return {
        "captured_at": iso(captured),
        "age_days": age,
        "within_policy": age <= retention.days(source),
        **extra,
    }


def oldest_unheld_reads(repos: Repositories, retention: RetentionPolicy, now: datetime) -> dict[str, dict[str, Any]]:
    """Per class, the oldest read not under a hold, expired-but-not-yet-deleted ones included.

    One query per registered camera on the by_camera index (oldest first), so it costs the number of
    cameras, not the number of reads.
    """
    oldest: dict[SourceClass, tuple[datetime, str]] = {}
    for camera in repos.cameras.list():
        read = repos.retention.oldest_unheld_read(camera.camera_id)
        if read is None:
            continue
        captured = capture_time(read)
        if camera.source not in oldest or captured < oldest[camera.source][0]:
            oldest[camera.source] = (captured, read.read_id)
    return {
        source.value: _finding(retention, source, captured, now, read_id=read_id)
        for source, (captured, read_id) in sorted(oldest.items())
    }


def oldest_unheld_images(repos: Repositories, retention: RetentionPolicy, now: datetime) -> dict[str, dict[str, Any]]:
    """Per class, the oldest image version no legal hold keeps, read from the bucket itself."""
    oldest: dict[SourceClass, tuple[datetime, str]] = {}
    for camera in repos.cameras.list():
        prefix = f"{schema.BUCKET.frames}{camera.source.value}/{camera.camera_id}/"
        found = repos.image_versions.oldest_unheld(prefix)
        if found is None:
            continue
        key, captured = found
        if captured is None:
            continue
        if camera.source not in oldest or captured < oldest[camera.source][0]:
            oldest[camera.source] = (captured, key)
    return {
        source.value: _finding(retention, source, captured, now, key=key)
        for source, (captured, key) in sorted(oldest.items())
    }


def backups_statement() -> dict[str, Any]:
    """How long purged records stay restorable from backups (the tables' point-in-time recovery window)."""
    days = schema.BACKUP_RECOVERY_DAYS
    return {
        "point_in_time_recovery_days": days,
        "statement": f"Purged reads, alerts and records stay restorable from the tables' point-in-time backups for "
        f"at most {days} days after the purge; a purged image version is deleted outright.",
    }


class ComplianceService:
    def __init__(self, repos: Repositories, retention: RetentionPolicy, clock: Clock) -> None:
        self._repos = repos
        self._retention = retention
        self._clock = clock

    def report(self, actor: Identity, purge_runs: int = 10) -> dict[str, Any]:
        require_role(actor, READS_COMPLIANCE, "reading the compliance report")
        now = self._clock.now()
        reads = oldest_unheld_reads(self._repos, self._retention, now)
        images = oldest_unheld_images(self._repos, self._retention, now)
        held_by_class: dict[str, int] = {}
        for held in self._repos.retention.held_reads():
            held_by_class[held.source.value] = held_by_class.get(held.source.value, 0) + 1
        classes = {}
        for source in SourceClass:
            rule = schema.RETENTION[source]
            oldest_read, oldest_image = reads.get(source.value), images.get(source.value)
            classes[source.value] = {
                "retention_days": self._retention.days(source),
                "policy_days": rule.purge_after_days,
                "policy_words": rule.policy_words,
                "oldest_unheld_read": oldest_read,
                "oldest_unheld_image": oldest_image,
                "held_reads": held_by_class.get(source.value, 0),
                "within_policy": all(f is None or f["within_policy"] for f in (oldest_read, oldest_image)),
            }
        holds = [self._hold_row(h, now) for s in (HoldStatus.ACTIVE, HoldStatus.REQUESTED) for h in self._holds(s)]
        runs = self._repos.purge_reports.latest(purge_runs)
        return {
            "generated_at": iso(now),
            "generated_by": actor.member_id,
            "time_zone": schema.DEPARTMENT_TIME_ZONE,
            "within_policy": all(c["within_policy"] for c in classes.values()),
            "classes": classes,
            "holds": holds,
            "purge_runs": runs,
            "last_purge_failures": sum(int(r.get("failure_count", 0)) for r in runs[:1]),
            "backups": backups_statement(),
        }

    def _holds(self, status: HoldStatus) -> list[Hold]:
        return self._repos.holds.with_status(status)

    def _hold_row(self, hold: Hold, now: datetime) -> dict[str, Any]:
        since = datetime.fromisoformat((hold.placed_at or hold.requested_at).replace("Z", "+00:00"))
        return {
            "hold_id": hold.hold_id,
            "case_number": hold.case_number,
            "status": hold.status.value,
            "reason": hold.reason,
            "reads": len(hold.read_ids),
            "since": hold.placed_at or hold.requested_at,
            "age_days": (now - since).days,
            "placed_by": hold.placed_by or "",
            "requested_by": hold.requested_by,
            "booked": bool(hold.evidence_manifests),
        }
