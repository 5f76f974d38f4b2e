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
    ) -> Sequence[T]:
        """Refusals are recorded too: an attempt without a purpose is itself worth auditing."""
        base = {
            "member_id": member.member_id,
            "member_name": member.name,
            "organization": member.organization,
            "action": action,
            "subject": subject,
            "client": client,
        }
        try:
            chosen, case = justification(purpose, case_number)
        except DomainError as refused:
            self._log.append(
                new_access_record(
                    self._clock.now(),
                    **base,
                    purpose=purpose or "",
                    case_number=case_number or "",
                    outcome=f"refused: {refused.code}",
                )
            )
            raise
        results = fetch()
        self._log.append(
            new_access_record(self._clock.now(), **base, purpose=chosen.value, case_number=case, results=len(results))
        )
        return results
