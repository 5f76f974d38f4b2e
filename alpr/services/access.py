"""One place that writes the access record before ALPR data is handed to a person."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import ValidationError

from alpr.clock import Clock
from alpr.domain.access import AccessRecord, justification, new_access_record
from alpr.domain.errors import DomainError
from alpr.repositories.access import AccessLogRepository, call_records

__all__ = ["AccessRecorder", "AccessRequest", "Member", "OutsideParty", "call_records"]
from alpr.schema import Role

T = TypeVar("T")

DEPARTMENT = "San Leandro Police Department"


def refusal_outcome(failure: BaseException) -> str:
    """How a record names a call that did not succeed: the rule or code of a refusal, or that it failed."""
    if isinstance(failure, DomainError):
        return f"refused: {getattr(failure, 'rule', None) or failure.code}"
    if isinstance(failure, ValidationError | ValueError):
        return "refused: bad_request"
    status = getattr(failure, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500:
        return f"refused: http_{status}"
    return f"failed: {type(failure).__name__}"


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
class OutsideParty:
    """A person at another agency who receives ALPR data under a share grant (policy 418.7)."""

    ori: str
    agency_name: str
    person: str

    def as_member(self) -> Member:
        return Member(member_id=f"agency:{self.ori}", name=self.person, organization=self.agency_name)

    def record_fields(self) -> dict[str, str]:
        return {"outside_agency": f"{self.ori} {self.agency_name}", "outside_person": self.person}


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
    outside: OutsideParty | None = None


class AccessRecorder:
    def __init__(self, log: AccessLogRepository, clock: Clock) -> None:
        self._log = log
        self._clock = clock

    def record(self, request: AccessRequest, *, results: int = 0, outcome: str = "allowed") -> AccessRecord:
        member = request.outside.as_member() if request.outside else request.member
        record = new_access_record(
            self._clock.now(),
            member_id=member.member_id,
            member_name=member.name,
            organization=member.organization,
            action=request.action,
            subject=request.subject,
            client=request.client,
            purpose=request.purpose,
            offense=request.offense,
            case_number=request.case_number,
            results=results,
            outcome=outcome,
            correlation_id=request.correlation_id,
            **(request.outside.record_fields() if request.outside else {}),
        )
        self._log.append(record)
        return record

    def refuse(self, request: AccessRequest, refused: BaseException) -> AccessRecord:
        """Refusals are recorded too: an attempt without a purpose is itself worth auditing."""
        return self.record(request, outcome=refusal_outcome(refused))

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
        request = AccessRequest(member, action, subject, client, purpose or "", "", case_number or "", outside=outside)
        self.refuse(request, refused)

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
        try:
            chosen, case = justification(purpose, case_number)
        except DomainError as refused:
            self.refusal(member, action, subject, purpose, case_number, client, refused, outside)
            raise
        results = fetch()
        granted = AccessRequest(member, action, subject, client, chosen.value, "", case, outside=outside)
        self.record(granted, results=len(results))
        return results
