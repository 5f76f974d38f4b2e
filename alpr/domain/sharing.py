"""Sharing ALPR data with other agencies (policy 418.7, Civil Code § 1798.90.55(b)). Plain Python.

Every sharing decision goes through :func:`decide`, at filing, at approval and again at every fetch and
download, so a later edit of an agency (its state, its type) takes effect at once. The refusal's reason is
what the user is shown.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field

from alpr.clock import iso
from alpr.domain.errors import DomainError, Forbidden
from alpr.domain.records import Record
from alpr.schema import SourceClass

# Civil Code § 1798.90.55(b) as the California Attorney General reads it, and 418.7: California agencies only.
HOME_STATE = "CA"
# The sharing API's WAF geo-match rule lets only these countries reach it; the local stack applies the same list.
EDGE_ALLOWED_COUNTRIES: tuple[str, ...] = ("US",)

DEFAULT_GRANT_DAYS = 7
MAX_GRANT_DAYS = 30
MAX_WINDOW_DAYS = 366
MAX_PLATES_PER_REQUEST = 20
# Frames are handed out as links that stop working after this long.
FRAME_LINK_TTL_S = 300

_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP"
)
US_STATES = frozenset(_STATE_CODES.split())
_ORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")


class AgencyType(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    PROSECUTORIAL = "prosecutorial"
    OTHER_PUBLIC = "other_public"
    PRIVATE = "private"


# 418.7: "only with other law enforcement or prosecutorial agencies".
MAY_RECEIVE_DATA = frozenset({AgencyType.LAW_ENFORCEMENT, AgencyType.PROSECUTORIAL})


class RequestStatus(StrEnum):
    PENDING = "pending"  # waiting for the Bureau of Services Captain
    APPROVED = "approved"
    DENIED = "denied"
    REFUSED = "refused"  # a rule refused it when it was filed; kept on file with the reason
    RECORDS_RELEASE = "records_release"  # non-law-enforcement body: routed to the records release process


class Agency(Record):
    ori: str
    name: str
    state: str
    agency_type: AgencyType
    ncric_partner: bool = False
    fixed_camera_access: bool = False
    # 1 when registered, +1 per change: orders the change history even within one millisecond.
    revision: int = 1
    created_at: str
    updated_at: str
    updated_by: str


class AgencyChange(Record):
    ori: str
    change_id: str
    at: str
    by: str
    before: dict[str, Any] | None = None
    after: dict[str, Any]


class ShareRequest(Record):
    request_id: str
    ori: str
    agency_name: str = ""
    requester_name: str = ""
    intended_purpose: str = ""
    case_number: str = ""
    data_class: SourceClass
    plates: list[str] = Field(default_factory=list)
    window_start: str
    window_end: str
    status: RequestStatus
    filed_at: str
    filed_via: str = ""
    reason: str = Field(default="", description="why a rule refused it, or the routing note")
    decided_by: str = ""
    decided_at: str = ""
    decision_note: str = ""
    grant_token_hash: str = ""
    grant_expires_at: str = ""


@dataclass(frozen=True)
class Scope:
    """What a fetch asks for; None means "everything the grant covers"."""

    plate: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str
    reason: str

    def enforce(self) -> None:
        if not self.allowed:
            raise SharingRefused(self.rule, self.reason)


class SharingRefused(Forbidden):
    """A sharing rule said no. ``rule`` names it; ``request_id`` is the request kept on file, if any."""

    code = "sharing_refused"

    def __init__(self, rule: str, reason: str, request_id: str = "") -> None:
        super().__init__(reason)
        self.rule = rule
        self.request_id = request_id
        # An incomplete request is the requester's to fix; the others are the policy's answer.
        self.status = 400 if rule == "incomplete_request" else 403


class InvalidRequest(DomainError):
    status = 400
    code = "invalid_share_request"


def _refuse(rule: str, reason: str) -> Decision:
    return Decision(False, rule, reason)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def in_state(agency: Agency) -> bool:
    """Both the recorded state and the ORI's state prefix must be California: a mislabelled ORI is not enough."""
    return agency.state == HOME_STATE and agency.ori[:2] == HOME_STATE


def missing_request_fields(request: ShareRequest) -> list[str]:
    """418.7(a): the agency's name, the requesting person's name and the intended purpose."""
    wanted = {
        "the name of the agency": request.agency_name,
        "the name of the person requesting": request.requester_name,
        "the intended purpose of obtaining the information": request.intended_purpose,
    }
    return [label for label, value in wanted.items() if len(value.strip()) < 2]


def decide(
    agency: Agency | None,
    request: ShareRequest | None,
    data_class: SourceClass,
    now: datetime,
    scope: Scope | None = None,
) -> Decision:
    """May ``data_class`` data go to ``agency`` now, under ``request`` (None: without one)?

    The order matters only for which reason is shown; every rule must pass.
    """
    if agency is None:
        return _refuse("unknown_agency", "the agency is not in the department's registry; an administrator adds it")
    if not in_state(agency):
        return _refuse(
            "outside_california",
            f"{agency.name} ({agency.ori}, state {agency.state}) is outside California: ALPR data is never shared "
            "with an agency outside the State of California (policy 418.7; Civil Code § 1798.90.55(b))",
        )
    if data_class is SourceClass.AXON:
        return _refuse(
            "axon_never_shared", "Axon Fleet ALPR data cannot be shared with other agencies (policy 418.109)"
        )
    if agency.agency_type not in MAY_RECEIVE_DATA:
        return _refuse(
            "records_release",
            f"{agency.name} is not a law enforcement or prosecutorial agency: its request is processed under the "
            "Records Maintenance and Release Policy (policy 418.7(c), Civil Code § 1798.90.55), not fulfilled here",
        )
    if request is None:
        return _standing_access(agency, data_class)
    return _request_access(agency, request, data_class, now, scope)


