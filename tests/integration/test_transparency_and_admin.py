"""The public transparency page and the audit API over the local gateway; administration records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from alpr.clock import FixedClock
from alpr.domain.errors import DomainError, Forbidden
from alpr.local.retention_seed import SeedSpec, seed_reads
from alpr.local.stack import LocalStack
from alpr.schema import Role
from alpr.services.access import AccessRecorder, Member
from alpr.services.holds import StaffMember
from tests.integration.helpers import call_v1_handler, table_items

ADMIN = StaffMember("adm-1", "Alex Admin", frozenset({Role.ADMINISTRATOR}))
CAPTAIN = StaffMember("cap-1", "Casey Captain", frozenset({Role.CAPTAIN}))
SEEDED_PLATES = ("8XYZ987", "5KLM321", "7ABC123", "8XYZ937")


def seed_activity(stack: LocalStack, clock: FixedClock) -> list[Any]:
    rt = stack.runtime
    now = clock.now()
    fixed, car = rt.repos.cameras.get("demo-fixed-1"), rt.repos.cameras.get("demo-car-1")
    reads = seed_reads(
        rt.repos,
        rt.retention,
        now,
        [
            SeedSpec(fixed, now - timedelta(hours=2), plate="8XYZ987", with_alert=True),
            SeedSpec(car, now - timedelta(days=40), plate="5KLM321"),
            SeedSpec(car, now - timedelta(hours=1), plate="7ABC123", with_alert=True),
        ],
    )
    recorder = AccessRecorder(rt.repos.access_log, clock)
    recorder.fetch(Member("off-1", "Olga"), "search.plate", "plate=5KLM321", "a", "26-9", "test", lambda: reads[1:2])
    recorder.fetch(Member("off-1", "Olga"), "image.view", "image=frames/x.jpg", "a", "26-9", "test", lambda: [1])
    rt.administration.designate(CAPTAIN, "Bureau of Services Captain", "Jordan Rivera")
    rt.administration.report_error(ADMIN, reads[0].read_id, "misread", "B read as 8 in the last place", "8XYZ937")
    return reads


def test_the_public_page_shows_policy_and_counts_and_no_plate(stack: LocalStack, clock: FixedClock) -> None:
    seed_activity(stack, clock)
    assert stack.api is not None
    beat = requests.post(
        f"{stack.api.url}/v1/cameras/heartbeat",
        json={"agent_version": "0.1.0"},
        auth=("demo-fixed-1", stack.demo_keys["demo-fixed-1"]),
        timeout=30,
    )
    assert beat.status_code == 200, beat.text
    response = requests.get(f"{stack.api.url}/public/transparency", timeout=30)
    assert response.status_code == 200
    summary = response.json()
    assert len(summary["policy_items"]) == 7
    assert summary["alpr_administrator"]["name"] == "Jordan Rivera"
    assert summary["retention_in_force"] == {"vehicle": 365, "fixed": 30, "axon": 30}
    assert summary["backups"]["point_in_time_recovery_days"] == 7 and "7 days" in summary["backups"]["statement"]
    assert summary["cameras"]["fixed"] == {"active": 1, "inactive": 0}
    # issue 17: cameras reporting (the heartbeat above); the demo cameras that sent nothing are never seen
    reporting = summary["cameras_reporting"]
    assert reporting["reporting"] == 1 and reporting["watched"] == 3 and reporting["silent"] == 0
    month = clock.now().strftime("%Y-%m")
    assert summary["per_month"]["reads"][month] == 2 and summary["per_month"]["hotlist_hits"][month] == 2
    assert summary["per_month"]["searches"][month] == 1
    assert sum(summary["per_month"]["reads"].values()) == 3
    # No request was approved: the only agency data goes to is NCRIC (tests/integration/test_sharing.py adds one).
    assert [a["agency"] for a in summary["shared_with"]] == ["Northern California Regional Intelligence Center (NCRIC)"]

    page = requests.get(f"{stack.api.url}/transparency.html", timeout=30)
    script = requests.get(f"{stack.api.url}/transparency.js", timeout=30)
    assert page.status_code == 200 and "usage and privacy policy" in page.text and script.status_code == 200
    for plate in SEEDED_PLATES:
        assert plate not in response.text and plate not in page.text and plate not in script.text
    # The same JSON, every string in it: no read, alert or image field names either.
    assert not {"plate", "read_id", "image_key", "subject"} & set(_keys(summary))


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_error_reports_mark_the_read_and_keep_the_original(stack: LocalStack, clock: FixedClock) -> None:
    reads = seed_activity(stack, clock)
    [stored] = [r for r in table_items(stack, "reads") if r["read_id"] == reads[0].read_id]
    assert stored["plate"] == "8XYZ987" and stored["corrected_plate"] == "8XYZ937"
    [report] = stack.runtime.administration.error_reports(ADMIN)
    assert report["original_plate"] == "8XYZ987" and report["report_id"] == stored["correction_id"]
    with pytest.raises(DomainError):
        stack.runtime.administration.report_error(ADMIN, reads[1].read_id, "misread", "no plate given here")
    with pytest.raises(Forbidden):
        stack.runtime.administration.report_error(
            StaffMember("o", "O", frozenset({Role.OFFICER})), reads[1].read_id, "wrong_hit", "not the car"
        )


def test_camera_changes_are_recorded(stack: LocalStack, clock: FixedClock) -> None:
    admin = stack.runtime.administration
    admin.set_camera_active(ADMIN, "demo-fixed-1", False, "pole knocked down by a truck")
    with pytest.raises(DomainError, match="already deactivated"):
        admin.set_camera_active(ADMIN, "demo-fixed-1", False, "again")
    clock.advance(hours=2)
    admin.set_camera_active(ADMIN, "demo-fixed-1", True, "pole replaced")
    history = admin.camera_history("demo-fixed-1")
    assert [(c["change"], c["by"]) for c in history] == [("deactivated", "adm-1"), ("activated", "adm-1")]
    assert stack.runtime.repos.cameras.get("demo-fixed-1").active  # type: ignore[union-attr]


def call(method: str, path: str, body: dict | None = None, groups: list[str] | None = None) -> tuple[int, Any]:
    """As aud-9, whose training is on record: every /v1 route needs it (policy 418.4(d), issue 16)."""
    return call_v1_handler(
        "functions.audit.handler.handler", "audit-api", ("aud-9", "Ida Auditor"), method, path, body, groups
    )


def test_the_audit_api_runs_reviews_and_finalizes(stack: LocalStack, clock: FixedClock) -> None:
    recorder = AccessRecorder(stack.runtime.repos.access_log, clock)
    for day in range(6):
        clock.set(datetime(2026, 8, 1 + day, 17, tzinfo=UTC))
        recorder.fetch(Member("off-2", "Pat"), "image.download", "image=frames/y.jpg", "b", "26-5", "web", lambda: [1])
    clock.set(datetime(2026, 11, 2, 18, 30, tzinfo=UTC))

    assert call("GET", "/v1/audits")[0] == 401
    assert call("POST", "/v1/audits", {}, ["officer"])[0] == 403
    assert call("POST", "/v1/audits", {"size": 3}, ["auditor"])[0] == 400
    status, created = call("POST", "/v1/audits", {"seed": 42}, ["auditor"])
    assert status == 201 and created["audit"]["seed"] == 42 and len(created["audit"]["sample"]) == 5
    audit_id = created["audit"]["audit_id"]
    for item in range(1, 6):
        assert call("POST", f"/v1/audits/{audit_id}/items/{item}/review", {"consistent": True}, ["auditor"])[0] == 200
    notes = {"community_safety": "catalytic converter thefts down", "prosecutions": "one burglary charged"}
    assert call("POST", f"/v1/audits/{audit_id}/notes", notes, ["auditor"])[0] == 200
    status, final = call("POST", f"/v1/audits/{audit_id}/finalize", {}, ["auditor"])
    assert status == 200 and final["audit"]["locked"]["key"].startswith("audits/quarterly/2026-Q3/")
    assert (
        call("POST", f"/v1/audits/{audit_id}/items/1/review", {"consistent": False, "comment": "x" * 20}, ["auditor"])[
            0
        ]
        == 409
    )
    status, listing = call("GET", "/v1/audits", groups=["captain"])
    assert status == 200 and listing["audits"][0]["outcome"]["consistent"] == 5
    status, chain = call("GET", "/v1/audits/access-chain", groups=["auditor"])
    assert status == 200 and chain["intact"] and len(chain["days"]) >= 6
    status, bundle = call("POST", "/v1/audits/bundles", {"from": "2026-07-01", "to": "2026-09-30"}, ["auditor"])
    assert status == 201 and bundle["manifest"]["datasets"]["access_records"]["rows"] == 6
