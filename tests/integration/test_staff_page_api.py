"""The staff API behind the page's new work (issue 15): look-alike search, sort and cursor pages, the CSV
export's header block, the access records' pages and purpose filter, holds and sharing decisions through the
staff gate, and the alert images that name a purpose."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from alpr.local.stack import LocalStack
from alpr.schema import SourceClass
from tests.integration.share_helpers import oakland_request, write_read
from tests.integration.staff import WHY, add_read, call, login, records


def _search(stack: LocalStack, token: str, **body: object) -> dict:
    response = call(stack, "POST", "/api/search", token, json={**WHY, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_look_alike_finds_the_stored_plate_says_so_and_ranks_after_the_exact_one(stack: LocalStack) -> None:
    add_read(stack, "AY09034", minutes_ago=5, n=1)  # newer, but a look-alike of what was typed
    add_read(stack, "AYO9034", minutes_ago=50, n=2)
    add_read(stack, "AY0903A", minutes_ago=5, n=3)  # not a look-alike: A/4 is not folded in a search
    token = login(stack, "officer")
    rows = _search(stack, token, plate="ayo9034")["results"]
    assert [(r["plate"], r["look_alikes"]) for r in rows] == [("AYO9034", []), ("AY09034", ["O→0"])]
    assert rows[0]["camera_name"] == "Flock, E 14th St at Davis St"
    [record] = [r for r in records(stack) if r.action == "search"]
    assert record.subject == "plate=AYO9034" and record.results == 2


def test_pages_follow_a_cursor_without_repeating_or_skipping_and_sort_by_confidence(stack: LocalStack) -> None:
    for n in range(7):
        add_read(stack, "7ABC123", minutes_ago=10 + n, n=n)
    token = login(stack, "officer")
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        answer = _search(stack, token, plate="7ABC123", limit=3, cursor=cursor)
        seen += [r["read_id"] for r in answer["results"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen)) and cursor is None
    times = [r.captured_at for r in sorted(stack.runtime.repos.reads.all(), key=lambda r: r.captured_at, reverse=True)]
    assert [stack.runtime.repos.reads.get(i, stack.clock.now()).captured_at for i in seen] == times  # type: ignore[union-attr]
    by_confidence = _search(stack, token, plate="7ABC123", sort="confidence")["results"]
    assert len(by_confidence) == 7
    bad = call(stack, "POST", "/api/search", token, json={**WHY, "plate": "7ABC123", "cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.json()["message"]


def test_a_read_whose_plate_is_on_an_active_hotlist_entry_carries_a_badge(stack: LocalStack) -> None:
    add_read(stack, "7ABC123", n=1)  # the demo seed lists 7ABC123 as a stolen vehicle
    add_read(stack, "7ABC124", n=2)
    rows = _search(stack, login(stack, "officer"), plate="7ABC12?")["results"]
    badges = {r["plate"]: r["hotlist"] for r in rows}
    assert badges["7ABC124"] is None
    assert badges["7ABC123"] == {"reason": "stolen_vehicle", "kind": "match", "case_number": "SLPD-DEMO-0001"}


def test_the_csv_export_says_who_exported_it_when_why_and_what_was_asked(stack: LocalStack) -> None:
    add_read(stack, "7ABC123")
    response = call(stack, "POST", "/api/search/export", login(stack, "officer"), json={**WHY, "plate": "7AB*"})
    assert response.status_code == 200
    header, table = response.text.split("\r\n\r\n", 1)
    lines = dict(line[2:].split(": ", 1) for line in header.split("\r\n"))
    assert lines["Exported by"] == "Officer Dana Reyes (officer), San Leandro Police Department"
    assert lines["Exported at"].startswith("2026-11-02T18:30")
    assert (lines["Purpose"], lines["Offense"], lines["Case number"]) == ("a", "vehicle_theft", "26-004512")
    assert lines["Query"] == "plate=7AB*" and lines["Reads"] == "1 of 1"
    [row] = list(csv.DictReader(io.StringIO(table)))
    assert row["plate"] == "7ABC123" and row["camera_name"] == "Flock, E 14th St at Davis St"
    [record] = [r for r in records(stack) if r.action == "search.export"]
    assert record.member_id == "officer" and record.case_number == "26-004512" and record.results == 1


def test_access_records_come_in_pages_and_filter_by_purpose(stack: LocalStack) -> None:
    add_read(stack, "7ABC123")
    officer = login(stack, "officer")
    for case in ("26-1001", "26-1002", "26-1003"):
        _search(stack, officer, plate="7ABC123", case_number=case)
    _search(stack, officer, plate="7ABC123", purpose="c", offense="homicide", case_number="26-2001")
    auditor = login(stack, "auditor")
    first = call(stack, "GET", "/api/access-records", auditor, params={"action": "search", "page_size": 2}).json()
    second = call(
        stack, "GET", "/api/access-records", auditor, params={"action": "search", "page_size": 2, "offset": 2}
    ).json()
    assert (first["matched"], len(first["records"]), second["offset"], len(second["records"])) == (4, 2, 2, 2)
    assert {r["record_id"] for r in first["records"]}.isdisjoint(r["record_id"] for r in second["records"])
    only_c = call(stack, "GET", "/api/access-records", auditor, params={"purpose": "c"}).json()["records"]
    assert [r["case_number"] for r in only_c] == ["26-2001"]


def test_an_officer_requests_a_hold_only_a_captain_places_it_and_books_it(stack: LocalStack) -> None:
    read = write_read(stack, SourceClass.FIXED, "7ABC123")
    officer, captain = login(stack, "officer"), login(stack, "captain")
    body = {"case_number": "26-7001", "reason": "robbery evidence for trial", "read_ids": [read.read_id]}
    asked = call(stack, "POST", "/api/holds", officer, json=body)
    assert asked.status_code == 200 and asked.json()["hold"]["status"] == "requested"
    hold_id = asked.json()["hold"]["hold_id"]
    assert call(stack, "POST", f"/api/holds/{hold_id}/approve", officer).status_code == 403
    placed = call(stack, "POST", f"/api/holds/{hold_id}/approve", captain).json()
    assert placed["held"] == [read.read_id] and placed["hold"]["status"] == "active"
    assert call(stack, "GET", f"/api/holds/{hold_id}/manifest", captain).status_code == 404  # not booked yet
    booked = call(stack, "POST", f"/api/holds/{hold_id}/book", captain).json()["manifest_key"]
    manifest = call(stack, "GET", f"/api/holds/{hold_id}/manifest", captain).json()
    assert manifest["key"] == booked and manifest["manifest"]["case_number"] == "26-7001"
    [listed] = call(stack, "GET", "/api/holds", captain).json()["holds"]
    assert [e["action"] for e in listed["events"]] == ["requested", "placed", "booked"]
    refused = [r for r in records(stack) if r.action == "holds.place" and r.outcome == "refused: forbidden"]
    assert [r.member_id for r in refused] == ["officer"]


def test_the_captain_decides_sharing_requests_through_the_staff_api_and_the_auditor_only_reads(
    stack: LocalStack,
) -> None:
    filing = oakland_request(stack)
    first = stack.runtime.sharing.file_request(**filing).request_id
    second = stack.runtime.sharing.file_request(**filing).request_id
    captain, auditor = login(stack, "captain"), login(stack, "auditor")
    pending = call(stack, "GET", "/api/sharing/requests", auditor, params={"status": "pending"}).json()["requests"]
    assert {r["request_id"] for r in pending} == {first, second} and "grant_token_hash" not in pending[0]
    assert call(stack, "POST", f"/api/sharing/requests/{first}/approve", auditor).status_code == 403
    approved = call(stack, "POST", f"/api/sharing/requests/{first}/approve", captain).json()
    assert approved["request"]["status"] == "approved" and len(approved["grant_token"]) > 30
    assert call(stack, "POST", f"/api/sharing/requests/{second}/deny", captain, json={"note": ""}).status_code == 400
    denied = call(stack, "POST", f"/api/sharing/requests/{second}/deny", captain, json={"note": "no case shown"})
    assert denied.json()["request"]["status"] == "denied"
    on_file = call(stack, "GET", "/api/sharing/requests", auditor).json()["requests"]
    assert approved["grant_token"] not in str(on_file)


def test_an_alert_image_names_a_purpose_and_a_case_like_a_search(stack: LocalStack) -> None:
    read = write_read(stack, SourceClass.FIXED, "7ABC123")
    stack.drain()  # the demo entry raises its alert
    [alert] = stack.runtime.repos.alerts.recent(stack.clock.now())
    assert alert.read_id == read.read_id
    auditor = login(stack, "auditor")  # sees alerts, cannot search
    path = f"/api/alerts/{alert.alert_id}/plate"
    assert call(stack, "GET", path, auditor).status_code == 400
    crop = call(stack, "GET", path, auditor, params=WHY)
    assert crop.status_code == 200 and crop.content[:2] == b"\xff\xd8"
    frame = call(stack, "GET", f"/api/alerts/{alert.alert_id}/frame", auditor, params=WHY)
    assert frame.status_code == 200 and len(frame.content) > len(crop.content)
    hits = call(stack, "GET", f"/api/hotlist/entries/{alert.entry_id}/hits", auditor).json()["hits"]
    assert [h["alert_id"] for h in hits] == [alert.alert_id]
    [opened] = [r for r in records(stack) if r.action == "alert.plate" and r.outcome == "allowed"]
    assert (opened.member_id, opened.purpose, opened.case_number) == ("auditor", "a", "26-004512")


def test_hotlist_entries_carry_their_status_by_the_service_clock(stack: LocalStack) -> None:
    """The page shows this status: a browser's own clock may be hours or days off the service's."""
    token = login(stack, "officer")
    entry = {"value": "7AB?123", "reason": "stolen_plate", "case_number": "26-STATUS-1", "expires_in_days": 1}
    assert call(stack, "POST", "/v1/hotlist/entries", token, json=entry).status_code == 202

    def statuses() -> dict[str, str]:
        listed = call(stack, "GET", "/v1/hotlist/entries", token, params={"all": "true"}).json()["entries"]
        return {e["value"]: e["status"] for e in listed}

    assert statuses()["7AB?123"] == "active"
    stack.clock.set(stack.clock.now() + timedelta(days=2))  # type: ignore[attr-defined]
    assert statuses()["7AB?123"] == "expired"