def _standing_access(agency: Agency, data_class: SourceClass) -> Decision:
    if data_class is SourceClass.VEHICLE and agency.ncric_partner:
        return Decision(
            True, "ncric_partner", "NCRIC partner: vehicle-mounted data is shared under the NCRIC ALPR Policy"
        )
    if data_class is SourceClass.FIXED and agency.fixed_camera_access:
        return Decision(True, "fixed_camera_access", "the agency has been granted access to the fixed-camera system")
    return _refuse(
        "request_required",
        f"{agency.name} has no standing access to {data_class.value} data: it must file a request naming the agency, "
        "the requesting person and the intended purpose, for the Bureau of Services Captain to review (418.7(a)-(b))",
    )


def _request_access(
    agency: Agency, request: ShareRequest, data_class: SourceClass, now: datetime, scope: Scope | None
) -> Decision:
    if request.ori != agency.ori:
        return _refuse("wrong_agency", "the request was filed by another agency")
    if request.data_class is not data_class:
        return _refuse(
            "wrong_data_class", f"the request covers {request.data_class.value} data, not {data_class.value}"
        )
    missing = missing_request_fields(request)
    if missing:
        return _refuse("incomplete_request", "the request must include " + ", ".join(missing) + " (policy 418.7(a))")
    if request.status is RequestStatus.PENDING:
        return _refuse("not_approved", "the request has not been approved by the Bureau of Services Captain yet")
    if request.status is not RequestStatus.APPROVED:
        return _refuse(
            "not_approved", f"the request was {request.status.value}: {request.reason or request.decision_note}"
        )
    if not request.grant_expires_at or _at(request.grant_expires_at) <= now:
        return _refuse(
            "grant_expired", f"the grant for request {request.request_id} expired at {request.grant_expires_at}"
        )
    if scope is not None:
        out_of_scope = scope_problem(request, scope)
        if out_of_scope:
            return _refuse("outside_scope", out_of_scope)
    return Decision(True, "approved_request", f"request {request.request_id} approved by {request.decided_by}")


def scope_problem(request: ShareRequest, scope: Scope) -> str | None:
    if scope.plate is not None and scope.plate not in request.plates:
        return f"plate {scope.plate} is not among the plates of request {request.request_id}"
    start, end = _at(request.window_start), _at(request.window_end)
    if scope.start is not None and scope.start < start:
        return f"the grant covers captures from {request.window_start}, not earlier"
    if scope.end is not None and scope.end > end:
        return f"the grant covers captures until {request.window_end}, not later"
    return None


def read_in_scope(request: ShareRequest, plate: str, source: SourceClass, captured_at: str) -> bool:
    return (
        plate in request.plates
        and source is request.data_class
        and _at(request.window_start) <= _at(captured_at) <= _at(request.window_end)
    )


def check_window(start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise InvalidRequest("the time window must end after it starts")
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise InvalidRequest(f"the time window may cover at most {MAX_WINDOW_DAYS} days")
    if start > now:
        raise InvalidRequest("the time window starts in the future")


def normalize_state(state: str) -> str:
    value = state.strip().upper()
    if value in {"CALIFORNIA", "CALIF"}:
        value = HOME_STATE
    if value not in US_STATES and not re.fullmatch(r"[A-Z]{2}", value):
        raise InvalidRequest(f"state {state!r} is not a two-letter state or province code")
    return value


def normalize_ori(ori: str) -> str:
    value = ori.strip().upper()
    if not _ORI.fullmatch(value):
        raise InvalidRequest(f"ORI {ori!r} is not 9 letters and digits starting with the state code (e.g. CA0010900)")
    return value


def grant_expiry(now: datetime, days: int) -> str:
    if not 1 <= days <= MAX_GRANT_DAYS:
        raise InvalidRequest(f"a grant lasts 1 to {MAX_GRANT_DAYS} days")
    return iso(now + timedelta(days=days))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(request: ShareRequest, token: str | None) -> bool:
    return (
        bool(token)
        and bool(request.grant_token_hash)
        and hmac.compare_digest(request.grant_token_hash, token_hash(token or ""))
    )


def frame_link_signature(request: ShareRequest, read_id: str, expires: int) -> str:
    """Frame links are signed with the grant's token hash: they die with the grant and with their own expiry."""
    message = f"{request.request_id}|{read_id}|{expires}".encode()
    return hmac.new(request.grant_token_hash.encode(), message, hashlib.sha256).hexdigest()


def frame_link_valid(request: ShareRequest, read_id: str, expires: int, signature: str, now: datetime) -> str | None:
    """None when the link is good, else why not."""
    if not hmac.compare_digest(frame_link_signature(request, read_id, expires), signature or ""):
        return "the frame link is not valid"
    if expires <= int(now.timestamp()):
        return "the frame link has expired; fetch the reads again for fresh links"
    return None


def edge_allows(country: str | None) -> bool:
    """The WAF geo-match rule: only requests from the United States reach the sharing API."""
    return (country or "").strip().upper() in EDGE_ALLOWED_COUNTRIES
