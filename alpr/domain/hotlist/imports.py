"""Imported hotlists: CSV files as published by California DOJ's Stolen Vehicle System or NCIC extracts.

Every row is checked; bad rows are reported with their line number and reason and left out. A file that
cannot be read at all, lacks a required column, or is mostly bad rows is refused as a whole: the list
in force stays as it was (a truncated or wrong file must never replace a good list).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from alpr.domain.errors import DomainError
from alpr.domain.hotlist.entries import US_STATES
from alpr.domain.hotlist.text import normalize_hotlist_plate
from alpr.domain.plates import is_plausible_plate
from alpr.domain.records import HotlistReason

# A file with more bad rows than this is probably the wrong file, not a file with a few typos.
MAX_BAD_FRACTION = 0.10
# The report keeps this many bad rows in full; the count covers all of them.
REPORTED_BAD_ROWS = 1000
MAX_FIELD_LENGTH = 40

# Header names seen in state and federal extracts, mapped to ours.
COLUMN_ALIASES: dict[str, str] = {
    "plate": "plate",
    "lic": "plate",
    "license": "plate",
    "license_plate": "plate",
    "plate_number": "plate",
    "state": "state",
    "lis": "state",
    "plate_state": "state",
    "plate_type": "plate_type",
    "lit": "plate_type",
    "type": "plate_type",
    "make": "make",
    "vma": "make",
    "vehicle_make": "make",
    "colour": "colour",
    "color": "colour",
    "vco": "colour",
    "reason_code": "reason_code",
    "reason": "reason_code",
    "code": "reason_code",
    "record_id": "record_id",
    "nic": "record_id",
    "record": "record_id",
    "id": "record_id",
}
REQUIRED_COLUMNS = ("plate", "reason_code", "record_id")

# Reason codes of the state and NCIC files (vehicle, licence-plate, wanted and missing person files) and
# our own category names.
REASON_CODES: dict[str, HotlistReason] = {
    **{reason.value.upper(): reason for reason in HotlistReason},
    "SV": HotlistReason.STOLEN_VEHICLE,
    "V": HotlistReason.STOLEN_VEHICLE,
    "VEH": HotlistReason.STOLEN_VEHICLE,
    "STOLEN": HotlistReason.STOLEN_VEHICLE,
    "SP": HotlistReason.STOLEN_PLATE,
    "SL": HotlistReason.STOLEN_PLATE,
    "L": HotlistReason.STOLEN_PLATE,
    "LIC": HotlistReason.STOLEN_PLATE,
    "W": HotlistReason.WANTED_PERSON,
    "WP": HotlistReason.WANTED_PERSON,
    "WANTED": HotlistReason.WANTED_PERSON,
    "MP": HotlistReason.MISSING_PERSON,
    "M": HotlistReason.MISSING_PERSON,
    "MISSING": HotlistReason.MISSING_PERSON,
    "AA": HotlistReason.AMBER_ALERT,
    "AMBER": HotlistReason.AMBER_ALERT,
    "BA": HotlistReason.BLUE_ALERT,
    "BLUE": HotlistReason.BLUE_ALERT,
    "SA": HotlistReason.SILVER_ALERT,
    "SILVER": HotlistReason.SILVER_ALERT,
}


class ImportRefused(DomainError):
    status = 422
    code = "hotlist_import_refused"


class ImportTooLarge(ImportRefused):
    status = 413
    code = "hotlist_import_too_large"


def check_direct_body(size: int, limit: int, upload_route: str) -> None:
    """A list in the request body must pass the web ACL's body-size rule; a larger one is uploaded instead."""
    if size > limit:
        raise ImportTooLarge(
            f"the list is {size:,} bytes; a request body may carry at most {limit:,} bytes (the web firewall "
            f"blocks larger bodies). Upload it instead: POST {upload_route} gives a presigned upload"
        )


def check_upload_size(size: int, limit: int) -> None:
    if size <= 0:
        raise ImportRefused("the file is empty; nothing was imported")
    if size > limit:
        raise ImportTooLarge(
            f"the file is {size:,} bytes, over the {limit:,}-byte limit for a list upload; nothing was imported"
        )


class UploadStatus(StrEnum):
    """An upload ticket's life: handed out, the file landed and is being checked, then the import's outcome."""

    AWAITING_UPLOAD = "awaiting_upload"
    EXPIRED = "expired"  # the upload link lapsed before a file arrived (computed, never stored)
    IMPORTING = "importing"
    IN_FORCE = "in_force"
    REFUSED = "refused"
    SUPERSEDED = "superseded"


FINISHED_UPLOADS = frozenset({UploadStatus.IN_FORCE, UploadStatus.REFUSED, UploadStatus.SUPERSEDED})


