"""One place that writes the access record before ALPR data is handed to a person."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from alpr.clock import Clock
from alpr.domain.access import AccessRecord, justification, new_access_record
from alpr.domain.errors import DomainError
from alpr.repositories.access import AccessLogRepository
from alpr.schema import Role

T = TypeVar("T")

DEPARTMENT = "San Leandro Police Department"


@dataclass(frozen=True)
class Member:
    member_id: str
    name: str
    organization: str = DEPARTMENT
    roles: frozenset[Role] = field(default_factory=frozenset)
    # Policy 418.4(d): no ALPR data without a recorded completion of department-approved training.
    trained: bool = False


# Who an access record names when a request could not say who it was (no or a bad token).
UNKNOWN_MEMBER = Member(member_id="(unauthenticated)", name="(unauthenticated)", organization="")


@dataclass(frozen=True)
class AccessRequest:
    """Who asks for what and why; the fields of Civil Code § 1798.90.52's record, before the outcome."""

    member: Member
    action: str
    subject: str
    client: str = ""
    purpose: str = ""
    offense: str = ""
    case_number: str = ""
    correlation_id: str = ""


class AccessRecorder:
    def __init__(self, log: AccessLogRepository, clock: Clock) -> None:
        self._log = log
        self._clock = clock

    def record(self, request: AccessRequest, *, results: int = 0, outcome: str = "allowed") -> AccessRecord:
        record = new_access_record(
            self._clock.now(),
            member_id=request.member.member_id,
            member_name=request.member.name,
            organization=request.member.organization,
            action=request.action,
            subject=request.subject,
            client=request.client,
            purpose=request.purpose,
            offense=request.offense,
            case_number=request.case_number,
            results=results,
            outcome=outcome,
            correlation_id=request.correlation_id,
        )
        self._log.append(record)
        return record

    def refuse(self, request: AccessRequest, refused: DomainError) -> AccessRecord:
        """Refusals are recorded too: an attempt without a purpose is itself worth auditing."""
        return self.record(request, outcome=f"refused: {refused.code}")

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
        request = AccessRequest(member, action, subject, client, purpose or "", "", case_number or "")
        try:
            chosen, case = justification(purpose, case_number)
        except DomainError as refused:
            self.refuse(request, refused)
            raise
        results = fetch()
        self.record(AccessRequest(member, action, subject, client, chosen.value, "", case), results=len(results))
        return results
