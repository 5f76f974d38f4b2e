"""One place that writes the access record before ALPR data is handed to a person."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from alpr.clock import Clock
from alpr.domain.access import justification, new_access_record
from alpr.domain.errors import DomainError
from alpr.repositories.access import AccessLogRepository
from alpr.schema import Role

T = TypeVar("T")


@dataclass(frozen=True)
class Member:
    member_id: str
    name: str
    organization: str = "San Leandro Police Department"
    # Cognito groups, and whether department-approved ALPR training is on record (policy 418.4(d)).
    roles: frozenset[Role] = frozenset()
    trained: bool = False


@dataclass(frozen=True)
class OutsideParty:
    """A person at another agency who receives ALPR data under a share grant (policy 418.7)."""

    ori: str
    agency_name: str
    person: str

    def as_member(self) -> Member:
        return Member(member_id=f"agency:{self.ori}", name=self.person, organization=self.agency_name)

    def record_fields(self) -> dict[str, str]:
        return {"outside_agency": f"{self.ori} {self.agency_name}", "outside_person": self.person}


class AccessRecorder:
    def __init__(self, log: AccessLogRepository, clock: Clock) -> None:
        self._log = log
        self._clock = clock

    def fetch(
        self,
        member: Member,
        action: str,
        subject: str,
        purpose: str | None,
        case_number: str | None,
        client: str,
        fetch: Callable[[], Sequence[T]],
        outside: OutsideParty | None = None,
    ) -> Sequence[T]:
        """Refusals are recorded too: an attempt without a purpose is itself worth auditing."""
        if outside is not None:
            member = outside.as_member()
        try:
            chosen, case = justification(purpose, case_number)
        except DomainError as refused:
            self.refusal(member, action, subject, purpose, case_number, client, refused, outside)
            raise
        results = fetch()
        self._log.append(
            new_access_record(
                self._clock.now(),
                **self._base(member, action, subject, client, outside),
                purpose=chosen.value,
                case_number=case,
                results=len(results),
            )
        )
        return results

    def refusal(
        self,
        member: Member,
        action: str,
        subject: str,
        purpose: str | None,
        case_number: str | None,
        client: str,
        refused: DomainError,
        outside: OutsideParty | None = None,
    ) -> None:
        """An attempt that a rule refused: recorded with the rule's code, nothing handed out."""
        if outside is not None:
            member = outside.as_member()
        self._log.append(
            new_access_record(
                self._clock.now(),
                **self._base(member, action, subject, client, outside),
                purpose=purpose or "",
                case_number=case_number or "",
                outcome=f"refused: {getattr(refused, 'rule', refused.code)}",
            )
        )

    @staticmethod
    def _base(
        member: Member, action: str, subject: str, client: str, outside: OutsideParty | None
    ) -> dict[str, str]:
        return {
            "member_id": member.member_id,
            "member_name": member.name,
            "organization": member.organization,
            "action": action,
            "subject": subject,
            "client": client,
            **(outside.record_fields() if outside else {}),
        }
