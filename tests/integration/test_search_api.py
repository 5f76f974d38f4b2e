"""The staff search API: login, roles, the training gate, purpose and case number, wildcards, and an
access record for every route (Civil Code § 1798.90.52)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alpr.domain import lookalikes
from alpr.domain.holds import HoldScope
from alpr.domain.search import PlatePattern, SearchCriteria
from alpr.local.demo import DEMO_PLATE
from alpr.local.stack import LocalStack
from alpr.schema import Role
from functions.search.handler import ROUTE_RULES, app
from tests.integration.helpers import push
from tests.integration.staff import WHY, add_member, add_read, call, login, read_path, records


@pytest.fixture
def pipeline_read(stack: LocalStack, demo_photo: Path) -> str:
    """A real read (and its hotlist alert) from the demo photo through ingest and OCR."""
    assert push(stack, demo_photo).status_code == 202
    stack.drain()
    [read] = stack.runtime.repos.reads.all()
    return read.read_id


def test_officer_searches_a_partial_plate_opens_the_image_and_each_access_is_recorded(
    stack: LocalStack, pipeline_read: str
) -> None:
    token = login(stack, "officer")
    found = call(stack, "POST", "/api/search", token, json={"plate": "7AB*", **WHY})
    assert found.status_code == 200, found.text
    [row] = found.json()["results"]
    assert row["plate"] == DEMO_PLATE and row["read_id"] == pipeline_read
    assert row["place"] == "Flock, E 14th St at Davis St" and row["thumbnail"].startswith("data:image/jpeg;base64,")
    image = call(stack, "GET", read_path(pipeline_read, "/image"), token, params=WHY)
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"

    by_action = {r.action: r for r in records(stack)}
    search, view = by_action["search"], by_action["image.view"]
    assert (search.member_id, search.member_name) == ("officer", "Officer Dana Reyes")
    assert search.organization == "San Leandro Police Department"
    assert (search.purpose, search.offense, search.case_number) == ("a", "vehicle_theft", "26-004512")
    assert search.subject == "plate=7AB*" and search.results == 1 and search.client == "127.0.0.1"
    assert search.at == "2026-11-02T18:30:00.000Z" and search.correlation_id
    assert pipeline_read in view.subject and view.outcome == "allowed"


@pytest.mark.parametrize(
    ("missing", "why"),
    [
        ("purpose", {"offense": "vehicle_theft", "case_number": "26-1"}),
        ("case number", {"purpose": "a", "offense": "vehicle_theft"}),
        ("offense type", {"purpose": "a", "case_number": "26-004512"}),
        ("free-text purpose", {"purpose": "looking around", "case_number": "26-004512"}),
    ],
)
def test_a_search_without_purpose_or_case_is_refused_and_the_refusal_recorded(
    stack: LocalStack, missing: str, why: dict[str, str]
) -> None:
    add_read(stack, "7ABC123")
    response = call(stack, "POST", "/api/search", login(stack, "officer"), json={"plate": "7ABC123", **why})
    assert response.status_code == 400, missing
    assert response.json()["error"] == "purpose_and_case_required"
    assert "results" not in response.json()
    [refusal] = [r for r in records(stack) if r.action == "search"]
    assert refusal.outcome == "refused: purpose_and_case_required" and refusal.member_id == "officer"


def test_roles_decide_what_each_member_may_do(stack: LocalStack) -> None:
    add_read(stack, "7ABC123")
    search = {"plate": "7ABC123", **WHY}
    officer, admin, captain, auditor = (login(stack, u) for u in ("officer", "admin", "captain", "auditor"))
    assert call(stack, "POST", "/api/search", officer, json=search).status_code == 200
    assert call(stack, "POST", "/api/search", admin, json=search).status_code == 200
    assert call(stack, "POST", "/api/search", captain, json=search).status_code == 403
    assert call(stack, "POST", "/api/search", auditor, json=search).status_code == 403  # no plate search
    assert call(stack, "GET", "/api/alerts", captain, params=WHY).status_code == 200
    assert call(stack, "GET", "/api/access-records", officer).status_code == 403
    assert call(stack, "GET", "/api/access-records", auditor).status_code == 200
    assert call(stack, "GET", "/api/training", officer).status_code == 403
    assert call(stack, "GET", "/api/training", admin).status_code == 200
    assert call(stack, "POST", "/api/search", None, json=search).status_code == 401
    refused = {(r.member_id, r.outcome) for r in records(stack) if r.outcome.startswith("refused")}
    assert ("auditor", "refused: forbidden") in refused and ("(unauthenticated)", "refused: unauthenticated") in refused


def test_a_forged_token_is_refused(stack: LocalStack) -> None:
    token = login(stack, "officer")
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    assert call(stack, "GET", "/api/me", forged).status_code == 401


def _every_route(
    read_id: str, alert_id: str, ids: dict[str, dict[str, str]] | None = None
) -> list[tuple[str, str, dict]]:
    """One request per route, with the parameters it needs; route keys are 'METHOD/path/<param>'.

    ``ids`` gives, per route key, the path values that route needs (the hold to approve, the request to deny).
    """
    values = {"read_id": read_id, "alert_id": alert_id, "member_id": "untrained"}
    bodies = {
        "POST/api/search": {"json": {"plate": "7AB*", **WHY}},
        "POST/api/search/export": {"json": {"plate": "7AB*", **WHY}},
        "PUT/api/training/<member_id>": {"json": {"course": "ALPR user training", "completed_on": "2026-10-01"}},
        "POST/api/holds": {"json": {"case_number": "26-1", "reason": "evidence for the trial", "read_ids": [read_id]}},
        "POST/api/holds/<hold_id>/decline": {"json": {"reason": "not needed after all"}},
        "POST/api/holds/<hold_id>/release": {"json": {"reason": "case closed by the DA"}},
        "POST/api/sharing/requests/<request_id>/deny": {"json": {"note": "no case shown"}},
        "POST/api/sharing/agencies": {
            "json": {"ori": "CA0019999", "name": "Hayward PD", "state": "CA", "agency_type": "law_enforcement"}
        },
        "PATCH/api/sharing/agencies/<ori>": {"json": {"name": "Oakland PD"}},
    }
    calls = []
    for key in app._route_keys:
        method, path = re.match(r"^([A-Z]+)(/.*)$", key).groups()  # type: ignore[union-attr]
        given = {**values, **(ids or {}).get(key, {})}
        concrete = re.sub(
            r"<(\w+)>", lambda m, given=given: read_path(given.get(m.group(1), "unset"))[len("/api/reads/") :], path
        )
        calls.append((key, method, concrete, bodies.get(key, {"params": WHY})))
    return calls


def _page_work(stack: LocalStack, read_id: str, alert_entry: str) -> dict[str, dict[str, str]]:
    """What the page's routes act on: holds in each state, share requests, an agency."""
    from tests.integration.share_helpers import CAPTAIN, oakland_request

    holds, sharing = stack.runtime.holds, stack.runtime.sharing
    scope = HoldScope(read_ids=[read_id])
    to_place = holds.request(CAPTAIN, "26-1", "evidence for the trial", scope).hold_id
    to_decline = holds.request(CAPTAIN, "26-2", "evidence for the trial", scope).hold_id
    to_release = holds.place(CAPTAIN, "26-3", "evidence for the trial", scope).hold.hold_id
    filing = oakland_request(stack)
    to_approve, to_deny = (sharing.file_request(**filing, via="api").request_id for _ in range(2))
    return {
        "POST/api/holds/<hold_id>/approve": {"hold_id": to_place},
        "POST/api/holds/<hold_id>/decline": {"hold_id": to_decline},
        "POST/api/holds/<hold_id>/release": {"hold_id": to_release},
        "POST/api/holds/<hold_id>/book": {"hold_id": to_place},
        "GET/api/holds/<hold_id>/manifest": {"hold_id": to_place},
        "POST/api/sharing/requests/<request_id>/approve": {"request_id": to_approve},
        "POST/api/sharing/requests/<request_id>/deny": {"request_id": to_deny},
        "PATCH/api/sharing/agencies/<ori>": {"ori": "CA0010100"},
        "GET/api/hotlist/entries/<entry_id>/hits": {"entry_id": alert_entry},
    }


