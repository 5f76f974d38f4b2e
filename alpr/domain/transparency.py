"""The public usage and privacy policy (policy 418.3.1(g); Civil Code § 1798.90.51(b)): the seven items the
law requires, written from the same definitions the platform enforces, so the posted policy and the running
system cannot drift apart. Plain Python: no plate data ever enters this module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from alpr.domain.access import PURPOSE_TEXT, Purpose
from alpr.schema import RETENTION, Role, SourceClass

DEFAULT_CUSTODIAN_TITLE = "Bureau of Services Captain"

ROLE_TEXT: dict[Role, str] = {
    Role.OFFICER: "Sworn officers and department members assigned to ALPR use: search data and work alerts for an "
    "authorized purpose and a case number",
    Role.ADMINISTRATOR: "ALPR administrators (members assigned by the Bureau of Services Captain): manage cameras, "
    "hotlists, evidence holds and error reports",
    Role.CAPTAIN: "The Bureau of Services Captain: oversees the ALPR operation, retention and access",
    Role.AUDITOR: "Auditors, including the Independent Police Auditor: read-only review of records and audits",
}

SOURCE_TEXT: dict[SourceClass, str] = {
    SourceClass.FIXED: "Fixed (Flock) cameras",
    SourceClass.VEHICLE: "Vehicle-mounted cameras (data forwarded to NCRIC)",
    SourceClass.AXON: "Axon Fleet in-car cameras",
}


def months_back(today: date, count: int) -> list[str]:
    """``count`` month labels ending with ``today``'s month, oldest first ("2026-11")."""
    labels = []
    year, month = today.year, today.month
    for _ in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(labels))


def monthly_counts(stamps: Iterable[str], months: list[str], time_zone: str) -> dict[str, int]:
    """Counts of ISO 8601 UTC timestamps per month of the department's calendar; every month is present."""
    zone = ZoneInfo(time_zone)
    counted: Counter[str] = Counter(
        datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(zone).strftime("%Y-%m") for s in stamps
    )
    return {m: counted.get(m, 0) for m in months}


def policy_items(
    retention_days: Mapping[SourceClass, int], custodian: Mapping[str, Any] | None, shared_with: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The seven items of Civil Code § 1798.90.51(b), in its order."""
    title = custodian["title"] if custodian else DEFAULT_CUSTODIAN_TITLE
    return [
        {
            "item": "Authorized purposes",
            "law": "Civil Code § 1798.90.51(b)(1); policy 418.4, 418.4.1",
            "text": "ALPR data is used only for official law enforcement business. Each access names one of "
            "these purposes and a case or incident number.",
            "list": [f"({p.value}) {PURPOSE_TEXT[p]}" for p in Purpose],
        },
        {
            "item": "Who may use or access the system, and their training",
            "law": "Civil Code § 1798.90.51(b)(2); policy 418.3.1(a)(b), 418.4(d), 418.98",
            "text": "No member operates ALPR equipment or accesses ALPR data without first completing "
            "department-approved training consistent with the NCRIC ALPR Policy; the system refuses access to "
            "members without a training record.",
            "list": [ROLE_TEXT[r] for r in Role],
        },
        {
            "item": "How use is monitored",
            "law": "Civil Code § 1798.90.51(b)(3), § 1798.90.52; policy 418.6, 418.6.1",
            "text": "Access is only through a login. Every access to ALPR data is recorded with the member's name, "
            "date and time, what was looked for, the purpose and the case number, before any data is shown. "
            "Access records are chained by SHA-256 so that an altered, removed or inserted record is detected. "
            "Each quarter an auditor reviews a random sample of at least five images viewed or downloaded by "
            "members, and the Independent Police Auditor audits the system every year.",
        },
        {
            "item": "Sharing: purposes, process and restrictions",
            "law": "Civil Code § 1798.90.51(b)(4), § 1798.90.55; policy 418.7",
            "text": "Data is shared only with law enforcement or prosecutorial agencies for official law "
            "enforcement purposes, or as otherwise permitted by law, never with agencies outside California. "
            "An agency that is not an NCRIC partner makes a request naming the agency, the person requesting and "
            "the purpose; the Bureau of Services Captain or designee approves it before it is fulfilled, and the "
            "approved request is kept on file. Axon Fleet data is not shared. Data is not sold.",
            "shared_with": shared_with,
        },
        {
            "item": "Custodian of the ALPR system",
            "law": "Civil Code § 1798.90.51(b)(5); policy 418.3.1(e)",
            "text": f"The {title} is responsible for the ALPR system and for implementing this policy.",
            "custodian_title": title,
            "current_designee": dict(custodian) if custodian else None,
        },
        {
            "item": "Accuracy and correction of errors",
            "law": "Civil Code § 1798.90.51(b)(6); policy 418.4(f), 418.6",
            "text": "Officers verify an ALPR alert through CLETS, where practicable, before taking enforcement "
            "action based solely on it, and record what the image shows. The ALPR administrator reports misreads "
            "and wrong hits to NCRIC for correction; the corrected read is marked and the original kept for the "
            "record.",
        },
        {
            "item": "Retention and destruction",
            "law": "Civil Code § 1798.90.51(b)(7); policy 418.5; Government Code § 34090.6",
            "text": "Data is deleted automatically when its retention period ends, unless it is, or is reasonably "
            "expected to become, evidence or is subject to a lawful request for records; such data is held under "
            "an evidence hold with a case number and released when no longer needed.",
            "retention": [
                {
                    "cameras": SOURCE_TEXT[source],
                    "days_in_force": retention_days[source],
                    "policy": RETENTION[source].policy_words,
                }
                for source in SourceClass
            ],
        },
    ]
