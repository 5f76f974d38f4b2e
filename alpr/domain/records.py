"""The records the pipeline writes: the frame ledger, plate reads and alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from alpr.schema import SourceClass


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", use_enum_values=False)


class FrameStatus(StrEnum):
    RECEIVED = "received"
    READ = "read"
    NO_PLATE = "no_plate"
    DEAD_LETTER = "dead_letter"


# A frame ends in one of these; "received" is in flight.
FINAL_FRAME_STATUSES = frozenset({FrameStatus.READ, FrameStatus.NO_PLATE, FrameStatus.DEAD_LETTER})


class FrameMetadata(Record):
    """What travels with the frame's object in S3, so the OCR step needs nothing else to build a read."""

    frame_id: str
    camera_id: str
    source: SourceClass
    captured_at: str
    latitude: float | None = None
    longitude: float | None = None
    content_sha256: str
    client_frame_id: str | None = None
    correlation_id: str = ""


class FrameRecord(Record):
    frame_id: str
    camera_id: str
    source: SourceClass
    status: FrameStatus
    image_key: str
    captured_at: str
    received_at: str
    latitude: float | None = None
    longitude: float | None = None
    content_sha256: str
    client_frame_id: str | None = None
    plates: int = 0
    reason: str | None = None
    expires_at: int | None = None
    correlation_id: str = ""
    # Set while an evidence hold covers the frame's reads; the entry then has no TTL.
    held_by_case: str | None = None


class PlateRead(Record):
    read_id: str
    frame_id: str
    camera_id: str
    source: SourceClass
    plate: str
    raw_text: str
    confidence: float = Field(ge=0, le=1)
    box: list[int]
    captured_at: str
    latitude: float | None = None
    longitude: float | None = None
    image_key: str
    created_at: str
    expires_at: int | None = None
    correlation_id: str = ""
    # Only when the camera or a later step knows it; hotlist matching compares it when both sides do.
    state: str | None = None
    # What the reader made of the plate: its format (US, MX, CA, EU, BR, vanity, other) and, only where the
    # layout tells it reliably, the issuing US state. Shown to staff; never used for matching (a wrong guess
    # must not hide a hotlist hit): ``state`` above is.
    plate_format: str | None = None
    read_state: str | None = None
    # The sighting (several frames of one passing car) this read belongs to, once grouped.
    sighting_id: str | None = None
    # Under an evidence hold: no TTL (expires_at removed), the case number of a hold, and every hold's id.
    held_by_case: str | None = None
    hold_ids: list[str] | None = None  # a DynamoDB string set; absent, not empty, when there is none
    # A misread reported to NCRIC (418.6): the corrected plate and the report; ``plate`` keeps the original.
    corrected_plate: str | None = None
    correction_id: str | None = None

    @property
    def held(self) -> bool:
        return bool(self.hold_ids)


class HotlistReason(StrEnum):
    STOLEN_VEHICLE = "stolen_vehicle"
    STOLEN_PLATE = "stolen_plate"
    WANTED_PERSON = "wanted_person"
    MISSING_PERSON = "missing_person"
    AMBER_ALERT = "amber_alert"
    BLUE_ALERT = "blue_alert"
    SILVER_ALERT = "silver_alert"
    INVESTIGATION = "investigation"
    PROTECT_INFRASTRUCTURE_OR_EVENT = "protect_infrastructure_or_event"


class AlertStatus(StrEnum):
    NEW = "new"
    VERIFIED = "verified"
    NOT_CONFIRMED = "not_confirmed"
    CLOSED = "closed"


class ReviewOutcome(StrEnum):
    """What the officer saw on the image (misreads feed the reader's error statistics and NCRIC reports)."""

    CORRECT_READ = "correct_read"
    WRONG_STATE = "wrong_state"
    INCORRECT_READ = "incorrect_read"


class AlertReview(Record):
    outcome: ReviewOutcome
    by: str
    at: str
    note: str = ""


class AlertStatusChange(Record):
    status: AlertStatus
    by: str
    at: str
    note: str = ""
    clets_reference: str = ""


class Alert(Record):
    alert_id: str
    read_id: str
    entry_id: str
    plate: str
    match_kind: str
    reason: HotlistReason
    case_number: str = ""
    priority: str = "normal"
    hotlist_source: str = "manual"
    hotlist_value: str = ""
    why: str = ""
    description: str = ""
    historical: bool = False
    muted: bool = False
    camera_id: str
    source: SourceClass
    captured_at: str
    latitude: float | None = None
    longitude: float | None = None
    image_key: str
    status: AlertStatus = AlertStatus.NEW
    created_at: str
    updated_at: str = ""
    review: AlertReview | None = None
    history: list[AlertStatusChange] = Field(default_factory=list)
    # Bumped by every review or status change; a change is written only over the revision it was made from.
    revision: int = 0
    expires_at: int | None = None
    correlation_id: str = ""
    held_by_case: str | None = None
    # Raised on a sighting's consensus plate, which none of its frames read on its own.
    sighting_id: str | None = None


def capture_time(record: FrameMetadata | PlateRead) -> datetime:
    return datetime.fromisoformat(record.captured_at.replace("Z", "+00:00"))
