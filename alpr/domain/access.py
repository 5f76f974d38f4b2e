"""Access records (Civil Code § 1798.90.52) and the purposes ALPR data may be used for (policy 418.4.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from alpr.clock import iso
from alpr.domain.errors import DomainError
from alpr.domain.records import Record


class Purpose(StrEnum):
    """Policy 418.4.1 (a)-(g): a standardized list, so a purpose is a check and not free text."""

    STOLEN_WANTED_OR_INVESTIGATION_VEHICLE = "a"
    ARREST_WARRANT_OR_LAWFULLY_SOUGHT = "b"
    WITNESS_OR_VICTIM_OF_VIOLENT_CRIME = "c"
    MISSING_CHILD_OR_ELDER = "d"
    SUPPORT_OTHER_AGENCY_INVESTIGATION = "e"
    PROTECT_LOCAL_EVENT = "f"
    PROTECT_CRITICAL_INFRASTRUCTURE = "g"


PURPOSE_TEXT: dict[Purpose, str] = {
    Purpose.STOLEN_WANTED_OR_INVESTIGATION_VEHICLE: "Locate stolen, wanted, and subject of investigation vehicles",
    Purpose.ARREST_WARRANT_OR_LAWFULLY_SOUGHT: (
        "Locate and apprehend individuals subject to arrest warrants or otherwise lawfully sought"
    ),
    Purpose.WITNESS_OR_VICTIM_OF_VIOLENT_CRIME: "Locate witnesses and victims of violent crime",
    Purpose.MISSING_CHILD_OR_ELDER: "Locate missing children and elderly individuals (Amber, Blue, Silver Alerts)",
    Purpose.SUPPORT_OTHER_AGENCY_INVESTIGATION: (
        "Support local, state, federal and tribal public safety departments in criminal investigations"
    ),
    Purpose.PROTECT_LOCAL_EVENT: "Protect participants at local events",
    Purpose.PROTECT_CRITICAL_INFRASTRUCTURE: "Protect critical infrastructure sites",
}


class MissingJustification(DomainError):
    status = 400
    code = "purpose_and_case_required"


class AccessRecord(Record):
    day: str
    record_id: str
    at: str
    member_id: str
    member_name: str
    organization: str
    action: str
    subject: str = Field(description="the plate or other data elements queried, or the object opened")
    purpose: str = ""
    case_number: str = ""
    results: int = 0
    client: str = ""
    outcome: str = "allowed"
    correlation_id: str = ""
    # Data handed to someone outside the department under a share grant (418.7): the agency (ORI and name)
    # and the person it went to. Empty for department members.
    outside_agency: str = ""
    outside_person: str = ""


def justification(purpose: str | None, case_number: str | None) -> tuple[Purpose, str]:
    """Every access to ALPR data names one of the policy's purposes and a case or incident number."""
    try:
        chosen = Purpose((purpose or "").strip().lower())
    except ValueError:
        choices = ", ".join(f"{p.value} ({PURPOSE_TEXT[p]})" for p in Purpose)
        raise MissingJustification(f"choose a purpose from policy 418.4.1: {choices}") from None
    case = (case_number or "").strip()
    if len(case) < 3:
        raise MissingJustification("a case or incident number is required for every access to ALPR data")
    return chosen, case


def new_access_record(now: datetime, **fields: object) -> AccessRecord:
    stamp = iso(now)
    return AccessRecord(day=stamp[:10], record_id=f"{stamp}#{uuid.uuid4().hex[:12]}", at=stamp, **fields)  # type: ignore[arg-type]