def test_every_route_writes_its_access_record(stack: LocalStack, pipeline_read: str) -> None:
    assert set(app._route_keys) == set(ROUTE_RULES), "every route is declared through staff_route with a Rule"
    [alert] = stack.runtime.repos.alerts.recent(stack.clock.now())
    everything = add_member(stack, "all-roles", *Role, trained=True)
    work = _page_work(stack, pipeline_read, alert.entry_id)
    for key, method, path, kwargs in _every_route(pipeline_read, alert.alert_id, work):
        before = {r.record_id for r in records(stack)}
        if key == "POST/api/login":
            response = call(
                stack, method, path, None, json={"username": "auditor", "password": stack.demo_staff["auditor"]}
            )
        else:
            response = call(stack, method, path, everything, **kwargs)
        assert response.status_code == 200, (key, response.text)
        new = [r for r in records(stack) if r.record_id not in before]
        assert [r.action for r in new if r.outcome == "allowed"] == [ROUTE_RULES[key].action], key


def test_an_untrained_member_gets_no_alpr_data_whatever_the_role(stack: LocalStack, pipeline_read: str) -> None:
    [alert] = stack.runtime.repos.alerts.recent(stack.clock.now())
    untrained_admin = add_member(stack, "new-admin", *Role, trained=False)
    me = call(stack, "GET", "/api/me", untrained_admin)
    assert me.status_code == 200 and me.json()["trained"] is False
    for key, method, path, kwargs in _every_route(pipeline_read, alert.alert_id):
        if key in ("POST/api/login", "GET/api/me"):
            continue
        response = call(stack, method, path, untrained_admin, **kwargs)
        assert response.status_code == 403, key
        assert "418.4(d)" in response.json()["message"]
    assert (
        call(stack, "POST", "/api/search", login(stack, "untrained"), json={"plate": "7AB*", **WHY}).status_code == 403
    )
    refusals = [r for r in records(stack) if r.member_id == "new-admin" and r.outcome == "refused: training_required"]
    assert len(refusals) == len(ROUTE_RULES) - 2


