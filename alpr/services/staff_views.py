"""What the staff API shows: request parsing into domain criteria, result rows, and CSV exports."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from alpr.clock import parse_timestamp
from alpr.domain.access import AccessRecord
from alpr.domain.cameras import Camera
from alpr.domain.errors import DomainError
from alpr.domain.records import Alert, PlateRead
from alpr.domain.search import InvalidSearch, PlatePattern, SearchCriteria
from alpr.schema import SourceClass

# Thumbnails ride in the search answer for the first rows only; opening a result shows the full frame.
THUMBNAILS = 50
MAX_AUDIT_DAYS = 92
MAX_AUDIT_ROWS = 1_000


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class SearchRequest(BaseModel):
    plate: str | None = Field(default=None, max_length=24)
    start: str | None = None
    end: str | None = None
    camera_id: str | None = Field(default=None, max_length=128)
    source: SourceClass | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    limit: int = Field(default=100, ge=1, le=500)
    sort: Literal["time", "confidence"] = "time"
    cursor: str | None = Field(default=None, max_length=512)
    # The justification travels in the same body; the gate reads it before the search runs.
    purpose: str | None = None
    offense: str | None = None
    case_number: str | None = None


class TrainingRequest(BaseModel):
    course: str = Field(min_length=3, max_length=200)
    completed_on: date


def parse(model: type[Any], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BadRequest(problems) from None


def _time(value: str | None, what: str) -> datetime | None:
    if not value:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise InvalidSearch(f"{what}: {exc}") from None


def criteria(request: SearchRequest) -> SearchCriteria:
    near = None
    if request.latitude is not None or request.longitude is not None:
        if request.latitude is None or request.longitude is None:
            raise InvalidSearch("a point needs both latitude and longitude")
        near = (request.latitude, request.longitude)
    return SearchCriteria(
        plate=PlatePattern.parse(request.plate) if request.plate else None,
        start=_time(request.start, "start"),
        end=_time(request.end, "end"),
        camera_id=request.camera_id or None,
        source=request.source,
        near=near,
        radius_m=request.radius_m,
    )


def place(read: PlateRead | Alert, cameras: dict[str, Camera]) -> str:
    camera = cameras.get(read.camera_id)
    if camera is not None and not camera.mobile and camera.name:
        return camera.name
    if read.latitude is not None and read.longitude is not None:
        return f"{read.latitude:.5f}, {read.longitude:.5f}"
    return camera.name if camera is not None else ""


def camera_name(camera_id: str, cameras: dict[str, Camera]) -> str:
    camera = cameras.get(camera_id)
    return camera.name if camera is not None and camera.name else camera_id


def read_row(read: PlateRead, cameras: dict[str, Camera]) -> dict[str, Any]:
    return {
        "read_id": read.read_id,
        "plate": read.plate,
        "confidence": read.confidence,
        "captured_at": read.captured_at,
        "camera_id": read.camera_id,
        "camera_name": camera_name(read.camera_id, cameras),
        "source": read.source.value,
        "place": place(read, cameras),
        "latitude": read.latitude,
        "longitude": read.longitude,
        # The plate's format and issuing state as the reader saw them (state known otherwise wins); absent
        # on reads made before the reader gave them.
        "format": read.plate_format,
        "state": read.state or read.read_state,
    }


def export_header(lines: dict[str, str]) -> str:
    """The block above an exported table: who exported it, when, why and what was asked (one "# " line each)."""
    return "".join(f"# {name}: {_one_line(value)}\r\n" for name, value in lines.items()) + "\r\n"


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def alert_row(alert: Alert, cameras: dict[str, Camera]) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "read_id": alert.read_id,
        "plate": alert.plate,
        "match_kind": alert.match_kind,
        "reason": alert.reason.value,
        "case_number": alert.case_number,
        "status": alert.status.value,
        "camera_id": alert.camera_id,
        "camera_name": camera_name(alert.camera_id, cameras),
        "place": place(alert, cameras),
        "priority": alert.priority,
        "entry_id": alert.entry_id,
        "hotlist_value": alert.hotlist_value,
        "hotlist_source": alert.hotlist_source,
        "why": alert.why,
        "description": alert.description,
        "historical": alert.historical,
        "review": alert.review.model_dump(mode="json") if alert.review else None,
        "history": [change.model_dump(mode="json") for change in alert.history],
        "captured_at": alert.captured_at,
        "created_at": alert.created_at,
    }


READ_COLUMNS = (
    "read_id",
    "plate",
    "confidence",
    "captured_at",
    "camera_id",
    "camera_name",
    "source",
    "place",
    "latitude",
    "longitude",
    "state",
    "format",
)
AUDIT_COLUMNS = (
    "at",
    "member_id",
    "member_name",
    "organization",
    "action",
    "subject",
    "purpose",
    "offense",
    "case_number",
    "results",
    "outcome",
    "client",
    "correlation_id",
    "record_id",
)


def to_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # Cells that a spreadsheet would run as a formula are quoted as text.
        writer.writerow({k: _safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


class AuditFilter(BaseModel):
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")
    member: str | None = None
    purpose: str | None = None
    action: str | None = None
    case_number: str | None = None
    text: str | None = None
    # The page of the list: rows ``offset`` to ``offset + page_size`` (not part of what was queried).
    offset: int = Field(default=0, ge=0, exclude=True)
    page_size: int = Field(default=MAX_AUDIT_ROWS, ge=1, le=MAX_AUDIT_ROWS, exclude=True)

    def days(self, today: date) -> tuple[date, date]:
        last = self.end or today
        first = self.start or last - timedelta(days=6)
        if first > last:
            raise BadRequest("'from' is after 'to'")
        if (last - first).days >= MAX_AUDIT_DAYS:
            raise BadRequest(f"list at most {MAX_AUDIT_DAYS} days at a time")
        return first, last

    def keeps(self, record: AccessRecord) -> bool:
        return (
            (not self.member or self.member.lower() in f"{record.member_id} {record.member_name}".lower())
            and (not self.purpose or record.purpose == self.purpose)
            and (not self.action or record.action == self.action)
            and (not self.case_number or record.case_number == self.case_number)
            and (not self.text or self.text.upper() in record.subject.upper())
        )

    def describe(self) -> str:
        given = self.model_dump(by_alias=True, exclude_none=True)
        return "access-records " + " ".join(f"{k}={v}" for k, v in given.items())


def today_utc(now: datetime) -> date:
    return now.astimezone(UTC).date()
