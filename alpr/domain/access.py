"""Access records (Civil Code § 1798.90.52) and the purposes ALPR data may be used for (policy 418.4.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from alpr.clock import iso
from alpr.domain.cases import case_number as case_number_rule
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


class Offense(StrEnum):
    """Offense or incident types the page offers with a purpose, so the record is a check and not free text."""

    HOMICIDE = "homicide"
    SHOOTING = "shooting"
    ROBBERY = "robbery"
    ASSAULT = "assault"
    SEXUAL_ASSAULT = "sexual_assault"
    KIDNAPPING = "kidnapping"
    BURGLARY = "burglary"
    VEHICLE_THEFT = "vehicle_theft"
    STOLEN_PLATE = "stolen_plate"
    HIT_AND_RUN = "hit_and_run"
    THEFT = "theft"
    FRAUD = "fraud"
    NARCOTICS = "narcotics"
    WEAPONS = "weapons"
    ARREST_WARRANT = "arrest_warrant"
    MISSING_CHILD = "missing_child"
    MISSING_ELDER = "missing_elder"
    AMBER_ALERT = "amber_alert"
    BLUE_ALERT = "blue_alert"
    SILVER_ALERT = "silver_alert"
    OTHER_FELONY = "other_felony"
    OTHER_MISDEMEANOR = "other_misdemeanor"


_VIOLENT = (
    Offense.HOMICIDE,
    Offense.SHOOTING,
    Offense.ROBBERY,
    Offense.ASSAULT,
    Offense.SEXUAL_ASSAULT,
    Offense.KIDNAPPING,
)
_CRIMES = (
    *_VIOLENT,
    Offense.BURGLARY,
    Offense.VEHICLE_THEFT,
    Offense.STOLEN_PLATE,
    Offense.HIT_AND_RUN,
    Offense.THEFT,
    Offense.FRAUD,
    Offense.NARCOTICS,
    Offense.WEAPONS,
    Offense.OTHER_FELONY,
    Offense.OTHER_MISDEMEANOR,
)

# Where a purpose is about a crime, the member also names its type; event and infrastructure protection
# (f, g) are not about an offense, so none is asked.
PURPOSE_OFFENSES: dict[Purpose, tuple[Offense, ...]] = {
    Purpose.STOLEN_WANTED_OR_INVESTIGATION_VEHICLE: _CRIMES,
    Purpose.ARREST_WARRANT_OR_LAWFULLY_SOUGHT: (Offense.ARREST_WARRANT, *_CRIMES),
    Purpose.WITNESS_OR_VICTIM_OF_VIOLENT_CRIME: _VIOLENT,
    Purpose.MISSING_CHILD_OR_ELDER: (
        Offense.MISSING_CHILD,
        Offense.MISSING_ELDER,
        Offense.AMBER_ALERT,
        Offense.BLUE_ALERT,
        Offense.SILVER_ALERT,
    ),
    Purpose.SUPPORT_OTHER_AGENCY_INVESTIGATION: _CRIMES,
    Purpose.PROTECT_LOCAL_EVENT: (),
    Purpose.PROTECT_CRITICAL_INFRASTRUCTURE: (),
}


def purpose_catalog() -> list[dict[str, object]]:
    """The standardized list the page shows: each purpose with its text and the offense types it takes."""
    return [
        {
            "code": purpose.value,
            "text": PURPOSE_TEXT[purpose],
            "offenses": [o.value for o in PURPOSE_OFFENSES[purpose]],
        }
        for purpose in Purpose
    ]


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
    offense: str = ""
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
    return chosen, case_number_rule(case_number, MissingJustification)


def offense_for(purpose: Purpose, offense: str | None, *, required: bool) -> Offense | None:
    """The offense type must be one the purpose allows; the staff page requires one where the purpose has any."""
    allowed = PURPOSE_OFFENSES[purpose]
    text = (offense or "").strip().lower()
    if not text:
        if required and allowed:
            raise MissingJustification(
                f"purpose {purpose.value} needs an offense type: {', '.join(o.value for o in allowed)}"
            )
        return None
    try:
        chosen = Offense(text)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in allowed:
        expected = ", ".join(o.value for o in allowed) or "none (this purpose takes no offense type)"
        raise MissingJustification(f"offense type {text!r} does not go with purpose {purpose.value}: {expected}")
    return chosen


def new_access_record(now: datetime, **fields: object) -> AccessRecord:
    stamp = iso(now)
    return AccessRecord(day=stamp[:10], record_id=f"{stamp}#{uuid.uuid4().hex[:12]}", at=stamp, **fields)  # type: ignore[arg-type]