def test_wildcard_searches_return_exactly_the_matching_reads(stack: LocalStack) -> None:
    for n, plate in enumerate(["7ABC123", "8ABC123", "7ABD123", "ABC123", "17ABC123", "6XYZ999"]):
        add_read(stack, plate, n=n)
    token = login(stack, "officer")

    def plates(pattern: str) -> set[str]:
        response = call(stack, "POST", "/api/search", token, json={"plate": pattern, **WHY})
        assert response.status_code == 200, response.text
        return {r["plate"] for r in response.json()["results"]}

    assert plates("7AB*") == {"7ABC123", "7ABD123"}
    assert plates("?ABC123") == {"7ABC123", "8ABC123"}
    assert plates("*ABC12*") == {"7ABC123", "8ABC123", "ABC123", "17ABC123"}
    assert plates("7AB?123") == {"7ABC123", "7ABD123"}
    assert plates("6XYZ999") == {"6XYZ999"}


def test_a_wildcard_pattern_finds_look_alikes_after_the_plates_it_matches_as_typed(stack: LocalStack) -> None:
    # AYO9* as typed matches AYO9123; its O is also read as 0 (AY09034, older), never as X (AYX9034).
    add_read(stack, "AY09034", n=1, minutes_ago=5)
    add_read(stack, "AYO9123", n=2, minutes_ago=30)
    add_read(stack, "AYX9034", n=3, minutes_ago=1)
    token = login(stack, "officer")

    def found(pattern: str, **extra: str) -> list[tuple[str, list[str]]]:
        response = call(stack, "POST", "/api/search", token, json={"plate": pattern, **WHY, **extra})
        assert response.status_code == 200, response.text
        return [(r["plate"], r["look_alikes"]) for r in response.json()["results"]]

    assert found("AYO9*") == [("AYO9123", []), ("AY09034", ["O→0"])]
    assert found("*O9O3?") == [("AY09034", ["O→0"])]
    assert found("AY0?1*") == [("AYO9123", ["0→O"])]
    # A pattern too short for the gram index, narrowed by a camera: the camera's reads are read once and
    # folded the same way.
    assert found("?YO*", camera_id="demo-fixed-1") == [("AYO9123", []), ("AY09034", ["O→0"])]
    outcome = stack.runtime.search.search(SearchCriteria(plate=PlatePattern.parse("?YO*"), camera_id="demo-fixed-1"))
    assert outcome.queries == 1


def test_expired_reads_never_appear(stack: LocalStack) -> None:
    live = add_read(stack, "7ABC123", n=1)
    expired = add_read(stack, "7ABC123", n=2, expires_in_days=-1)
    token = login(stack, "officer")
    found = call(stack, "POST", "/api/search", token, json={"plate": "7ABC123", **WHY}).json()["results"]
    assert [r["read_id"] for r in found] == [live.read_id]
    assert call(stack, "GET", read_path(expired.read_id), token, params=WHY).status_code == 404


def test_searches_examine_close_to_what_they_return(stack: LocalStack) -> None:
    # Thirty plates share the index partition of XY0 at position 1; ten of them match ?XY00*.
    for n in range(30):
        add_read(stack, f"{n % 9 + 1}XY0{n // 10}{n:02d}", n=n)
    add_read(stack, "7ABC123", n=99)
    outcome = stack.runtime.search.search(SearchCriteria(plate=PlatePattern.parse("?XY00*")))
    assert outcome.matched == 10
    assert outcome.examined <= 3 * outcome.matched
    exact = stack.runtime.search.search(SearchCriteria(plate=PlatePattern.parse("7ABC123")))
    # One by_plate query per look-alike spelling (B/8, 1/I, 2/Z: 8 of them), each its own partition: the
    # seven that hold nothing read nothing.
    assert (exact.matched, exact.examined, exact.queries) == (1, 1, len(lookalikes.variants("7ABC123"))) == (1, 1, 8)


def test_auditor_lists_filters_and_exports_access_records(stack: LocalStack) -> None:
    add_read(stack, "7ABC123")
    officer = login(stack, "officer")
    call(stack, "POST", "/api/search", officer, json={"plate": "7ABC123", **WHY})
    auditor = login(stack, "auditor")
    listed = call(stack, "GET", "/api/access-records", auditor, params={"action": "search"}).json()["records"]
    assert [(r["member_name"], r["subject"], r["at"]) for r in listed] == [
        ("Officer Dana Reyes", "plate=7ABC123", "2026-11-02T18:30:00.000Z")
    ]
    export = call(stack, "GET", "/api/access-records/export", auditor, params={"member": "officer"})
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.strip().splitlines()
    assert lines[0].startswith("at,member_id,member_name,organization,action")
    assert any("plate=7ABC123" in line and "26-004512" in line for line in lines[1:])
