"""Sharing with other agencies (policy 418.7): the agency registry, request filing and review, and fulfilment
of approved requests through scoped, time-limited grants. Every rule is in ``alpr.domain.sharing.decide``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from alpr.clock import Clock, iso, parse_timestamp
from alpr.domain.access import AccessRecord
from alpr.domain.alerts import Identity
from alpr.domain.cases import optional_case_number
from alpr.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated
from alpr.domain.frames import sniff_format
from alpr.domain.plates import is_plausible_plate, normalize_plate
from alpr.domain.records import PlateRead
from alpr.domain.sharing import (
    DEFAULT_GRANT_DAYS,
    FRAME_LINK_TTL_S,
    MAX_PLATES_PER_REQUEST,
    Agency,
    AgencyChange,
    AgencyType,
    Decision,
    InvalidRequest,
    RequestStatus,
    Scope,
    ShareRequest,
    SharingRefused,
    check_window,
    decide,
    frame_link_signature,
    frame_link_valid,
    grant_expiry,
    normalize_ori,
    normalize_state,
    read_in_scope,
    token_hash,
    token_matches,
)
from alpr.repositories.factory import Repositories
from alpr.schema import Role, SourceClass
from alpr.services.access import AccessRecorder, OutsideParty

# "Only administrators change" the registry; the Bureau of Services Captain (or designee) reviews requests.
CHANGES_AGENCIES = frozenset({Role.ADMINISTRATOR})
DECIDES_REQUESTS = frozenset({Role.CAPTAIN})
READS_SHARING_FILE = frozenset({Role.CAPTAIN, Role.ADMINISTRATOR, Role.AUDITOR})
# Outside agencies receive data for policy 418.4.1(e): supporting other agencies' investigations.
OUTSIDE_PURPOSE = "e"
EDITABLE_FIELDS = ("name", "state", "agency_type", "ncric_partner", "fixed_camera_access")


def require_role(member: Identity, allowed: frozenset[Role], doing: str) -> None:
    if not member.roles & allowed:
        needed = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"{doing} needs one of the roles: {needed}")


@dataclass(frozen=True)
class Approval:
    request: ShareRequest
    # Shown once, to hand to the requesting agency; only its hash is kept.
    grant_token: str


@dataclass(frozen=True)
class SharedRead:
    read: PlateRead
    frame_link: str


@dataclass(frozen=True)
class SharedData:
    request: ShareRequest
    reads: list[SharedRead] = field(default_factory=list)


class SharingService:
    def __init__(self, repos: Repositories, recorder: AccessRecorder, clock: Clock) -> None:
        self._repos = repos
        self._recorder = recorder
        self._clock = clock

    # --- the agency registry -----------------------------------------------------------------------------

    def add_agency(
        self,
        member: Identity,
        ori: str,
        name: str,
        state: str,
        agency_type: str,
        ncric_partner: bool = False,
        fixed_camera_access: bool = False,
    ) -> Agency:
        require_role(member, CHANGES_AGENCIES, "adding an agency")
        now = iso(self._clock.now())
        if len(name.strip()) < 2:
            raise InvalidRequest("the agency needs a name")
        agency = Agency(
            ori=normalize_ori(ori),
            name=name.strip(),
            state=normalize_state(state),
            agency_type=_agency_type(agency_type),
            ncric_partner=ncric_partner,
            fixed_camera_access=fixed_camera_access,
            created_at=now,
            updated_at=now,
            updated_by=member.member_id,
        )
        self._repos.agencies.save(agency, self._change(agency, None, member, now), expected_updated_at=None)
        return agency

    def edit_agency(self, member: Identity, ori: str, **changes: Any) -> Agency:
        require_role(member, CHANGES_AGENCIES, "changing an agency")
        current = self._agency(ori)
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidRequest(f"cannot change {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}")
        given = {k: v for k, v in changes.items() if v is not None}
        if "state" in given:
            given["state"] = normalize_state(given["state"])
        if "agency_type" in given:
            given["agency_type"] = _agency_type(given["agency_type"])
        if not given:
            raise InvalidRequest("nothing to change")
        now = iso(self._clock.now())
        updated = current.model_copy(
            update={**given, "updated_at": now, "updated_by": member.member_id, "revision": current.revision + 1}
        )
        self._repos.agencies.save(
            updated, self._change(updated, current, member, now), expected_updated_at=current.updated_at
        )
        return updated

    def agencies(self, member: Identity) -> list[Agency]:
        require_role(member, READS_SHARING_FILE | CHANGES_AGENCIES, "viewing the agency registry")
        return self._repos.agencies.all()

    def agency_history(self, member: Identity, ori: str) -> list[AgencyChange]:
        require_role(member, READS_SHARING_FILE, "viewing an agency's history")
        return self._repos.agencies.history(normalize_ori(ori))

    @staticmethod
    def _change(agency: Agency, before: Agency | None, member: Identity, now: str) -> AgencyChange:
        return AgencyChange(
            ori=agency.ori,
            change_id=f"{agency.revision:06d}#{now}",
            at=now,
            by=member.member_id,
            before=before.model_dump(mode="json") if before else None,
            after=agency.model_dump(mode="json"),
        )

    def _agency(self, ori: str) -> Agency:
        agency = self._repos.agencies.get(normalize_ori(ori))
        if agency is None:
            raise NotFound(f"no agency with ORI {ori} in the registry")
        return agency

    def standing_access(self, ori: str, data_class: SourceClass) -> Decision:
        """Without a request: NCRIC partners (vehicle data) and agencies with fixed-camera access (fixed data)."""
        return decide(self._repos.agencies.get(normalize_ori(ori)), None, data_class, self._clock.now())

    # --- requests ----------------------------------------------------------------------------------------

    def file_request(
        self,
        ori: str,
        agency_name: str,
        requester_name: str,
        intended_purpose: str,
        data_class: str,
        plates: Iterable[str],
        window_start: str,
        window_end: str,
        case_number: str = "",
        via: str = "api",
    ) -> ShareRequest:
        """Every request is kept on file. Returns it pending, or routed to records release; raises
        SharingRefused (after filing it as refused) when a rule refuses it."""
        now = self._clock.now()
        request = ShareRequest(
            request_id=f"SR-{now.strftime('%Y%m%d')}-{uuid.uuid4().hex[:8].upper()}",
            ori=normalize_ori(ori),
            agency_name=agency_name.strip(),
            requester_name=requester_name.strip(),
            intended_purpose=intended_purpose.strip(),
            case_number=optional_case_number(case_number, InvalidRequest),
            data_class=_data_class(data_class),
            plates=_plates(plates),
            window_start=iso(_timestamp(window_start, "window start")),
            window_end=iso(_timestamp(window_end, "window end")),
            status=RequestStatus.PENDING,
            filed_at=iso(now),
            filed_via=via,
        )
        check_window(parse_timestamp(request.window_start), parse_timestamp(request.window_end), now)
        decision = decide(self._repos.agencies.get(request.ori), request, request.data_class, now)
        if decision.rule == "not_approved":  # every rule that can be checked before review passed
            filed = request
        elif decision.rule == "records_release":
            filed = request.model_copy(update={"status": RequestStatus.RECORDS_RELEASE, "reason": decision.reason})
        else:
            filed = request.model_copy(update={"status": RequestStatus.REFUSED, "reason": decision.reason})
        self._repos.share_requests.add(filed)
        if filed.status is RequestStatus.REFUSED:
            raise _refused(decision, filed)
        return filed

    def approve(self, member: Identity, request_id: str, days: int = DEFAULT_GRANT_DAYS, note: str = "") -> Approval:
        require_role(member, DECIDES_REQUESTS, "approving a request for ALPR data")
        request = self._pending(request_id)
        now = self._clock.now()
        if iso(now) < request.filed_at:
            # Only a clock override can do this (refused outside the local stack): never date a decision first.
            raise Conflict(
                f"an approval cannot be dated {iso(now)}, before the request it approves ({request.filed_at})"
            )
        token = secrets.token_urlsafe(32)
        approved = request.model_copy(
            update={
                "status": RequestStatus.APPROVED,
                "decided_by": member.member_id,
                "decided_at": iso(now),
                "decision_note": note,
                "grant_token_hash": token_hash(token),
                "grant_expires_at": grant_expiry(now, days),
            }
        )
        # The same rules again at approval: an approval cannot carry data past them (an agency edited since
        # filing, an out-of-state agency). The refusal is kept on file with the captain's name.
        decision = decide(self._repos.agencies.get(request.ori), approved, request.data_class, now)
        if not decision.allowed:
            refused = request.model_copy(
                update={
                    "status": RequestStatus.REFUSED,
                    "reason": decision.reason,
                    "decided_by": member.member_id,
                    "decided_at": iso(now),
                    "decision_note": note,
                }
            )
            self._decide(refused)
            raise _refused(decision, refused)
        self._decide(approved)
        return Approval(approved, token)

    def deny(self, member: Identity, request_id: str, note: str) -> ShareRequest:
        require_role(member, DECIDES_REQUESTS, "denying a request for ALPR data")
        if len(note.strip()) < 3:
            raise InvalidRequest("say why the request is denied; the reason is kept on file")
        request = self._pending(request_id)
        now = iso(self._clock.now())
        denied = request.model_copy(
            update={
                "status": RequestStatus.DENIED,
                "decided_by": member.member_id,
                "decided_at": now,
                "decision_note": note,
            }
        )
        self._decide(denied)
        return denied

    def requests(
        self, member: Identity, status: RequestStatus | None = None, ori: str | None = None
    ) -> list[ShareRequest]:
        require_role(member, READS_SHARING_FILE, "reading the file of share requests")
        if ori:
            found = self._repos.share_requests.for_agency(normalize_ori(ori))
        elif status:
            found = self._repos.share_requests.with_status(status)
        else:
            found = self._repos.share_requests.all()
        return sorted((r for r in found if status is None or r.status is status), key=lambda r: r.filed_at)

    def access_records(self, member: Identity, day: str) -> list[AccessRecord]:
        """What went to outside agencies on one day (UTC date), fetches, downloads and refusals alike."""
        require_role(member, READS_SHARING_FILE, "reading the access records of shared data")
        return [r for r in self._repos.access_log.for_day(day) if r.outside_agency]

    def _pending(self, request_id: str) -> ShareRequest:
        request = self._request(request_id)
        if request.status is not RequestStatus.PENDING:
            detail = request.reason or request.decision_note
            raise Conflict(
                f"request {request_id} is {request.status.value}, not pending" + (f": {detail}" if detail else "")
            )
        return request

    def _decide(self, decided: ShareRequest) -> None:
        if not self._repos.share_requests.decide(decided):
            raise Conflict(f"request {decided.request_id} was decided by someone else meanwhile")

    def _request(self, request_id: str) -> ShareRequest:
        request = self._repos.share_requests.get(request_id)
        if request is None:
            raise NotFound(f"no request {request_id}")
        return request

    # --- fulfilment --------------------------------------------------------------------------------------

    def fetch(self, request_id: str, token: str | None, scope: Scope, base_url: str, client: str) -> SharedData:
        """The reads a grant covers (narrowed by ``scope``), with short-lived frame links. The rules are decided
        again now, so an agency edited since approval, or an expired grant, gets nothing."""
        request, party = self._granted(request_id, token)
        now = self._clock.now()
        subject = f"share request={request_id} plates={','.join([scope.plate] if scope.plate else request.plates)}"
        self._enforce(request, party, now, scope, "share.fetch", subject, client)

        def matching() -> list[PlateRead]:
            plates = [scope.plate] if scope.plate else request.plates
            found = [
                read
                for plate in plates
                for read in self._repos.reads.by_plate(plate, now)
                if read_in_scope(request, read.plate, read.source, read.captured_at) and _within(read, scope)
            ]
            return sorted(found, key=lambda r: r.captured_at)

        reads = self._recorder.fetch(
            party.as_member(), "share.fetch", subject, OUTSIDE_PURPOSE, _reference(request), client, matching, party
        )
        expires = int(now.timestamp()) + FRAME_LINK_TTL_S
        return SharedData(request, [SharedRead(r, _frame_link(base_url, request, r.read_id, expires)) for r in reads])

    def download(self, request_id: str, read_id: str, expires: int, signature: str, client: str) -> tuple[bytes, str]:
        """One frame through a link from ``fetch``: the link's own expiry, the grant and every rule are checked."""
        request = self._request(request_id)
        party = _party(request)
        now = self._clock.now()
        subject = f"share request={request_id} frame of read={read_id}"
        problem = frame_link_valid(request, read_id, expires, signature, now)
        if problem:
            refused = Forbidden(problem)
            self._recorder.refusal(
                party.as_member(),
                "share.download",
                subject,
                OUTSIDE_PURPOSE,
                _reference(request),
                client,
                refused,
                party,
            )
            raise refused
        self._enforce(request, party, now, None, "share.download", subject, client)
        read = self._repos.reads.get(read_id, now)
        if read is None or not read_in_scope(request, read.plate, read.source, read.captured_at):
            raise NotFound("no such frame under this grant")

        def frame() -> list[bytes]:
            return [self._repos.images.get_bytes(read.image_key)]

        [data] = self._recorder.fetch(
            party.as_member(), "share.download", subject, OUTSIDE_PURPOSE, _reference(request), client, frame, party
        )
        return data, sniff_format(data).content_type

    def _granted(self, request_id: str, token: str | None) -> tuple[ShareRequest, OutsideParty]:
        request = self._request(request_id)
        if not token_matches(request, token):
            raise Unauthenticated("a valid grant token for this request is required")
        return request, _party(request)

    def _enforce(
        self,
        request: ShareRequest,
        party: OutsideParty,
        now: datetime,
        scope: Scope | None,
        action: str,
        subject: str,
        client: str,
    ) -> None:
        decision = decide(self._repos.agencies.get(request.ori), request, request.data_class, now, scope)
        if not decision.allowed:
            refused = _refused(decision, request)
            self._recorder.refusal(
                party.as_member(), action, subject, OUTSIDE_PURPOSE, _reference(request), client, refused, party
            )
            raise refused


