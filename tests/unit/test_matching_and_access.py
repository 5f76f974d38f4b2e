from datetime import UTC, datetime

import pytest

from alpr.domain.access import MissingJustification, Purpose, justification
from alpr.domain.hotlist.entries import HotlistEntry, new_entry
from alpr.domain.hotlist.matcher import ManualIndex, Matcher
from alpr.domain.matching import alert_for, alert_id_for
from alpr.domain.reading import build_reads
from alpr.domain.records import FrameMetadata, HotlistReason
from alpr.domain.retention import RetentionPolicy
from alpr.schema import SourceClass

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


class Seen:
    def __init__(self, text: str, confidence: float = 0.9) -> None:
        self.text, self.raw_text, self.confidence, self.box = text, text, confidence, (1, 2, 3, 4)


META = FrameMetadata(
    frame_id="f1",
    camera_id="cam",
    source=SourceClass.VEHICLE,
    captured_at="2026-11-02T17:00:00.000Z",
    content_sha256="0" * 64,
)


def entry(plate: str, active: bool = True) -> HotlistEntry:
    made = new_entry(
        value=plate,
        entry_id=f"e-{plate}-{active}",
        reason=HotlistReason.STOLEN_VEHICLE,
        case_number="26-0001",
        entered_by="admin",
        now=NOW,
    )
    return made.model_copy(update={"active": active})


def test_reads_get_deterministic_ids_normalized_plates_and_a_ttl() -> None:
    reads = build_reads(META, "frames/x.jpg", [Seen("7abc-123"), Seen("x"), Seen("8XYZ999")], RetentionPolicy(), NOW)
    assert [r.read_id for r in reads] == ["f1#0", "f1#1"]
    assert [r.plate for r in reads] == ["7ABC123", "8XYZ999"]
    assert reads[0].expires_at == RetentionPolicy().expires_epoch(
        SourceClass.VEHICLE, datetime(2026, 11, 2, 17, tzinfo=UTC)
    )


def test_exact_match_ignores_inactive_entries_and_other_plates() -> None:
    read = build_reads(META, "k", [Seen("7ABC123")], RetentionPolicy(), NOW)[0]
    matcher = Matcher(manual=ManualIndex([entry("7ABC123"), entry("7ABC123", active=False), entry("7ABC124")]))
    hits = matcher.match(read.plate, None, NOW)
    assert [(h.target.entry_id, h.kind.value) for h in hits] == [("e-7ABC123-True", "match")]


def test_alert_is_deterministic_and_lives_as_long_as_its_read() -> None:
    read = build_reads(META, "k", [Seen("7ABC123")], RetentionPolicy(), NOW)[0]
    [hit] = Matcher(manual=ManualIndex([entry("7ABC123")])).match(read.plate, None, NOW)
    alert = alert_for(read, hit, NOW)
    assert alert.alert_id == alert_id_for(read.read_id, "e-7ABC123-True")
    assert alert.expires_at == read.expires_at


@pytest.mark.parametrize(
    ("purpose", "case"), [(None, "C-1"), ("", "C-1"), ("because", "C-123"), ("a", ""), ("a", None)]
)
def test_every_access_needs_a_policy_purpose_and_a_case_number(purpose: str | None, case: str | None) -> None:
    with pytest.raises(MissingJustification):
        justification(purpose, case)


def test_a_valid_justification() -> None:
    assert justification("D", " 26-0042 ") == (Purpose.MISSING_CHILD_OR_ELDER, "26-0042")
