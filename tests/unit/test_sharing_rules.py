"""One test per sharing rule of policy 418.7 / Civil Code § 1798.90.55(b), on the pure decision function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alpr.clock import iso
from alpr.domain.sharing import (
    Agency,
    AgencyType,
    RequestStatus,
    Scope,
    ShareRequest,
    decide,
    edge_allows,
    frame_link_signature,
    frame_link_valid,
    missing_request_fields,
    token_hash,
    token_matches,
)
from alpr.schema import SourceClass

NOW = datetime(2026, 11, 2, 18, 30, tzinfo=UTC)


def agency(**overrides: object) -> Agency:
    fields: dict[str, object] = {
        "ori": "CA0010100",
        "name": "Oakland Police Department",
        "state": "CA",
        "agency_type": AgencyType.LAW_ENFORCEMENT,
        "created_at": iso(NOW),
        "updated_at": iso(NOW),
        "updated_by": "admin-1",
    }
    return Agency.model_validate(fields | overrides)


def request(**overrides: object) -> ShareRequest:
    fields: dict[str, object] = {
        "request_id": "SR-1",
        "ori": "CA0010100",
        "agency_name": "Oakland Police Department",
        "requester_name": "Det. R. Rivera",
        "intended_purpose": "robbery investigation 26-4411",
        "data_class": SourceClass.FIXED,
        "plates": ["7ABC123"],
        "window_start": iso(NOW - timedelta(days=3)),
        "window_end": iso(NOW),
        "status": RequestStatus.APPROVED,
        "filed_at": iso(NOW - timedelta(hours=2)),
        "decided_by": "captain-1",
        "grant_token_hash": token_hash("secret"),
        "grant_expires_at": iso(NOW + timedelta(days=7)),
    }
    return ShareRequest.model_validate(fields | overrides)


def test_an_approved_in_state_law_enforcement_request_is_allowed() -> None:
    decision = decide(agency(), request(), SourceClass.FIXED, NOW)
    assert (decision.allowed, decision.rule) == (True, "approved_request")


@pytest.mark.parametrize("agency_type", [AgencyType.LAW_ENFORCEMENT, AgencyType.PROSECUTORIAL])
def test_law_enforcement_and_prosecutors_may_receive_data(agency_type: AgencyType) -> None:
    assert decide(agency(agency_type=agency_type), request(), SourceClass.FIXED, NOW).allowed


@pytest.mark.parametrize("agency_type", [AgencyType.OTHER_PUBLIC, AgencyType.PRIVATE])
def test_other_bodies_go_to_records_release_even_when_approved(agency_type: AgencyType) -> None:
    decision = decide(agency(agency_type=agency_type), request(), SourceClass.FIXED, NOW)
    assert (decision.allowed, decision.rule) == (False, "records_release")
    assert "Records Maintenance and Release Policy" in decision.reason


@pytest.mark.parametrize(
    ("state", "ori"),
    [("NV", "NV0020000"), ("NV", "CA0010100"), ("CA", "NV0020000")],
    ids=["out-of-state", "state-edited-to-NV", "ori-from-another-state"],
)
def test_no_agency_outside_california_ever(state: str, ori: str) -> None:
    decision = decide(agency(state=state, ori=ori), request(ori=ori), SourceClass.FIXED, NOW)
    assert (decision.allowed, decision.rule) == (False, "outside_california")
    assert "1798.90.55(b)" in decision.reason


def test_out_of_state_beats_every_standing_access() -> None:
    partner = agency(state="OR", ori="OR0030000", ncric_partner=True, fixed_camera_access=True)
    for data_class in SourceClass:
        assert decide(partner, None, data_class, NOW).rule == "outside_california"


def test_axon_data_is_never_shared_with_anyone() -> None:
    partner = agency(ncric_partner=True, fixed_camera_access=True)
    assert decide(partner, None, SourceClass.AXON, NOW).rule == "axon_never_shared"
    approved_axon = request(data_class=SourceClass.AXON)
    assert decide(partner, approved_axon, SourceClass.AXON, NOW).rule == "axon_never_shared"


def test_vehicle_data_to_ncric_partners_and_fixed_data_to_fixed_camera_agencies() -> None:
    assert decide(agency(ncric_partner=True), None, SourceClass.VEHICLE, NOW).rule == "ncric_partner"
    assert decide(agency(ncric_partner=True), None, SourceClass.FIXED, NOW).rule == "request_required"
    assert decide(agency(fixed_camera_access=True), None, SourceClass.FIXED, NOW).rule == "fixed_camera_access"
    assert decide(agency(fixed_camera_access=True), None, SourceClass.VEHICLE, NOW).rule == "request_required"


def test_everyone_else_must_file_a_request() -> None:
    decision = decide(agency(), None, SourceClass.FIXED, NOW)
    assert (decision.allowed, decision.rule) == (False, "request_required")
    assert "Bureau of Services Captain" in decision.reason


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("agency_name", "the name of the agency"),
        ("requester_name", "the name of the person requesting"),
        ("intended_purpose", "the intended purpose"),
    ],
)
def test_a_request_missing_a_required_item_is_refused_with_the_reason(field: str, label: str) -> None:
    incomplete = request(**{field: " "})
    assert len(missing_request_fields(incomplete)) == 1
    decision = decide(agency(), incomplete, SourceClass.FIXED, NOW)
    assert (decision.allowed, decision.rule) == (False, "incomplete_request")
    assert label in decision.reason


@pytest.mark.parametrize("status", [RequestStatus.PENDING, RequestStatus.DENIED, RequestStatus.REFUSED])
def test_only_an_approved_request_gives_data(status: RequestStatus) -> None:
    assert decide(agency(), request(status=status), SourceClass.FIXED, NOW).rule == "not_approved"


def test_an_expired_grant_gives_nothing() -> None:
    expired = request(grant_expires_at=iso(NOW - timedelta(seconds=1)))
    assert decide(agency(), expired, SourceClass.FIXED, NOW).rule == "grant_expired"
    assert decide(agency(), request(), SourceClass.FIXED, NOW + timedelta(days=7)).rule == "grant_expired"


def test_a_grant_used_outside_its_scope_is_refused() -> None:
    granted = request()
    assert decide(agency(), granted, SourceClass.FIXED, NOW, Scope(plate="7ABC123")).allowed
    assert decide(agency(), granted, SourceClass.FIXED, NOW, Scope(plate="8XYZ999")).rule == "outside_scope"
    earlier = Scope(start=NOW - timedelta(days=30))
    assert decide(agency(), granted, SourceClass.FIXED, NOW, earlier).rule == "outside_scope"
    assert decide(agency(), granted, SourceClass.VEHICLE, NOW).rule == "wrong_data_class"
    assert decide(agency(ori="CA0019999"), granted, SourceClass.FIXED, NOW).rule == "wrong_agency"


def test_grant_tokens_and_frame_links() -> None:
    granted = request()
    assert token_matches(granted, "secret") and not token_matches(granted, "guess") and not token_matches(granted, None)
    expires = int(NOW.timestamp()) + 300
    signature = frame_link_signature(granted, "read-1", expires)
    assert frame_link_valid(granted, "read-1", expires, signature, NOW) is None
    assert frame_link_valid(granted, "read-2", expires, signature, NOW) == "the frame link is not valid"
    assert "expired" in (frame_link_valid(granted, "read-1", expires, signature, NOW + timedelta(seconds=301)) or "")


def test_the_edge_lets_only_the_united_states_through() -> None:
    assert edge_allows("US") and edge_allows("us")
    assert not edge_allows("CA") and not edge_allows("RU") and not edge_allows(None)
