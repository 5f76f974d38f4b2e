"""Alert status moves new -> verified / not_confirmed -> closed, by trained members with the right role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from alpr.domain import alerts as workflow
from alpr.domain.errors import DomainError, Forbidden
from alpr.domain.records import Alert, AlertStatus, HotlistReason, ReviewOutcome
from alpr.schema import Role, SourceClass

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Who:
    member_id: str
    roles: frozenset[Role]
    trained: bool = True


def alert(priority: str = "normal", status: AlertStatus = AlertStatus.NEW) -> Alert:
    return Alert(
        alert_id="a1",
        read_id="r1",
        entry_id="e1",
        plate="7ABC123",
        match_kind="match",
        reason=HotlistReason.STOLEN_VEHICLE,
        priority=priority,
        camera_id="cam",
        source=SourceClass.FIXED,
        captured_at="2026-11-02T17:00:00.000Z",
        image_key="k",
        created_at="2026-11-02T17:00:01.000Z",
        status=status,
    )


def test_verify_then_close_stamps_each_change() -> None:
    verified = workflow.transition(alert(), AlertStatus.VERIFIED, "officer-1", NOW, clets="CLETS-8812")
    closed = workflow.transition(verified, AlertStatus.CLOSED, "officer-2", NOW, note="vehicle recovered")
    assert closed.status is AlertStatus.CLOSED
    assert [(c.status, c.by) for c in closed.history] == [
        (AlertStatus.VERIFIED, "officer-1"),
        (AlertStatus.CLOSED, "officer-2"),
    ]
    assert closed.history[0].clets_reference == "CLETS-8812"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (AlertStatus.NEW, AlertStatus.CLOSED),  # 418.4(f): verify (or fail to) through CLETS first
        (AlertStatus.VERIFIED, AlertStatus.NOT_CONFIRMED),
        (AlertStatus.CLOSED, AlertStatus.VERIFIED),
        (AlertStatus.NOT_CONFIRMED, AlertStatus.NEW),
    ],
)
def test_moves_the_workflow_does_not_allow(start: AlertStatus, to: AlertStatus) -> None:
    with pytest.raises(workflow.InvalidTransition):
        workflow.transition(alert(status=start), to, "officer-1", NOW, clets="CLETS-1")


def test_verification_needs_the_clets_reference() -> None:
    with pytest.raises(DomainError, match="CLETS"):
        workflow.transition(alert(), AlertStatus.VERIFIED, "officer-1", NOW)
    not_confirmed = workflow.transition(alert(), AlertStatus.NOT_CONFIRMED, "officer-1", NOW, clets="CLETS-9")
    assert workflow.transition(not_confirmed, AlertStatus.CLOSED, "officer-1", NOW).status is AlertStatus.CLOSED


def test_review_records_outcome_and_feeds_misread_statistics() -> None:
    wrong = workflow.reviewed(alert(), "incorrect_read", "officer-1", NOW, "plate was 7ABC128")
    right = workflow.reviewed(alert().model_copy(update={"camera_id": "cam2"}), ReviewOutcome.CORRECT_READ, "o", NOW)
    assert wrong.review is not None and wrong.review.outcome is ReviewOutcome.INCORRECT_READ
    stats = {row.camera_id: row for row in workflow.misread_statistics([wrong, right, alert()])}
    assert (stats["cam"].reviewed, stats["cam"].incorrect_read, stats["cam"].misread_rate) == (1, 1, 1.0)
    assert (stats["cam2"].correct_read, stats["cam2"].misread_rate) == (1, 0.0)
    with pytest.raises(DomainError):
        workflow.reviewed(alert(), "looks fine", "o", NOW)


@pytest.mark.parametrize(
    ("member", "allowed", "refusal"),
    [
        (Who("o", frozenset({Role.OFFICER})), workflow.WORKS_ALERTS, None),
        (Who("o", frozenset({Role.OFFICER}), trained=False), workflow.SEES_ALERTS, workflow.TrainingRequired),
        (Who("a", frozenset({Role.AUDITOR})), workflow.SEES_ALERTS, None),
        (Who("a", frozenset({Role.AUDITOR})), workflow.WORKS_ALERTS, Forbidden),
        (Who("o", frozenset({Role.OFFICER})), workflow.ADMINISTERS_HOTLIST, Forbidden),
        (Who("c", frozenset({Role.CAPTAIN})), workflow.ADMINISTERS_HOTLIST, None),
        (Who("n", frozenset()), workflow.SEES_ALERTS, Forbidden),
    ],
)
def test_who_may_do_what(member: Who, allowed: frozenset[Role], refusal: type[Exception] | None) -> None:
    if refusal is None:
        workflow.require(member, allowed, "doing it")
    else:
        with pytest.raises(refusal):
            workflow.require(member, allowed, "doing it")


def test_high_priority_alerts_cannot_be_muted_or_hidden() -> None:
    with pytest.raises(workflow.MuteRefused):
        workflow.check_mutable("high")
    workflow.check_mutable("normal")
    high = alert(priority="high")
    normal = alert().model_copy(update={"alert_id": "a2"})
    assert [a.alert_id for a in workflow.visible_to([high, normal], {"e1"})] == ["a1"]
