"""Sharing with other agencies (policy 418.7) against the local stack: registry, requests, review, grants,
access records, and the bypass attempts the policy must withstand."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from alpr.clock import FixedClock, iso
from alpr.domain.errors import Conflict, Forbidden, Unauthenticated
from alpr.domain.sharing import RequestStatus, Scope, SharingRefused
from alpr.local.stack import LocalStack
from alpr.schema import SourceClass
from tests.conftest import SUITE_NOW
from tests.integration.helpers import table_items
from tests.integration.share_helpers import ADMIN, AUDITOR, CAPTAIN, OFFICER, photo, write_read

IN_STATE = "CA0010100"
OUT_OF_STATE = "NV0020000"
PRIVATE = "CA9990001"


@pytest.fixture
def registry(stack: LocalStack) -> LocalStack:
    sharing = stack.runtime.sharing
    sharing.add_agency(ADMIN, IN_STATE, "Oakland Police Department", "CA", "law_enforcement")
    sharing.add_agency(ADMIN, OUT_OF_STATE, "Reno Police Department", "NV", "law_enforcement")
    sharing.add_agency(ADMIN, PRIVATE, "Acme Repossession LLC", "CA", "private")
    return stack


def filing(ori: str = IN_STATE, **overrides: Any) -> dict[str, Any]:
    names = {IN_STATE: "Oakland Police Department", OUT_OF_STATE: "Reno Police Department", PRIVATE: "Acme"}
    now = SUITE_NOW
    fields = {
        "ori": ori,
        "agency_name": names[ori],
        "requester_name": "Det. R. Rivera",
        "intended_purpose": "armed robbery investigation",
        "case_number": "OPD-26-4411",
        "data_class": "fixed",
        "plates": ["7ABC123"],
        "window_start": iso(now - timedelta(days=5)),
        "window_end": iso(now),
    }
    return fields | overrides


def approved(stack: LocalStack, **overrides: Any) -> tuple[str, str]:
    filed = stack.runtime.sharing.file_request(**filing(**overrides))
    approval = stack.runtime.sharing.approve(CAPTAIN, filed.request_id, days=7, note="ok per 418.7")
    return filed.request_id, approval.grant_token


def access_records(stack: LocalStack) -> list[Any]:
    return [r for i in table_items(stack, "access-log") for r in [i] if str(r["action"]).startswith("share.")]


def test_in_state_request_approved_fetched_and_downloaded_with_access_records(registry: LocalStack) -> None:
    stack = registry
    now = stack.clock.now()
    inside = write_read(stack, SourceClass.FIXED, "7ABC123", now - timedelta(days=2))
    write_read(stack, SourceClass.FIXED, "7ABC123", now - timedelta(days=10))  # before the window
    write_read(stack, SourceClass.FIXED, "8XYZ999", now - timedelta(days=1))  # another plate
    write_read(stack, SourceClass.VEHICLE, "7ABC123", now - timedelta(days=1))  # another data class
    assert stack.api is not None
    api = stack.api.url

    # the outside agency files its request through the API (no account needed)
    response = requests.post(f"{api}/share/requests", json=filing(plates=["7abc 123"]), timeout=10)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    request_id = response.json()["request_id"]

    approval = stack.runtime.sharing.approve(CAPTAIN, request_id, days=7, note="robbery, in state")
    assert approval.request.grant_expires_at == iso(now + timedelta(days=7))

    fetched = requests.get(
        f"{api}/share/grants/{request_id}/reads",
        headers={"Authorization": f"Bearer {approval.grant_token}"},
        timeout=10,
    )
    assert fetched.status_code == 200, fetched.text
    [shared] = fetched.json()["reads"]
    assert (shared["read_id"], shared["plate"]) == (inside.read_id, "7ABC123")
    link = shared["frame_link"]
    assert link.startswith(f"{api}/share/grants/{request_id}/frames/{quote(inside.read_id, safe='')}?expires=")

    frame = requests.get(link, timeout=10)
    assert frame.status_code == 200
    assert frame.headers["Content-Type"] == "image/jpeg" and frame.content == photo()

    # every fulfilment and download names the outside agency and person, with purpose (e) and their case
    records = access_records(stack)
    assert sorted((r["action"], r["outcome"], int(r["results"])) for r in records) == [
        ("share.download", "allowed", 1),
        ("share.fetch", "allowed", 1),
    ]
    for record in records:
        assert record["member_id"] == f"agency:{IN_STATE}"
        assert record["outside_agency"] == f"{IN_STATE} Oakland Police Department"
        assert record["outside_person"] == record["member_name"] == "Det. R. Rivera"
        assert (record["purpose"], record["case_number"]) == ("e", "OPD-26-4411")

    # the request is on file, approved, with who approved it; the token itself is not kept
    [on_file] = stack.runtime.sharing.requests(AUDITOR)
    assert (on_file.status, on_file.decided_by, on_file.requester_name) == (
        RequestStatus.APPROVED,
        "captain-1",
        "Det. R. Rivera",
    )
    assert approval.grant_token not in str(table_items(stack, "share-requests"))


def test_an_out_of_state_agency_is_refused_at_filing_and_a_captain_cannot_approve_it(registry: LocalStack) -> None:
    stack = registry
    assert stack.api is not None
    response = requests.post(f"{stack.api.url}/share/requests", json=filing(OUT_OF_STATE), timeout=10)
    assert response.status_code == 403
    body = response.json()
    assert body["rule"] == "outside_california" and "outside the State of California" in body["message"]

    on_file = stack.runtime.sharing.requests(CAPTAIN, ori=OUT_OF_STATE)
    assert [(r.request_id, r.status) for r in on_file] == [(body["request_id"], RequestStatus.REFUSED)]
    with pytest.raises(Conflict, match="refused"):
        stack.runtime.sharing.approve(CAPTAIN, body["request_id"])


def test_an_agency_moved_out_of_state_before_review_cannot_be_approved(registry: LocalStack) -> None:
    stack = registry
    filed = stack.runtime.sharing.file_request(**filing())
    stack.runtime.sharing.edit_agency(ADMIN, IN_STATE, state="OR")
    with pytest.raises(SharingRefused) as refused:
        stack.runtime.sharing.approve(CAPTAIN, filed.request_id)
    assert refused.value.rule == "outside_california"
    [on_file] = stack.runtime.sharing.requests(CAPTAIN)
    assert (on_file.status, on_file.decided_by, on_file.grant_token_hash) == (RequestStatus.REFUSED, "captain-1", "")


def test_a_grant_stops_working_when_the_agency_state_is_edited_after_approval(registry: LocalStack) -> None:
    stack = registry
    write_read(stack, SourceClass.FIXED, "7ABC123", stack.clock.now() - timedelta(days=1))
    request_id, token = approved(stack)
    shared = stack.runtime.sharing.fetch(request_id, token, Scope(), "http://test", "test")
    assert len(shared.reads) == 1

    stack.runtime.sharing.edit_agency(ADMIN, IN_STATE, state="NV")
    with pytest.raises(SharingRefused) as refused:
        stack.runtime.sharing.fetch(request_id, token, Scope(), "http://test", "test")
    assert refused.value.rule == "outside_california"
    link = shared.reads[0].frame_link
    query = dict(part.split("=") for part in link.split("?")[1].split("&"))
    with pytest.raises(SharingRefused):
        stack.runtime.sharing.download(
            request_id, shared.reads[0].read.read_id, int(query["expires"]), query["sig"], "t"
        )
    outcomes = sorted((r["action"], r["outcome"]) for r in access_records(stack))
    assert outcomes == [
        ("share.download", "refused: outside_california"),
        ("share.fetch", "allowed"),
        ("share.fetch", "refused: outside_california"),
    ]


def test_a_request_for_axon_data_is_refused(registry: LocalStack) -> None:
    with pytest.raises(SharingRefused) as refused:
        registry.runtime.sharing.file_request(**filing(data_class="axon"))
    assert refused.value.rule == "axon_never_shared"
    [on_file] = registry.runtime.sharing.requests(CAPTAIN)
    assert on_file.status is RequestStatus.REFUSED and "Axon" in on_file.reason


@pytest.mark.parametrize(("field", "said"), [("requester_name", "person requesting"), ("intended_purpose", "purpose")])
def test_a_request_missing_the_requester_or_the_purpose_is_refused_with_the_reason(
    registry: LocalStack, field: str, said: str
) -> None:
    assert registry.api is not None
    response = requests.post(f"{registry.api.url}/share/requests", json=filing(**{field: ""}), timeout=10)
    assert response.status_code == 400
    assert response.json()["rule"] == "incomplete_request" and said in response.json()["message"]
    [on_file] = registry.runtime.sharing.requests(CAPTAIN)
    assert on_file.status is RequestStatus.REFUSED


def test_an_expired_grant_and_an_expired_frame_link_give_nothing(registry: LocalStack, clock: FixedClock) -> None:
    stack = registry
    write_read(stack, SourceClass.FIXED, "7ABC123", stack.clock.now() - timedelta(days=1))
    request_id, token = approved(stack)
    [shared] = stack.runtime.sharing.fetch(request_id, token, Scope(), "http://t", "t").reads
    query = dict(part.split("=") for part in shared.frame_link.split("?")[1].split("&"))

    clock.advance(seconds=301)
    with pytest.raises(Forbidden, match="link has expired"):
        stack.runtime.sharing.download(request_id, shared.read.read_id, int(query["expires"]), query["sig"], "t")

    clock.advance(days=7)
    with pytest.raises(SharingRefused) as refused:
        stack.runtime.sharing.fetch(request_id, token, Scope(), "http://t", "t")
    assert refused.value.rule == "grant_expired"


def test_a_grant_used_outside_its_scope_is_refused(registry: LocalStack) -> None:
    stack = registry
    write_read(stack, SourceClass.FIXED, "8XYZ999", stack.clock.now() - timedelta(days=1))
    request_id, token = approved(stack)
    assert stack.api is not None
    url = f"{stack.api.url}/share/grants/{request_id}/reads"
    headers = {"Authorization": f"Bearer {token}"}

    other_plate = requests.get(url, params={"plate": "8XYZ999"}, headers=headers, timeout=10)
    assert other_plate.status_code == 403 and other_plate.json()["rule"] == "outside_scope"
    earlier = iso(stack.clock.now() - timedelta(days=30))
    too_early = requests.get(url, params={"from": earlier}, headers=headers, timeout=10)
    assert too_early.status_code == 403 and too_early.json()["rule"] == "outside_scope"
    assert requests.get(url, headers={"Authorization": "Bearer guessed"}, timeout=10).status_code == 401
    with pytest.raises(Unauthenticated):
        stack.runtime.sharing.fetch(request_id, None, Scope(), "http://t", "t")
    # a frame outside the grant cannot be reached by editing a link either
    with pytest.raises(Forbidden):
        stack.runtime.sharing.download(request_id, "someone-elses-read", 2**40, "0" * 64, "t")


def test_non_law_enforcement_requests_are_recorded_and_routed_to_records_release(registry: LocalStack) -> None:
    filed = registry.runtime.sharing.file_request(**filing(PRIVATE))
    assert filed.status is RequestStatus.RECORDS_RELEASE and "Records Maintenance" in filed.reason
    with pytest.raises(Conflict):
        registry.runtime.sharing.approve(CAPTAIN, filed.request_id)
    assert [r.status for r in registry.runtime.sharing.requests(CAPTAIN)] == [RequestStatus.RECORDS_RELEASE]


def test_approved_and_denied_requests_stay_on_file_with_no_expiry(registry: LocalStack, clock: FixedClock) -> None:
    stack = registry
    approved(stack)
    to_deny = stack.runtime.sharing.file_request(**filing(plates=["5DEF456"]))
    with pytest.raises(Forbidden):
        stack.runtime.sharing.approve(ADMIN, to_deny.request_id)  # the captain decides, not an administrator
    stack.runtime.sharing.deny(CAPTAIN, to_deny.request_id, "no nexus to an investigation")
    clock.advance(days=3650)
    statuses = {r.status for r in stack.runtime.sharing.requests(AUDITOR)}
    assert statuses == {RequestStatus.APPROVED, RequestStatus.DENIED}
    assert all("expires_at" not in item for item in table_items(stack, "share-requests"))
    with pytest.raises(Forbidden):
        stack.runtime.sharing.requests(OFFICER)


def test_only_administrators_change_the_registry_and_every_change_is_recorded(registry: LocalStack) -> None:
    sharing = registry.runtime.sharing
    for member in (OFFICER, CAPTAIN):
        with pytest.raises(Forbidden):
            sharing.add_agency(member, "CA0010200", "Alameda PD", "CA", "law_enforcement")
        with pytest.raises(Forbidden):
            sharing.edit_agency(member, IN_STATE, fixed_camera_access=True)
    with pytest.raises(Conflict):
        sharing.add_agency(ADMIN, IN_STATE, "Oakland Police Department", "CA", "law_enforcement")

    sharing.edit_agency(ADMIN, IN_STATE, fixed_camera_access=True)
    history = sharing.agency_history(AUDITOR, IN_STATE)
    assert [(c.by, c.before is None) for c in history] == [("admin-1", True), ("admin-1", False)]
    assert history[1].before["fixed_camera_access"] is False and history[1].after["fixed_camera_access"] is True
    assert sharing.standing_access(IN_STATE, SourceClass.FIXED).rule == "fixed_camera_access"


def test_the_sharing_api_is_reachable_only_from_the_united_states(registry: LocalStack) -> None:
    assert registry.api is not None
    url = f"{registry.api.url}/share/requests"
    blocked = requests.post(url, json=filing(), headers={"X-Client-Country": "FR"}, timeout=10)
    assert blocked.status_code == 403 and "FR" in blocked.json()["message"]
    assert registry.runtime.repos.share_requests.all() == [], "a blocked request never reaches the function"
    allowed = requests.post(url, json=filing(), headers={"X-Client-Country": "US"}, timeout=10)
    assert allowed.status_code == 202


def test_member_routes_need_a_signed_in_member(registry: LocalStack) -> None:
    assert registry.api is not None
    response = requests.get(f"{registry.api.url}/share/requests", timeout=10)
    assert response.status_code == 401


def test_every_request_and_grant_is_in_the_audit_datasets_and_the_agencies_on_the_transparency_page(
    registry: LocalStack, clock: FixedClock
) -> None:
    """Policy 418.7 sharing is audited (418.6.1) and published (Civil Code 1798.90.51): approved requests are
    grants; every filed request, whatever its outcome, is in the requests dataset; no grant token hash leaves."""
    from alpr.services.audit_datasets import DATASETS, summarize

    stack = registry
    granted, _ = approved(stack)
    approved(stack, case_number="OPD-26-5000")  # the same agency again: listed once on the public page
    to_deny = stack.runtime.sharing.file_request(**filing(data_class="vehicle"))
    stack.runtime.sharing.deny(CAPTAIN, to_deny.request_id, note="no case on file")
    with pytest.raises(SharingRefused):
        stack.runtime.sharing.file_request(**filing(OUT_OF_STATE))
    start, end = iso(clock.now() - timedelta(days=1)), iso(clock.now() + timedelta(days=1))

    requests_on_file = DATASETS["sharing_requests"].rows(stack.runtime.repos, start, end)
    assert [r["agency_name"] for r in requests_on_file if r["status"] == "refused"] == ["Reno Police Department"]
    assert sorted(r["status"] for r in requests_on_file) == ["approved", "approved", "denied", "refused"]
    grants = DATASETS["sharing_grants"].rows(stack.runtime.repos, start, end)
    assert [g["request_id"] for g in grants if g["case_number"] == "OPD-26-4411"] == [granted]
    assert {(g["agency"], g["data"], g["decided_by"]) for g in grants} == {
        ("Oakland Police Department", "Fixed (Flock) cameras", CAPTAIN.member_id)
    }
    assert not any("grant_token_hash" in row for row in [*requests_on_file, *grants])
    summary = summarize(stack.runtime.repos, start, end)
    assert summary["sharing_grants"] == {"rows": 2, "by_ori": {IN_STATE: 2}}
    assert summary["sharing_requests"]["by_status"] == {"approved": 2, "denied": 1, "refused": 1}

    assert stack.api is not None
    public = requests.get(f"{stack.api.url}/public/transparency", timeout=30).json()
    others = [a for a in public["shared_with"] if "NCRIC" not in a["agency"]]
    assert others == [{"agency": "Oakland Police Department", "data": "Fixed (Flock) cameras", "basis": "policy 418.7"}]
    assert "7ABC123" not in json.dumps(public)
