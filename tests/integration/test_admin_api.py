"""Administration and the auditors' register of finished audits over the local API gateway, signed in through
Cognito as the page does (the /v1/ routes sit behind the Cognito authorizer), and error reports reaching the
stand-in NCRIC receiver through the forwarding queue."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from alpr.clock import FixedClock, iso
from alpr.domain.cameras import hash_api_key
from alpr.local.stack import LocalStack
from alpr.schema import Role, SourceClass
from alpr.services.access import AccessRecorder, Member
from alpr.services.audit_datasets import DATASETS
from alpr.services.holds import StaffMember
from alpr.services.ncric import Outcome
from tests.conftest import SUITE_NOW
from tests.integration.helpers import table_items
from tests.integration.share_helpers import write_read
from tests.integration.staff import call, login

AT_START, HOUR_LATER = iso(SUITE_NOW), iso(SUITE_NOW + timedelta(hours=1))


@pytest.fixture
def admin(stack: LocalStack) -> str:
    return login(stack, "admin")


@pytest.fixture
def officer(stack: LocalStack) -> str:
    return login(stack, "officer")


def admin_log(stack: LocalStack, kind: str) -> list[dict]:
    return stack.runtime.repos.admin_log.of_kind(kind)


def test_the_staff_routes_refuse_callers_without_a_valid_sign_in(stack: LocalStack, officer: str) -> None:
    for path in ("/v1/admin/designee", "/v1/audits/finalized", "/v1/hotlist"):
        assert call(stack, "GET", path, None).status_code == 401
        assert call(stack, "GET", path, officer[:-4] + "AAAA").status_code == 401  # a forged signature
    assert call(stack, "GET", "/v1/admin/designee", officer).status_code == 200


def test_the_administrator_designation_is_recorded_and_shown(stack: LocalStack, admin: str, officer: str) -> None:
    designee = {"title": "Bureau of Services Captain", "name": "Jordan Rivera"}
    refused = call(stack, "PUT", "/v1/admin/designee", officer, json=designee)
    assert refused.status_code == 403 and admin_log(stack, "designation") == []
    assert call(stack, "PUT", "/v1/admin/designee", admin, json={"title": "x", "name": "y"}).status_code == 400
    assert call(stack, "PUT", "/v1/admin/designee", admin, json=designee).status_code == 200
    shown = call(stack, "GET", "/v1/admin/designee", officer).json()["designee"]
    assert (shown["title"], shown["name"], shown["since"]) == (designee["title"], designee["name"], AT_START)
    [record] = admin_log(stack, "designation")
    assert record["by"] == "admin" and record["at"] == AT_START


def test_cameras_are_added_changed_and_every_change_recorded(
    stack: LocalStack, clock: FixedClock, admin: str, officer: str
) -> None:
    new = {
        "camera_id": "flock-east-14",
        "source": "fixed",
        "name": "East 14th St",
        "latitude": 37.7,
        "longitude": -122.1,
    }
    assert call(stack, "POST", "/v1/admin/cameras", officer, json=new).status_code == 403
    added = call(stack, "POST", "/v1/admin/cameras", admin, json=new)
    assert added.status_code == 201, added.text
    stored = stack.runtime.repos.cameras.get("flock-east-14")
    assert stored is not None and stored.active and not stored.mobile
    # The key is shown once and works: the registry keeps only its salted hash, which the answer never includes.
    assert hash_api_key(added.json()["api_key"], stored.key_salt) == stored.key_hash
    assert "key_hash" not in added.text and stored.key_hash not in added.text
    assert call(stack, "POST", "/v1/admin/cameras", admin, json=new).status_code == 409
    unplaced = {"camera_id": "flock-west-2", "source": "fixed"}
    assert call(stack, "POST", "/v1/admin/cameras", admin, json=unplaced).status_code == 400

    clock.advance(hours=1)
    path = f"/v1/admin/cameras/{quote('flock-east-14')}"
    assert call(stack, "PATCH", path, admin, json={"active": False}).status_code == 400  # no reason given
    change = {"active": False, "name": "East 14th St (north pole)", "reason": "pole hit by a truck"}
    assert call(stack, "PATCH", path, officer, json=change).status_code == 403
    changed = call(stack, "PATCH", path, admin, json=change)
    assert changed.status_code == 200, changed.text
    registry = call(stack, "GET", "/v1/admin/cameras", admin).json()
    [camera] = [c for c in registry["cameras"] if c["camera_id"] == "flock-east-14"]
    assert camera["active"] is False and camera["name"] == "East 14th St (north pole)"
    assert not {"key_hash", "key_salt"} & set(camera)
    history = [(c["change"], c["by"], c["at"]) for c in registry["changes"] if c["camera_id"] == "flock-east-14"]
    # Changes made together share their time; the log orders those by a random suffix.
    assert history[0] == ("added", "admin", AT_START)
    assert sorted(history[1:]) == [("deactivated", "admin", HOUR_LATER), ("renamed", "admin", HOUR_LATER)]


def test_members_are_listed_with_their_training_and_training_is_recorded(
    stack: LocalStack, admin: str, officer: str
) -> None:
    assert call(stack, "GET", "/v1/admin/members", officer).status_code == 403
    members = {m["member_id"]: m for m in call(stack, "GET", "/v1/admin/members", admin).json()["members"]}
    assert set(members) >= {"officer", "admin", "captain", "auditor", "untrained"}
    assert members["untrained"]["training"] is None and members["untrained"]["roles"] == ["officer"]
    assert members["officer"]["training"]["course"].startswith("Department ALPR user training")

    training = {"course": "Department ALPR user training", "completed_on": "2026-10-30"}
    path = "/v1/admin/members/untrained/training"
    assert call(stack, "PUT", path, login(stack, "captain"), json=training).status_code == 403
    assert call(stack, "PUT", path, admin, json={**training, "completed_on": "2027-01-01"}).status_code == 400
    assert call(stack, "PUT", path, admin, json=training).status_code == 200
    members = {m["member_id"]: m for m in call(stack, "GET", "/v1/admin/members", admin).json()["members"]}
    assert members["untrained"]["training"]["recorded_by"] == "admin"
    [logged] = admin_log(stack, "training")
    assert (logged["member_id"], logged["by"], logged["completed_on"]) == ("untrained", "admin", "2026-10-30")
    # The annual bundle and the quarterly summary carry it (training changes, 418.98).
    window = (iso(SUITE_NOW - timedelta(days=1)), iso(SUITE_NOW + timedelta(days=1)))
    rows = DATASETS["training_changes"].rows(stack.runtime.repos, *window)
    assert [(r["member_id"], r["by"]) for r in rows] == [("untrained", "admin")]
    # The training gate reads the same record: the member may now use the search page.
    me = call(stack, "GET", "/api/me", login(stack, "untrained")).json()
    assert me["trained"] is True


def test_an_error_report_marks_the_read_and_reaches_ncric_once(stack: LocalStack, admin: str, officer: str) -> None:
    read = write_read(stack, SourceClass.VEHICLE, plate="8XYZ987")
    stack.drain()  # the read itself is forwarded first, as in service
    report = {"read_id": read.read_id, "error": "misread", "corrected_plate": "8xyz937", "description": "B read as 8"}
    assert call(stack, "POST", "/v1/admin/error-reports", officer, json=report).status_code == 403
    assert call(stack, "POST", "/v1/admin/error-reports", admin, json={**report, "error": "typo"}).status_code == 400
    created = call(stack, "POST", "/v1/admin/error-reports", admin, json=report)
    assert created.status_code == 201, created.text
    made = created.json()["error_report"]
    assert (made["original_plate"], made["corrected_plate"], made["reported_to"]) == ("8XYZ987", "8XYZ937", "NCRIC")
    [stored] = [r for r in table_items(stack, "reads") if r["read_id"] == read.read_id]
    assert (stored["plate"], stored["corrected_plate"], stored["correction_id"]) == (
        "8XYZ987",
        "8XYZ937",
        made["report_id"],
    )

    stack.drain()
    received = stack.ncric.error_reports[made["report_id"]]
    assert (received["read_id"], received["original_plate"], received["corrected_plate"]) == (
        read.read_id,
        "8XYZ987",
        "8XYZ937",
    )
    assert received["by"] == "admin" and received["error"] == "misread"
    sent = stack.runtime.repos.ncric_deliveries.get(made["report_id"])
    assert sent is not None and (sent.status, sent.attempts, sent.delivered_at) == ("delivered", 1, AT_START)
    assert sent.expires_at is None  # kept with the administration record
    # Idempotent: a repeat (a redelivered message, a reconcile) is not sent again.
    record_id = admin_log(stack, "error_report")[0]["record_id"]
    assert stack.runtime.ncric.deliver_error_report(made["report_id"], record_id) is Outcome.ALREADY_DELIVERED
    assert stack.ncric.posts[made["report_id"]] == 1
    assert made["report_id"] not in stack.runtime.ncric.reconcile().requeued

    listed = call(stack, "GET", "/v1/admin/error-reports", admin)
    assert [r["report_id"] for r in listed.json()["error_reports"]] == [made["report_id"]]
    actions = [r.action for r in stack.runtime.repos.access_log.for_day("2026-11-02") if r.member_id == "admin"]
    assert "admin.error_report" in actions and "admin.error_reports" in actions


def test_error_reports_are_retried_until_ncric_acknowledges_and_fixed_data_never_goes(
    stack: LocalStack, admin: str
) -> None:
    vehicle = write_read(stack, SourceClass.VEHICLE, plate="5KLM321")
    fixed = write_read(stack, SourceClass.FIXED, plate="6DEF456")
    stack.drain()
    stack.ncric.fail_next(2)
    wrong_hit = {"read_id": vehicle.read_id, "error": "wrong_hit", "description": "hotlist entry had been cleared"}
    report_id = call(stack, "POST", "/v1/admin/error-reports", admin, json=wrong_hit).json()["error_report"][
        "report_id"
    ]
    on_fixed = {
        "read_id": fixed.read_id,
        "error": "misread",
        "corrected_plate": "6DEF458",
        "description": "6 read as 8",
    }
    fixed_report = call(stack, "POST", "/v1/admin/error-reports", admin, json=on_fixed).json()["error_report"]
    assert fixed_report["reported_to"].startswith("the camera vendor")
    stack.drain()
    assert set(stack.ncric.error_reports) == {report_id}
    assert stack.ncric.posts[report_id] == 3
    sent = stack.runtime.repos.ncric_deliveries.get(report_id)
    assert sent is not None and (sent.status, sent.attempts, sent.last_error) == ("delivered", 3, "")
    assert stack.runtime.repos.ncric_deliveries.get(fixed_report["report_id"]) is None


def test_a_lost_queue_message_is_found_by_reconcile(stack: LocalStack) -> None:
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    actor = StaffMember("adm-1", "Alex Admin", frozenset({Role.ADMINISTRATOR}))
    queue = stack.runtime.repos.ncric_queue
    original = queue.send_error_report
    queue.send_error_report = lambda *_: None  # type: ignore[method-assign]  # the message is lost
    try:
        report = stack.runtime.administration.report_error(actor, read.read_id, "wrong_hit", "not the wanted car")
    finally:
        queue.send_error_report = original  # type: ignore[method-assign]
    stack.drain()
    assert stack.ncric.error_reports == {}
    assert report["report_id"] in stack.runtime.ncric.reconcile().requeued
    stack.drain()
    assert set(stack.ncric.error_reports) == {report["report_id"]}


def test_auditors_see_the_finalized_audits_with_where_they_are_locked(stack: LocalStack, clock: FixedClock) -> None:
    recorder = AccessRecorder(stack.runtime.repos.access_log, clock)
    for day in range(6):
        clock.set(clock.now().replace(month=8, day=3 + day))
        recorder.fetch(Member("off-1", "Olga"), "image.view", "image=frames/x.jpg", "a", "26-9", "test", lambda: [1])
    clock.set(clock.now().replace(month=11, day=2))
    auditor = StaffMember("auditor", "Sam Ortiz", frozenset({Role.AUDITOR}))
    audits = stack.runtime.audits
    done = audits.run_quarterly(auditor, seed=7)
    draft = audits.run_quarterly(auditor, seed=8)
    for item in done.sample:
        audits.review(auditor, done.audit_id, item.item, True, "")
    audits.notes(auditor, done.audit_id, {"community_safety": "none known", "prosecutions": "none known"})
    clock.advance(hours=1)
    final = audits.finalize(auditor, done.audit_id)
    assert final.locked is not None

    token = login(stack, "auditor")
    answer = call(stack, "GET", "/v1/audits/finalized", token)
    assert answer.status_code == 200, answer.text
    [listed] = answer.json()["audits"]
    assert listed["audit_id"] == final.audit_id != draft.audit_id
    assert (listed["quarter"], listed["finalized_by"], listed["finalized_at"]) == ("2026-Q3", "auditor", HOUR_LATER)
    assert (listed["sample_size"], listed["population"], listed["consistent"], listed["draws"]) == (5, 6, 5, 2)
    assert (listed["key"], listed["version_id"], listed["sha256"]) == (
        final.locked.key,
        final.locked.version_id,
        final.locked.sha256,
    )
    assert call(stack, "GET", "/v1/audits/finalized", login(stack, "officer")).status_code == 403
    assert call(stack, "GET", "/v1/audits/finalized", login(stack, "admin")).status_code == 200
