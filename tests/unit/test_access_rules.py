"""Issue 16: one case-number rule (point 6), the local stack serves loopback only and restarts at once
(point 8), share downloads reach the quarterly sample (Also)."""

from __future__ import annotations

import socket

import pytest

from alpr.domain.access import MissingJustification, justification, new_access_record
from alpr.domain.cases import InvalidCaseNumber, case_number, optional_case_number
from alpr.domain.holds import HoldScope, InvalidHold, check_justification
from alpr.domain.hotlist.entries import InvalidEntry, new_entry
from alpr.domain.quarterly import is_image_access, sampled_access
from alpr.local.stack import NotLoopback, PortInUse, check_bind_host, ensure_port_free

TRAVERSAL = "../../audits/quarterly/2026-Q4"


@pytest.mark.parametrize("good", ["26-0042", "SLPD-DEMO-0001", "OPD 26-4411", "C-77", "alert a#1:2"])
def test_plain_case_numbers_pass(good: str) -> None:
    assert case_number(f"  {good} ") == good


@pytest.mark.parametrize("bad", [TRAVERSAL, "26/0042", "ab", "", "x" * 65, "-26", "26\n01", "26\\01", "<script>"])
def test_one_case_number_rule_refuses_paths_and_junk(bad: str) -> None:
    with pytest.raises(InvalidCaseNumber):
        case_number(bad)


def test_every_use_of_a_case_number_follows_the_same_rule() -> None:
    from datetime import UTC, datetime

    with pytest.raises(MissingJustification):  # searches and every access record
        justification("a", TRAVERSAL)
    with pytest.raises(InvalidHold):  # holds
        check_justification(TRAVERSAL, "hit-and-run suspect vehicle")
    with pytest.raises(InvalidEntry):  # hotlist entries
        new_entry(
            entered_by="o",
            now=datetime(2026, 11, 2, tzinfo=UTC),
            value="7ABC123",
            reason="stolen_vehicle",
            case_number=TRAVERSAL,
        )
    with pytest.raises(InvalidCaseNumber):  # sharing: optional for an outside agency, checked when given
        optional_case_number(TRAVERSAL)
    assert optional_case_number("  ") == ""
    assert HoldScope(read_ids=["r"]).read_ids == ["r"]


def test_the_local_stack_serves_loopback_only_unless_told_otherwise() -> None:
    assert check_bind_host("127.0.0.1") == "127.0.0.1"
    assert check_bind_host("::1") == "::1"
    for host in ("0.0.0.0", "192.168.1.20"):
        with pytest.raises(NotLoopback, match="forge"):
            check_bind_host(host)
        assert check_bind_host(host, allow_non_loopback=True) == host


def test_a_port_left_in_time_wait_is_free_again_but_a_listening_one_is_not() -> None:
    """The side that closes first keeps the connection in TIME_WAIT for a minute (Linux: 60 s); binding
    without SO_REUSEADDR fails with EADDRINUSE until then, which refused every restart of `alpr local`."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    with pytest.raises(PortInUse):
        ensure_port_free("127.0.0.1", port, "API")
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection waits in TIME_WAIT
    client.close()
    server.close()
    ensure_port_free("127.0.0.1", port, "API")


def test_an_agency_download_is_an_image_view_the_audit_samples_with_who_received_it() -> None:
    from datetime import UTC, datetime

    record = new_access_record(
        datetime(2026, 8, 3, 17, tzinfo=UTC),
        member_id="agency:CA0010100",
        member_name="Det. R. Rivera",
        organization="Oakland Police Department",
        action="share.download",
        subject="share request=SR-1 frame of read=r-1",
        purpose="e",
        case_number="OPD-26-4411",
        results=1,
        outside_agency="CA0010100 Oakland Police Department",
        outside_person="Det. R. Rivera",
    )
    assert is_image_access(record)
    sampled = sampled_access(1, record)
    assert (sampled.outside_agency, sampled.outside_person) == ("CA0010100 Oakland Police Department", "Det. R. Rivera")
