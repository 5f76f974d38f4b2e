"""List files are checked row by row; manual entries expire, keep their history and carry a priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alpr.domain.errors import DomainError
from alpr.domain.hotlist.entries import (
    EntryKind,
    InvalidEntry,
    Priority,
    change_record,
    deactivated,
    extended,
    new_entry,
)
from alpr.domain.hotlist.imports import MAX_BAD_FRACTION, ImportRefused, parse_list, refusal
from alpr.domain.records import HotlistReason

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)
HEADER = "plate,state,plate_type,make,colour,reason_code,record_id\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


GOOD_ROWS = [f"{n % 10}ABC{n:03d},CA,PC,HOND,BLK,SV,V{n:04d}" for n in range(1, 81)]


def test_a_good_file_imports_every_row() -> None:
    parsed = parse_list(csv(*GOOD_ROWS, "8XYZ999,,,,,AA,A0001", "7ab-o12,ca,PC,TOYT,WHI,stolen_plate,P1"))
    assert refusal(parsed) is None
    assert (parsed.rows, len(parsed.records), parsed.bad_count) == (82, 82, 0)
    amber = parsed.records[-2]
    assert (amber.plate, amber.state, amber.reason) == ("8XYZ999", "", HotlistReason.AMBER_ALERT)
    normalized = parsed.records[-1]
    assert (normalized.plate, normalized.state, normalized.reason) == ("7AB012", "CA", HotlistReason.STOLEN_PLATE)


def test_bad_rows_are_reported_with_their_line_numbers_and_reasons() -> None:
    parsed = parse_list(
        csv(
            *GOOD_ROWS,  # lines 2-81
            "7ABC12345,CA,PC,,,SV,B1",  # 82: too long
            "7ABC123,XX,PC,,,SV,B2",  # 83: state
            "7ABC124,CA,PC,,,ZZ,B3",  # 84: reason code
            "7ABC125,CA,PC,,,SV,",  # 85: no record id
            "7ABC126,CA,PC,,,SV,V0001",  # 86: duplicate record id
            "7ABC127,CA",  # 87: short row
        )
    )
    assert refusal(parsed) is None
    assert len(parsed.records) == len(GOOD_ROWS)
    reasons = {bad.line: bad.reason for bad in parsed.bad_rows}
    assert sorted(reasons) == [82, 83, 84, 85, 86, 87]
    assert "2-8 letters" in reasons[82]
    assert "state 'XX'" in reasons[83]
    assert "reason code 'ZZ'" in reasons[84]
    assert "record id is empty" in reasons[85]
    assert "more than once" in reasons[86]
    assert "field(s)" in reasons[87]


def test_a_file_that_is_mostly_bad_is_refused_as_a_whole() -> None:
    bad = [f"NOT A PLATE {n},CA,PC,,,SV,X{n}" for n in range(int(len(GOOD_ROWS) * MAX_BAD_FRACTION) + 5)]
    parsed = parse_list(csv(*GOOD_ROWS, *bad))
    assert "is this the right file" in (refusal(parsed) or "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"plate,state\n7ABC123,CA\n", "lacks column(s) reason_code, record_id"),
        (
            HEADER.encode() + b"7ABC123,CA,PC,,,SV,V1\n7ABC124,CA,PC,\xff\xfe,,SV,V2\n",
            "not UTF-8 text (bad byte at line 3)",
        ),
    ],
)
def test_files_that_cannot_be_read_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_list(data)


def test_ncic_style_headers_are_understood() -> None:
    parsed = parse_list(csv("7ABC123,CA,PC,V,NIC123", header="LIC,LIS,LIT,CODE,NIC\n"))
    [record] = parsed.records
    assert (record.plate, record.reason, record.record_id) == ("7ABC123", HotlistReason.STOLEN_VEHICLE, "NIC123")


def entry(value: str = "7AB?12", **kw: object):  # type: ignore[no-untyped-def]
    fields: dict = {"reason": HotlistReason.INVESTIGATION, "case_number": "26-0042", "entered_by": "m1", "now": NOW}
    fields.update(kw)
    return new_entry(value=value, **fields)


def test_a_partial_plate_entry_is_a_pattern_and_a_full_plate_is_a_plate() -> None:
    assert entry("7AB?12").kind is EntryKind.PATTERN
    assert entry("7ab 123").kind is EntryKind.PLATE and entry("7ab 123").value == "7AB123"


def test_manual_entries_expire() -> None:
    made = entry(expires_in_days=3)
    assert made.in_force(NOW + timedelta(days=2, hours=23))
    assert not made.in_force(NOW + timedelta(days=3))
    assert made.status(NOW + timedelta(days=3)) == "expired"
    assert entry().expires_on == "2026-12-02T18:00:00.000Z"  # 30 days by default
    with pytest.raises(InvalidEntry):
        entry(expires_in_days=400)


def test_an_extended_entry_is_in_force_again_but_a_deactivated_one_cannot_be_extended() -> None:
    made = entry(expires_in_days=1)
    later = NOW + timedelta(days=5)
    renewed = extended(made, 10, later)
    assert renewed.in_force(later) and renewed.revision == made.revision + 1
    gone = deactivated(made, "m2", "vehicle recovered", NOW)
    assert not gone.in_force(NOW) and gone.status(NOW) == "deactivated" and gone.deactivated_by == "m2"
    with pytest.raises(InvalidEntry):
        extended(gone, 10, later)
    with pytest.raises(InvalidEntry):
        deactivated(gone, "m2", "again", NOW)


def test_a_change_record_keeps_before_and_after() -> None:
    made = entry()
    gone = deactivated(made, "m2", "person found", NOW)
    change = change_record(made, gone, "m2", "deactivated", NOW)
    assert change.before is not None and change.before["active"] is True
    assert change.after["active"] is False and change.after["deactivation_reason"] == "person found"


def test_priority_follows_the_reason_and_can_only_be_raised() -> None:
    assert entry(reason=HotlistReason.AMBER_ALERT).priority is Priority.HIGH
    assert entry(reason=HotlistReason.WANTED_PERSON, priority="normal").priority is Priority.HIGH
    assert entry(reason=HotlistReason.STOLEN_VEHICLE).priority is Priority.NORMAL
    assert entry(reason=HotlistReason.STOLEN_VEHICLE, priority="high").priority is Priority.HIGH


@pytest.mark.parametrize(
    "fields",
    [{"case_number": ""}, {"state": "ZZ"}, {"reason": "because"}, {"value": "*A*"}, {"value": "TOOLONGPLATE"}],
)
def test_bad_entries_are_refused_with_a_reason(fields: dict) -> None:
    with pytest.raises(DomainError):
        entry(**fields)