class UploadTicket(BaseModel):
    """One presigned upload an administrator asked for; the import it leads to is attributed to them."""

    model_config = ConfigDict(extra="ignore")

    upload_id: str
    list_name: str
    requested_by: str
    requested_at: str
    upload_expires_at: str
    max_bytes: int
    key: str
    status: UploadStatus = UploadStatus.AWAITING_UPLOAD
    filename: str = ""
    received_bytes: int = 0
    version: str = ""
    finished_at: str = ""
    refused_because: str = ""

    def seen_at(self, now_iso: str) -> UploadTicket:
        """As an administrator sees it now: an upload that never arrived before its link lapsed is expired."""
        if self.status == UploadStatus.AWAITING_UPLOAD and now_iso > self.upload_expires_at:
            return self.model_copy(update={"status": UploadStatus.EXPIRED})
        return self


class ImportedRecord(NamedTuple):
    """One row of an imported list, as checked."""

    plate: str
    state: str
    plate_type: str
    make: str
    colour: str
    reason: HotlistReason
    record_id: str


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ParsedList:
    records: list[ImportedRecord] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    rows: int = 0

    def reject(self, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad_rows) < REPORTED_BAD_ROWS:
            self.bad_rows.append(BadRow(line, reason))


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRefused(f"the file is not UTF-8 text (bad byte at line {line}); nothing was imported") from None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        ours = COLUMN_ALIASES.get(name.strip().lower().replace(" ", "_"))
        if ours and ours not in columns:
            columns[ours] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportRefused(
            f"the header (line 1) lacks column(s) {', '.join(missing)}; expected e.g. "
            "plate,state,plate_type,make,colour,reason_code,record_id"
        )
    return columns


def _clean(value: str) -> str:
    return " ".join(value.split())[:MAX_FIELD_LENGTH]


def parse_list(data: bytes) -> ParsedList:
    """Checks every row; raises ImportRefused when the file cannot be read as a list at all."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused("the file is empty") from None
    except csv.Error as exc:
        raise ImportRefused(f"line 1: {exc}") from None
    columns = _columns(header)
    width = max(columns.values()) + 1
    plate_at, reason_at, record_at = columns["plate"], columns["reason_code"], columns["record_id"]
    state_at, type_at = columns.get("state"), columns.get("plate_type")
    make_at, colour_at = columns.get("make"), columns.get("colour")
    parsed = ParsedList()
    seen_ids: set[str] = set()
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportRefused(f"line {reader.line_num}: {exc}; nothing was imported") from None
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        parsed.rows += 1
        if len(row) < width:
            parsed.reject(line, f"{len(row)} field(s), expected at least {width}")
            continue
        plate = normalize_hotlist_plate(row[plate_at])
        if not is_plausible_plate(plate):
            parsed.reject(line, f"plate {row[plate_at].strip()!r} is not 2-8 letters and digits")
            continue
        state = row[state_at].strip().upper() if state_at is not None else ""
        if state and state not in US_STATES:
            parsed.reject(line, f"unknown state {state!r}")
            continue
        code = row[reason_at].strip().upper()
        reason = REASON_CODES.get(code)
        if reason is None:
            parsed.reject(line, f"unknown reason code {row[reason_at].strip()!r}")
            continue
        record_id = _clean(row[record_at])
        if not record_id:
            parsed.reject(line, "record id is empty")
            continue
        if record_id in seen_ids:
            parsed.reject(line, f"record id {record_id!r} appears more than once")
            continue
        seen_ids.add(record_id)
        parsed.records.append(
            ImportedRecord(
                plate,
                state,
                _clean(row[type_at]) if type_at is not None else "",
                _clean(row[make_at]) if make_at is not None else "",
                _clean(row[colour_at]) if colour_at is not None else "",
                reason,
                record_id,
            )
        )
    return parsed


def refusal(parsed: ParsedList) -> str | None:
    """Why a checked file as a whole must not replace the list in force, or None when it may."""
    if not parsed.records:
        return f"no usable rows ({parsed.bad_count} bad); nothing was imported"
    if parsed.bad_count > MAX_BAD_FRACTION * parsed.rows:
        first = parsed.bad_rows[0]
        return (
            f"{parsed.bad_count} of {parsed.rows} rows are bad (more than {MAX_BAD_FRACTION:.0%}): is this the "
            f"right file? The list in force was kept. First: line {first.line}: {first.reason}"
        )
    return None


def valid_list_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not cleaned or len(cleaned) > 40 or not all(c.isalnum() or c in "-_" for c in cleaned):
        raise ImportRefused(f"list name {name!r}: use 1-40 letters, digits, - or _ (e.g. ca-svs, ncic)")
    return cleaned
