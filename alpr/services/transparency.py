"""The public transparency summary (policy 418.3.1(g)): the posted policy, the retention in force, monthly
counts and the agencies data is shared with. Built only from counts and definitions: no plate, no read, no
image, no access-record subject ever enters it."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from alpr import schema
from alpr.clock import Clock, iso
from alpr.domain import quarterly, transparency
from alpr.domain.quarterly import AuditStatus
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.audits import projected_since
from alpr.repositories.factory import Repositories
from alpr.schema import SourceClass
from alpr.services.administration import AdministrationService
from alpr.services.audit_datasets import DATASETS, NOT_RECORDED
from alpr.services.cameras import CameraHealthService
from alpr.services.compliance import backups_statement

MONTHS_SHOWN = 12


class _Action(NamedTuple):
    action: str
    outcome: str


class TransparencyService:
    def __init__(
        self, repos: Repositories, retention: RetentionPolicy, clock: Clock, time_zone: str, cache_s: float = 0
    ) -> None:
        self._repos = repos
        self._retention = retention
        self._clock = clock
        self._zone = time_zone
        # The page needs no login: answers are kept a while so that callers cannot make every request scan.
        self._cache_s = cache_s
        self._cached: tuple[float, dict[str, Any]] | None = None

    def summary(self) -> dict[str, Any]:
        if self._cached is not None and time.monotonic() - self._cached[0] < self._cache_s:
            return self._cached[1]
        built = self._build()
        self._cached = (time.monotonic(), built)
        return built

    def _build(self) -> dict[str, Any]:
        now = self._clock.now()
        months = transparency.months_back(now.astimezone(ZoneInfo(self._zone)).date(), MONTHS_SHOWN)
        since = iso(transparency_start(months, self._zone))
        designee = AdministrationService(self._repos, self._clock).designee()
        retention_days = {source: self._retention.days(source) for source in SourceClass}
        shared_with = self._shared_with()
        return {
            "generated_at": iso(now),
            "time_zone": self._zone,
            "department": "San Leandro Police Department",
            "policy": "Policy 418, Automated License Plate Readers (ALPRs)",
            "alpr_administrator": designee,
            "policy_items": transparency.policy_items(retention_days, designee, shared_with),
            "retention_in_force": {s.value: retention_days[s] for s in SourceClass},
            "backups": backups_statement(),
            "cameras": self._cameras(),
            # Policy 418.3.1(c): how many watched cameras reported (heartbeat or frame) within their interval.
            "cameras_reporting": self._reporting(),
            "months": months,
            "per_month": {
                "reads": self._monthly(schema.READS, "captured_at", since, months),
                **self._hits(since, months),
                "searches": self._searches(since, months),
            },
            "counts_note": "Reads and hotlist hits are counted from data still kept: months older than the "
            "retention period show what remains under evidence holds. Hotlist hits are the alerts raised as "
            "reads came in; historical hits (earlier reads found by the search an entry's creation starts, "
            "never broadcast) are counted separately, by the month they were found.",
            "shared_with": shared_with,
            "audits": self._audits(),
        }

    def _cameras(self) -> dict[str, dict[str, int]]:
        counts = {s.value: {"active": 0, "inactive": 0} for s in SourceClass}
        for camera in self._repos.cameras.list():
            counts[camera.source.value]["active" if camera.active else "inactive"] += 1
        return counts

    def _reporting(self) -> dict[str, int]:
        states = Counter(h.state.value for h in CameraHealthService(self._repos, self._clock).report())
        watched = sum(n for state, n in states.items() if state in ("ok", "silent", "never_seen"))
        return {
            "reporting": states["ok"],
            "silent": states["silent"],
            "never_seen": states["never_seen"],
            "watched": watched,
        }

    def _monthly(self, table: schema.Table, attribute: str, since: str, months: list[str]) -> dict[str, int]:
        rows = projected_since(self._repos.table(table), [attribute], attribute, since)
        return transparency.monthly_counts((str(r[attribute]) for r in rows), months, self._zone)

    def _hits(self, since: str, months: list[str]) -> dict[str, dict[str, int]]:
        """Live hotlist hits and historical hits, each per month, from one pass over the alerts."""
        rows = list(
            projected_since(self._repos.table(schema.ALERTS), ["created_at", "historical"], "created_at", since)
        )
        live = (str(r["created_at"]) for r in rows if not r.get("historical"))
        historical = (str(r["created_at"]) for r in rows if r.get("historical"))
        return {
            "hotlist_hits": transparency.monthly_counts(live, months, self._zone),
            "historical_hits": transparency.monthly_counts(historical, months, self._zone),
        }

    def _searches(self, since: str, months: list[str]) -> dict[str, int]:
        rows = projected_since(self._repos.table(schema.ACCESS_LOG), ["at", "action", "outcome"], "at", since)
        stamps = (
            str(r["at"]) for r in rows if quarterly.is_search(_Action(str(r["action"]), str(r.get("outcome", ""))))
        )
        return transparency.monthly_counts(stamps, months, self._zone)

    def _shared_with(self) -> list[dict[str, Any]]:
        agencies: list[dict[str, Any]] = [
            {
                "agency": "Northern California Regional Intelligence Center (NCRIC)",
                "data": ", ".join(
                    transparency.SOURCE_TEXT[s] for s, r in schema.RETENTION.items() if r.forwarded_to_ncric
                ),
                "basis": "Memorandum of Understanding (policy 418.2, 418.5)",
            }
        ]
        grants = DATASETS["sharing_grants"]
        if not grants.recorded:
            agencies.append({"agency": "Other agencies", "data": NOT_RECORDED, "basis": "policy 418.7"})
        else:
            # Every grant on record, whatever its date ("0" and "9" bound any ISO 8601 timestamp): each agency
            # and kind of data once, however many requests it made.
            shared = {(str(row["agency"]), str(row["data"])) for row in grants.rows(self._repos, "0", "9")}
            agencies += [{"agency": a, "data": d, "basis": "policy 418.7"} for a, d in sorted(shared)]
        return agencies

    def _audits(self) -> list[dict[str, Any]]:
        """Finalized quarterly audits: when, how many sampled accesses, how many found consistent. No details."""
        return [
            {
                "quarter": a.quarter,
                "finalized_at": a.finalized_at,
                "population": a.population_size,
                **a.outcome(),
                "kept_until": a.locked.retain_until if a.locked else None,
            }
            for a in self._repos.audits.all()
            if a.status is AuditStatus.FINALIZED
        ]


def transparency_start(months: list[str], time_zone: str) -> datetime:
    year, month = (int(p) for p in months[0].split("-"))
    return datetime(year, month, 1, tzinfo=ZoneInfo(time_zone))
