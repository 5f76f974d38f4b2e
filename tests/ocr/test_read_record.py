"""The reader's format and state guesses travel to the stored read and the search/read API rows."""

from __future__ import annotations

from datetime import UTC, datetime

from alpr.domain.reading import build_reads
from alpr.domain.records import FrameMetadata
from alpr.domain.retention import RetentionPolicy
from alpr.ocr.reader import PlateResult
from alpr.repositories.dynamo import to_item
from alpr.schema import SourceClass
from alpr.services.staff_views import read_row

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
META = FrameMetadata(
    frame_id="f1",
    camera_id="cam",
    source=SourceClass.FIXED,
    captured_at="2026-12-01T17:00:00.000Z",
    content_sha256="0" * 64,
)


def reads_of(*plates: PlateResult):
    return build_reads(META, "frames/f1.jpg", list(plates), RetentionPolicy(), NOW)


def test_format_and_state_are_stored_on_the_read_but_not_used_for_matching() -> None:
    (read,) = reads_of(PlateResult("7ABC123", "7ABC123", 0.95, (1, 2, 3, 4), "US", "CA"))
    assert (read.plate_format, read.read_state) == ("US", "CA")
    # ``state`` is what hotlist matching compares: a reader's guess must never filter out a hit.
    assert read.state is None
    item = to_item(read)
    assert item["plate_format"] == "US" and item["read_state"] == "CA"


def test_a_foreign_plate_keeps_its_format_and_claims_no_state() -> None:
    (read,) = reads_of(PlateResult("ABC123D", "ABC123D", 0.9, (1, 2, 3, 4), "MX", None))
    assert (read.plate_format, read.read_state) == ("MX", None)
    assert "read_state" not in to_item(read)


def test_plates_without_guesses_still_make_reads() -> None:
    class Seen:
        text, raw_text, confidence, box = "8XYZ999", "8XYZ999", 0.9, (1, 2, 3, 4)

    (read,) = reads_of(Seen())  # type: ignore[arg-type]
    assert read.plate_format is None and read.read_state is None


def test_api_rows_return_format_and_state() -> None:
    (read,) = reads_of(PlateResult("7ABC123", "7ABC123", 0.95, (1, 2, 3, 4), "US", "CA"))
    row = read_row(read, {})
    assert (row["format"], row["state"]) == ("US", "CA")
    # A state known otherwise (camera, later step) wins over the reader's guess.
    row = read_row(read.model_copy(update={"state": "NV"}), {})
    assert row["state"] == "NV"
