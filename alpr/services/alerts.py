"""Alert use cases: listing (through the access record), review, CLETS verification, closing, muting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from alpr.clock import Clock, iso
from alpr.domain import alerts as workflow
from alpr.domain.access import Purpose
from alpr.domain.alerts import SEES_ALERTS, WORKS_ALERTS, Mute, require
from alpr.domain.errors import NotFound
from alpr.domain.records import Alert, AlertStatus, HotlistReason
from alpr.repositories.factory import Repositories
from alpr.services.access import AccessRecorder, Member

T = TypeVar("T")

# Acting on an alert is a use of ALPR data for the purpose its hotlist entry was made for.
PURPOSE_OF_REASON: dict[HotlistReason, Purpose] = {
    HotlistReason.STOLEN_VEHICLE: Purpose.STOLEN_WANTED_OR_INVESTIGATION_VEHICLE,
    HotlistReason.STOLEN_PLATE: Purpose.STOLEN_WANTED_OR_INVESTIGATION_VEHICLE,
    HotlistReason.INVESTIGATION: Purpose.STOLEN_WANTED_OR_INVESTIGATION_VEHICLE,
    HotlistReason.WANTED_PERSON: Purpose.ARREST_WARRANT_OR_LAWFULLY_SOUGHT,
    HotlistReason.MISSING_PERSON: Purpose.MISSING_CHILD_OR_ELDER,
    HotlistReason.AMBER_ALERT: Purpose.MISSING_CHILD_OR_ELDER,
    HotlistReason.BLUE_ALERT: Purpose.MISSING_CHILD_OR_ELDER,
    HotlistReason.SILVER_ALERT: Purpose.MISSING_CHILD_OR_ELDER,
    HotlistReason.PROTECT_INFRASTRUCTURE_OR_EVENT: Purpose.PROTECT_CRITICAL_INFRASTRUCTURE,
}


class AlertService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock
        self._recorder = AccessRecorder(repos.access_log, clock)

    def _fetch(
        self,
        member: Member,
        action: str,
        subject: str,
        purpose: str | None,
        case_number: str | None,
        client: str,
        fetch: Callable[[], Sequence[T]],
    ) -> Sequence[T]:
        # Training and role first: an untrained member sees no alerts at all, not even an empty list.
        require(member, SEES_ALERTS, "seeing alerts")
        return self._recorder.fetch(member, action, subject, purpose, case_number, client, fetch)

    def list(
        self,
        member: Member,
        purpose: str | None,
        case_number: str | None,
        client: str,
        status: AlertStatus | None = None,
        entry_id: str | None = None,
    ) -> Sequence[Alert]:
        now = self._clock.now()

        def fetch() -> list[Alert]:
            found = self._repos.alerts.for_entry(entry_id, now) if entry_id else self._repos.alerts.recent(now)
            found = [a for a in found if status is None or a.status is status]
            shown = workflow.visible_to(found, self._repos.mutes.muted_entries(member.member_id))
            shown.sort(key=lambda a: a.created_at, reverse=True)
            shown.sort(key=lambda a: a.priority != "high")  # stable: high priority first, each newest first
            return shown

        subject = f"alerts status={status.value if status else 'any'}" + (f" entry={entry_id}" if entry_id else "")
        return self._fetch(member, "alerts.list", subject, purpose, case_number, client, fetch)

    def _act(self, member: Member, alert_id: str, action: str, client: str, change: Callable[[Alert], Alert]) -> Alert:
        """Loads, changes and saves one alert, recording the access under the alert's own purpose and case."""
        require(member, WORKS_ALERTS, f"acting on alerts ({action})")
        current = self._repos.alerts.get(alert_id)
        if current is None or (current.expires_at is not None and current.expires_at <= self._clock.now().timestamp()):
            raise NotFound(f"no alert {alert_id}")
        purpose = PURPOSE_OF_REASON[current.reason].value
        case = current.case_number if len(current.case_number.strip()) >= 3 else f"alert {alert_id}"

        def save() -> list[Alert]:
            changed = change(current)
            self._repos.alerts.replace(changed)
            return [changed.model_copy(update={"revision": current.revision + 1})]

        [saved] = self._recorder.fetch(member, f"alerts.{action}", f"alert={alert_id}", purpose, case, client, save)
        return saved

    def review(self, member: Member, alert_id: str, outcome: str, note: str = "", client: str = "api") -> Alert:
        now = self._clock.now()
        return self._act(
            member, alert_id, "review", client, lambda a: workflow.reviewed(a, outcome, member.member_id, now, note)
        )

    def move(
        self,
        member: Member,
        alert_id: str,
        to: AlertStatus | str,
        note: str = "",
        clets_reference: str = "",
        client: str = "api",
    ) -> Alert:
        now = self._clock.now()
        target = AlertStatus(to)
        return self._act(
            member,
            alert_id,
            target.value,
            client,
            lambda a: workflow.transition(a, target, member.member_id, now, note, clets_reference),
        )

    def mute(self, member: Member, alert_id: str, everyone: bool = False, reason: str = "") -> Mute:
        """Silences further alerts for the alert's entry: for this member, or (administrators) for everyone."""
        require(member, SEES_ALERTS, "muting alerts")
        if everyone:
            require(member, workflow.ADMINISTERS_HOTLIST, "muting alerts for everyone")
        alert = self._repos.alerts.get(alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        workflow.check_mutable(alert.priority)
        mute = Mute(
            member_id=workflow.EVERYONE if everyone else member.member_id,
            entry_id=alert.entry_id,
            muted_by=member.member_id,
            muted_at=iso(self._clock.now()),
            reason=reason.strip(),
        )
        self._repos.mutes.put(mute)
        return mute

    def unmute(self, member: Member, entry_id: str, everyone: bool = False) -> None:
        require(member, SEES_ALERTS, "unmuting alerts")
        if everyone:
            require(member, workflow.ADMINISTERS_HOTLIST, "unmuting alerts for everyone")
        self._repos.mutes.delete(workflow.EVERYONE if everyone else member.member_id, entry_id)

    def misreads(
        self, member: Member, purpose: str | None, case_number: str | None, client: str
    ) -> Sequence[workflow.MisreadRow]:
        """Reviewed alerts per camera: the reader's error statistics, for the error reports to NCRIC (418.6)."""
        now = self._clock.now()
        return self._fetch(
            member,
            "alerts.misreads",
            "alert reviews per camera",
            purpose,
            case_number,
            client,
            lambda: workflow.misread_statistics(self._repos.alerts.recent(now)),
        )
