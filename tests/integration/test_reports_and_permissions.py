"""Issue 16 point 7 (reports that do not mislead) and the historical-search rule (Also)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alpr import schema
from alpr.clock import FixedClock, iso
from alpr.domain.errors import Forbidden
from alpr.domain.records import FrameMetadata
from alpr.local.stack import LocalStack
from alpr.services.access import Member
from alpr.services.compliance import oldest_unheld_images


def put_frame(stack: LocalStack, key: str, captured_at: str) -> None:
    meta = FrameMetadata(
        frame_id=key.rsplit("/", 1)[1],
        camera_id="demo-fixed-1",
        source=schema.SourceClass.FIXED,
        captured_at=captured_at,
        content_sha256="0" * 64,
    )
    stack.runtime.repos.images.put_frame(key, b"\xff\xd8\xff\xe0jpeg", "image/jpeg", meta)


def test_the_oldest_image_not_under_a_hold_is_the_earliest_capture_not_the_first_id(
    stack: LocalStack, clock: FixedClock
) -> None:
    day = clock.now() - timedelta(days=2)
    folder = f"{schema.BUCKET.frames}fixed/demo-fixed-1/{day:%Y/%m/%d}/"
    put_frame(stack, f"{folder}aaaa.jpg", iso(day.replace(hour=20)))  # first by id, captured later
    put_frame(stack, f"{folder}zzzz.jpg", iso(day.replace(hour=6)))  # last by id, captured first
    finding = oldest_unheld_images(stack.runtime.repos, stack.runtime.retention, clock.now())["fixed"]
    assert finding["key"].endswith("zzzz.jpg")
    assert finding["captured_at"] == iso(day.replace(hour=6))


def test_the_transparency_page_counts_historical_hits_and_says_so(stack: LocalStack, clock: FixedClock) -> None:
    alerts = stack.runtime.repos.table(schema.ALERTS)
    now = iso(clock.now() - timedelta(hours=1))
    for n, historical in enumerate((False, True, True)):
        alerts.put_item(Item={"alert_id": f"a-{n}", "created_at": now, "historical": historical})
    summary = stack.runtime.transparency.summary()
    month = summary["months"][-1]
    assert summary["per_month"]["hotlist_hits"][month] == 1
    assert summary["per_month"]["historical_hits"][month] == 2
    assert "historical hits" in summary["counts_note"]


def test_only_the_author_an_administrator_or_a_captain_queues_a_search_on_an_entry(stack: LocalStack) -> None:
    def member(member_id: str, role: schema.Role) -> Member:
        return Member(member_id, member_id, roles=frozenset({role}), trained=True)

    admin = member("admin", schema.Role.ADMINISTRATOR)
    entry, _ = stack.runtime.hotlist.add(admin, value="7ABC123", reason="stolen_vehicle", case_number="26-0001")
    with pytest.raises(Forbidden):
        stack.runtime.hotlist.search_again(member("officer", schema.Role.OFFICER), entry.entry_id)
    assert (
        stack.runtime.hotlist.search_again(member("captain", schema.Role.CAPTAIN), entry.entry_id).entry_id
        == entry.entry_id
    )
    own, _ = stack.runtime.hotlist.add(
        member("officer", schema.Role.OFFICER), value="8XYZ937", reason="stolen_vehicle", case_number="26-0002"
    )
    assert (
        stack.runtime.hotlist.search_again(member("officer", schema.Role.OFFICER), own.entry_id).entry_id
        == own.entry_id
    )
