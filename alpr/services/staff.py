"""The gate every route that can hand out ALPR data goes through: who (login, claims, ``ALPR_MEMBER``), may
they (role, training), why (purpose, offense, case number), and the access record, written before anything
is returned.

Routes cannot forget the record:
- each of the search page's routes (``/api/*``) declares its ``Rule`` in its route middleware
  (``functions.search.page.staff``), which runs it inside ``StaffGate.serve``; a route without one stops the
  function from loading;
- every route of the ``/v1/*`` and ``/share/*`` resolvers runs inside ``StaffGate.guard`` through the
  middleware ``functions.rest.gate_every_route`` installs on the resolver, so a new route is covered by
  construction;
- every CLI command but the operator ones in ``alpr.cli.common.UNGATED`` runs inside ``StaffGate.guard`` too.

``guard`` writes one record for the call (allowed, refused or failed) unless the services the call ran wrote
their own (those carry the purpose, case number and result count they know), so no call goes unrecorded and
none is recorded twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from alpr.claims import member_from_claims
from alpr.domain.access import Offense, Purpose, justification, offense_for
from alpr.domain.errors import Forbidden, TrainingRequired, Unauthenticated
from alpr.repositories.identity import TokenVerifier
from alpr.repositories.training import TrainingRepository
from alpr.schema import Role
from alpr.services.access import (
    UNKNOWN_MEMBER,
    AccessRecorder,
    AccessRequest,
    Member,
    call_records,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[Role] = frozenset()
    # ALPR data: needs a purpose (418.4.1), an offense type where the purpose has any, and a case number.
    justified: bool = True
    # Policy 418.4(d): no ALPR data, and nothing else, for a member without recorded training.
    trained: bool = True
    authenticated: bool = True

    @classmethod
    def for_roles(cls, action: str, *roles: Role, justified: bool = True) -> Rule:
        return cls(action, frozenset(roles), justified=justified)


@dataclass(frozen=True)
class Call:
    """What the API layer knows about a request before the gate decides."""

    token: str | None
    client: str
    subject: str
    purpose: str | None = None
    offense: str | None = None
    case_number: str | None = None
    correlation_id: str = ""


@dataclass(frozen=True)
class Justified:
    purpose: Purpose
    offense: Offense | None
    case_number: str


@dataclass
class Served(Generic[T]):
    payload: T
    results: int = 0
    # The data elements queried or the object opened, once the body knows them precisely.
    subject: str | None = None
    # Set by the login route, which learns who the member is only when the password is right.
    member: Member | None = None


class StaffGate:
    def __init__(self, recorder: AccessRecorder, verifier: TokenVerifier, training: TrainingRepository) -> None:
        self._recorder = recorder
        self._verifier = verifier
        self._training = training

    def member(self, token: str | None) -> Member:
        if not token:
            raise Unauthenticated("log in first")
        return member_from_claims(
            self._verifier.verified_claims(token), trained=lambda member_id: self._training.get(member_id) is not None
        )

    @staticmethod
    def _request(rule: Rule, call: Call) -> AccessRequest:
        return AccessRequest(
            member=UNKNOWN_MEMBER,
            action=rule.action,
            subject=call.subject,
            client=call.client,
            purpose=(call.purpose or "").strip()[:8],
            offense=(call.offense or "").strip()[:32],
            case_number=(call.case_number or "").strip()[:64],
            correlation_id=call.correlation_id,
        )

    def guard(
        self,
        rule: Rule,
        call: Call,
        identify: Callable[[], Member],
        run: Callable[[Member], T],
        results: Callable[[T], int] = lambda _: 0,
    ) -> T:
        """Runs one call: identifies the caller, checks role and training, runs it, and makes sure an access
        record of the outcome exists before the answer is handed back (see the module docstring)."""
        request = self._request(rule, call)
        with call_records() as written:
            try:
                member = identify() if rule.authenticated else UNKNOWN_MEMBER
                request = replace(request, member=member)
                self._authorize(rule, member)
                answer = run(member)
            except Exception as failure:
                if not written:
                    self._recorder.refuse(request, failure)
                raise
            if not written:
                self._recorder.record(request, results=results(answer))
        return answer

    def serve(self, rule: Rule, call: Call, body: Callable[[Member, Justified | None], Served[T]]) -> T:
        request = self._request(rule, call)
        try:
            member = self.member(call.token) if rule.authenticated else UNKNOWN_MEMBER
            request = replace(request, member=member)
            self._authorize(rule, member)
            why = self._justify(call) if rule.justified else None
            if why is not None:
                request = replace(
                    request,
                    purpose=why.purpose.value,
                    offense=why.offense.value if why.offense else "",
                    case_number=why.case_number,
                )
            served = body(member, why)
        except Exception as refused:
            self._recorder.refuse(request, refused)
            raise
        request = replace(request, subject=served.subject or request.subject, member=served.member or request.member)
        # Written before the payload leaves: if the record cannot be written, nothing is returned.
        self._recorder.record(request, results=served.results)
        return served.payload

    @staticmethod
    def _authorize(rule: Rule, member: Member) -> None:
        if rule.roles and not (member.roles & rule.roles):
            needed = " or ".join(sorted(r.value for r in rule.roles))
            raise Forbidden(f"this needs the {needed} role")
        if rule.trained and rule.authenticated and not member.trained:
            raise TrainingRequired(
                "no recorded completion of department-approved ALPR training (policy 418.4(d)); "
                "ask an ALPR administrator to record it"
            )

    @staticmethod
    def _justify(call: Call) -> Justified:
        purpose, case = justification(call.purpose, call.case_number)
        return Justified(purpose, offense_for(purpose, call.offense, required=True), case)
