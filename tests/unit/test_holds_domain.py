from datetime import UTC, datetime

import pytest

from alpr.domain.errors import Forbidden
from alpr.domain.holds import PLACES_HOLDS, HoldScope, InvalidHold, new_hold, require_role
from alpr.schema import Role
from alpr.services.holds import StaffMember

NOW = datetime(2026, 11, 2, tzinfo=UTC)
OFFICER = StaffMember("o", "O", frozenset({Role.OFFICER}))


@pytest.mark.parametrize(
    "scope",
    [
        HoldScope(),
        HoldScope(camera_id="cam-1", captured_from="2026-01-01T00:00:00Z"),
        HoldScope(read_ids=["r"], camera_id="cam-1", captured_from="a", captured_to="b"),
        HoldScope(camera_id="cam-1", captured_from="2026-02-01T00:00:00Z", captured_to="2026-01-01T00:00:00Z"),
    ],
)
def test_a_scope_names_reads_or_a_whole_window(scope: HoldScope) -> None:
    with pytest.raises(InvalidHold):
        new_hold(OFFICER, "SLPD-1", "a good reason here", scope, NOW)


@pytest.mark.parametrize(("case", "reason"), [("", "a good reason here"), ("SLPD-1", "short")])
def test_a_hold_needs_a_case_number_and_a_reason(case: str, reason: str) -> None:
    with pytest.raises(InvalidHold):
        new_hold(OFFICER, case, reason, HoldScope(read_ids=["r"]), NOW)


def test_only_administrators_and_the_captain_place_holds() -> None:
    assert {Role.ADMINISTRATOR, Role.CAPTAIN} == PLACES_HOLDS
    with pytest.raises(Forbidden, match="administrator"):
        require_role(OFFICER, PLACES_HOLDS, "placing a hold")
    require_role(StaffMember("c", "C", frozenset({Role.CAPTAIN})), PLACES_HOLDS, "placing a hold")