def _refused(decision: Decision, request: ShareRequest) -> SharingRefused:
    return SharingRefused(decision.rule, decision.reason, request.request_id)


def _party(request: ShareRequest) -> OutsideParty:
    return OutsideParty(ori=request.ori, agency_name=request.agency_name, person=request.requester_name)


def _reference(request: ShareRequest) -> str:
    """The case number in access records: the agency's own case when it gave one, else the request id."""
    return request.case_number or request.request_id


def _within(read: PlateRead, scope: Scope) -> bool:
    captured = parse_timestamp(read.captured_at)
    return (scope.start is None or captured >= scope.start) and (scope.end is None or captured <= scope.end)


def _frame_link(base_url: str, request: ShareRequest, read_id: str, expires: int) -> str:
    query = urlencode({"expires": expires, "sig": frame_link_signature(request, read_id, expires)})
    # read ids hold a "#" (frame id # plate index): quoted, or the link would end at it
    return f"{base_url.rstrip('/')}/share/grants/{request.request_id}/frames/{quote(read_id, safe='')}?{query}"


def _agency_type(value: str | AgencyType) -> AgencyType:
    try:
        return AgencyType(value)
    except ValueError:
        raise InvalidRequest(f"agency type must be one of: {', '.join(t.value for t in AgencyType)}") from None


def _data_class(value: str) -> SourceClass:
    try:
        return SourceClass(value)
    except ValueError:
        raise InvalidRequest(f"data class must be one of: {', '.join(s.value for s in SourceClass)}") from None


def _plates(values: Iterable[str]) -> list[str]:
    plates = sorted({normalize_plate(v) for v in values if v and v.strip()})
    if not plates:
        raise InvalidRequest("name at least one plate")
    if len(plates) > MAX_PLATES_PER_REQUEST:
        raise InvalidRequest(f"at most {MAX_PLATES_PER_REQUEST} plates per request")
    bad = [p for p in plates if not is_plausible_plate(p)]
    if bad:
        raise InvalidRequest(f"not a plate: {', '.join(bad)}")
    return plates


def _timestamp(value: str, what: str) -> datetime:
    try:
        return parse_timestamp(value)
    except (ValueError, TypeError):
        raise InvalidRequest(f"{what} must be ISO 8601 with a zone offset, e.g. 2026-10-01T00:00:00-07:00") from None
