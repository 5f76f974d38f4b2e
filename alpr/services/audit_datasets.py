"""What audits read: a registry of datasets, each a name and a callable giving its rows for a time range.

The quarterly summary and the annual bundle both walk this registry. A dataset the deployment does not
record (member accounts live in the Cognito user pool, whose changes CloudTrail keeps) is registered with no
source: audits show it as "not yet recorded", never as zero. Adding one later is one line:
``register(Dataset(...))``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alpr import schema
from alpr.domain.sharing import RequestStatus
from alpr.domain.transparency import SOURCE_TEXT
from alpr.repositories.audits import rows_between
from alpr.repositories.factory import Repositories

NOT_RECORDED = "not yet recorded"

# (repositories, start, end) -> rows; start and end are ISO 8601 UTC text, the range is [start, end).
RowSource = Callable[[Repositories, str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    source: RowSource | None = None
    # The column whose values the quarterly summary counts (e.g. the action of a hotlist change).
    count_by: str | None = None
    # Shown in the quarterly summary (the annual bundle takes every dataset).
    in_quarterly_summary: bool = True

    @property
    def recorded(self) -> bool:
        return self.source is not None

    def rows(self, repos: Repositories, start: str, end: str) -> list[dict[str, Any]]:
        if self.source is None:
            raise LookupError(f"{self.name} is {NOT_RECORDED}")
        return self.source(repos, start, end)


DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    DATASETS[dataset.name] = dataset
    return dataset


def utc_days(start: str, end: str) -> Iterator[str]:
    """The UTC days (access-log partitions) that [start, end) touches."""
    first = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC).date()
    last = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(milliseconds=1)).astimezone(UTC).date()
    day = first
    while day <= last:
        yield day.isoformat()
        day += timedelta(days=1)


def access_rows(repos: Repositories, start: str, end: str) -> list[dict[str, Any]]:
    """Every access record in the range with its chain fields, so a reviewer can re-check the chain."""
    rows = []
    for day in utc_days(start, end):
        rows += [r for r in repos.access_log.chain.items(day) if start <= str(r.get("at", "")) < end]
    return sorted(rows, key=lambda r: (str(r["day"]), int(r.get("seq", 0))))


def chain_head_rows(repos: Repositories, start: str, end: str) -> list[dict[str, Any]]:
    days = set(utc_days(start, end))
    return sorted((h for h in repos.access_log.chain.heads() if h["day"] in days), key=lambda h: str(h["day"]))


def table_rows(table: schema.Table, time_attribute: str) -> RowSource:
    return lambda repos, start, end: rows_between(repos.table(table), time_attribute, start, end)


def admin_rows(kind: str) -> RowSource:
    return lambda repos, start, end: repos.admin_log.of_kind(kind, start, end)


def hold_rows(repos: Repositories, start: str, end: str) -> list[dict[str, Any]]:
    """Holds requested, placed or released in the range, as they stand now."""
    table = repos.table(schema.HOLDS)
    found: dict[str, dict[str, Any]] = {}
    for attribute in ("requested_at", "placed_at", "released_at"):
        for row in rows_between(table, attribute, start, end):
            found[str(row["hold_id"])] = row
    return sorted(found.values(), key=lambda r: str(r["requested_at"]))


register(Dataset("access_records", "every access record (who, when, what, why, case), chained by hash", access_rows))
register(
    Dataset(
        "access_chain_heads",
        "per day: the sequence number and hash of the last access record (anchors the chain)",
        chain_head_rows,
        in_quarterly_summary=False,
    )
)
register(
    Dataset(
        "hotlist_changes",
        "manual hotlist entries added, changed, deactivated",
        table_rows(schema.HOTLIST_CHANGES, "at"),
        "action",
    )
)
register(Dataset("holds", "evidence holds requested, placed or released", hold_rows, "status"))
register(
    Dataset(
        "hold_events",
        "who requested, placed, released or booked a hold",
        table_rows(schema.HOLD_EVENTS, "at"),
        "action",
    )
)
register(
    Dataset(
        "purge_reports",
        "each purge run: counts deleted per class, held items skipped, failures",
        table_rows(schema.PURGE_REPORTS, "started_at"),
        "finished",
    )
)
register(
    Dataset("camera_changes", "cameras added, renamed, moved, deactivated, reactivated", admin_rows("camera"), "change")
)
register(
    Dataset(
        "administrator_designations",
        "the ALPR administrator designee over time (418.3.1(e))",
        admin_rows("designation"),
    )
)
register(
    Dataset(
        "error_reports",
        "misreads and wrong hits reported to NCRIC, with corrections (418.6)",
        admin_rows("error_report"),
        "error",
    )
)
# A grant's token is a secret the agency holds; its hash stays in the table and out of every audit file.
_SHARE_REQUEST_SECRETS = ("grant_token_hash",)


def share_request_rows(repos: Repositories, start: str, end: str) -> list[dict[str, Any]]:
    """Every request filed in the range, approved, denied, refused or routed to records release (418.7(c))."""
    rows = rows_between(repos.table(schema.SHARE_REQUESTS), "filed_at", start, end)
    return [{k: v for k, v in row.items() if k not in _SHARE_REQUEST_SECRETS} for row in rows]


def share_grant_rows(repos: Repositories, start: str, end: str) -> list[dict[str, Any]]:
    """Data shared with another agency: each request a captain approved in the range, what it covered, who
    approved it and until when the grant works. ``agency`` and ``data`` name them in words (the transparency
    page lists them)."""
    approved = [
        r
        for r in rows_between(repos.table(schema.SHARE_REQUESTS), "decided_at", start, end)
        if r.get("status") == RequestStatus.APPROVED.value
    ]
    return [
        {
            "request_id": r["request_id"],
            "ori": r["ori"],
            "agency": r.get("agency_name") or r["ori"],
            "data": SOURCE_TEXT[schema.SourceClass(r["data_class"])],
            "case_number": r.get("case_number", ""),
            "intended_purpose": r.get("intended_purpose", ""),
            "plates": r.get("plates", []),
            "window_start": r["window_start"],
            "window_end": r["window_end"],
            "decided_by": r.get("decided_by", ""),
            "decided_at": r["decided_at"],
            "grant_expires_at": r.get("grant_expires_at", ""),
        }
        for r in approved
    ]


register(
    Dataset("sharing_requests", "requests for ALPR data from other agencies (418.7)", share_request_rows, "status")
)
register(
    Dataset("sharing_grants", "data shared with other agencies: approved requests (418.7)", share_grant_rows, "ori")
)
register(Dataset("user_changes", "members added, removed, roles changed (kept by Cognito and CloudTrail)"))
register(
    Dataset(
        "training_changes",
        "training records of members, with who recorded them and when (418.4(d), 418.98)",
        admin_rows("training"),
        "by",
    )
)


def summarize(repos: Repositories, start: str, end: str) -> dict[str, Any]:
    """Per dataset in the quarterly summary: the row count and counts by its key column, or not yet recorded."""
    summary: dict[str, Any] = {}
    for dataset in DATASETS.values():
        if not dataset.in_quarterly_summary or dataset.name == "access_records":
            continue
        if not dataset.recorded:
            summary[dataset.name] = NOT_RECORDED
            continue
        rows = dataset.rows(repos, start, end)
        entry: dict[str, Any] = {"rows": len(rows)}
        if dataset.count_by:
            entry[f"by_{dataset.count_by}"] = dict(
                sorted(Counter(str(r.get(dataset.count_by, "")) for r in rows).items())
            )
        summary[dataset.name] = entry
    return summary
