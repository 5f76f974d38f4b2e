"""Evidence holds: request, place, release and book into evidence (policy 418.5), each recorded with who
and when.

Placing a hold, per read: every version of its image gets an S3 Object Lock legal hold first, then the
read loses its TTL (conditional on not being past retention: expired data is never revived), then its
frame ledger entry and alerts lose theirs. The legal hold goes first so that a purge racing the hold
either finds the image locked or has already deleted it, in which case the hold refuses the read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from alpr import schema
from alpr.clock import Clock, iso
from alpr.domain.errors import Conflict, NotFound
from alpr.domain.holds import (
    DEFAULT_EVIDENCE_RETENTION_DAYS,
    PLACES_HOLDS,
    REQUESTS_HOLDS,
    Hold,
    HoldAction,
    HoldScope,
    HoldStatus,
    Identity,
    InvalidHold,
    check_justification,
    hold_event,
    new_hold,
    require_role,
)
from alpr.domain.records import PlateRead, capture_time
from alpr.domain.retention import RetentionPolicy
from alpr.repositories.factory import Repositories
from alpr.schema import Role

MAX_READS_PER_HOLD = 5000


@dataclass(frozen=True)
class StaffMember:
    """An identity for the CLI and tests; the Cognito login gives the API the same three fields."""

    member_id: str
    name: str
    roles: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class HoldOutcome:
    hold: Hold
    held_reads: list[str]
    refused_reads: list[str]


class HoldService:
    def __init__(
        self,
        repos: Repositories,
        retention: RetentionPolicy,
        purge_now: Callable[[list[str]], None],
        clock: Clock,
        evidence_retention_days: int = DEFAULT_EVIDENCE_RETENTION_DAYS,
    ) -> None:
        self._repos = repos
        self._retention = retention
        # Releasing never deletes itself: it hands the read ids to the purge, the one thing that deletes.
        self._purge_now = purge_now
        self._clock = clock
        self._evidence_days = evidence_retention_days

    # --- request / place ------------------------------------------------------------------------------

    def request(self, actor: Identity, case_number: str, reason: str, scope: HoldScope) -> Hold:
        """An officer asks; nothing is protected until an administrator places it."""
        require_role(actor, REQUESTS_HOLDS, "requesting an evidence hold")
        hold = new_hold(actor, case_number, reason, scope, self._clock.now())
        self._repos.holds.add(hold)
        self._record(hold, HoldAction.REQUESTED, actor, _describe(scope))
        return hold

    def place(self, actor: Identity, case_number: str, reason: str, scope: HoldScope) -> HoldOutcome:
        require_role(actor, PLACES_HOLDS, "placing an evidence hold")
        return self.approve(actor, self.request(actor, case_number, reason, scope).hold_id)

    def approve(self, actor: Identity, hold_id: str) -> HoldOutcome:
        """Places a requested hold. Running it again after a crash finishes the job."""
        require_role(actor, PLACES_HOLDS, "placing an evidence hold")
        hold = self._get(hold_id)
        if hold.status not in {HoldStatus.REQUESTED, HoldStatus.ACTIVE}:
            raise Conflict(f"hold {hold_id} is {hold.status.value}")
        now = self._clock.now()
        if iso(now) < hold.requested_at:
            raise Conflict(
                f"a placement cannot be dated {iso(now)}, before the request it approves ({hold.requested_at})"
            )
        held: list[PlateRead] = []
        refused: list[PlateRead] = []
        for read in self._resolve(hold.scope):
            (held if self._hold_read(read, hold, now) else refused).append(read)
        if not held:
            raise InvalidHold("nothing to hold: the reads are gone or already past their retention")
        hold.status = HoldStatus.ACTIVE
        hold.placed_by = actor.member_id
        hold.placed_at = iso(now)
        hold.read_ids = sorted({*hold.read_ids, *(r.read_id for r in held)})
        hold.image_keys = sorted({*hold.image_keys, *(r.image_key for r in held)})
        self._repos.holds.put(hold)
        details = f"{len(held)} read(s) held" + (f", {len(refused)} refused (past retention)" if refused else "")
        self._record(hold, HoldAction.PLACED, actor, details)
        return HoldOutcome(hold, [r.read_id for r in held], [r.read_id for r in refused])

    def decline(self, actor: Identity, hold_id: str, reason: str) -> Hold:
        require_role(actor, PLACES_HOLDS, "declining a hold request")
        hold = self._get(hold_id)
        if hold.status is not HoldStatus.REQUESTED:
            raise Conflict(f"hold {hold_id} is {hold.status.value}, not requested")
        _, why = check_justification(hold.case_number, reason)
        hold.status = HoldStatus.DECLINED
        self._repos.holds.put(hold)
        self._record(hold, HoldAction.DECLINED, actor, why)
        return hold

    # --- release ---------------------------------------------------------------------------------------

    def release(self, actor: Identity, hold_id: str, reason: str) -> Hold:
        """The reads go back to their normal retention counted from capture; past it, they are purged now."""
        require_role(actor, PLACES_HOLDS, "releasing an evidence hold")
        hold = self._get(hold_id)
        if hold.status is not HoldStatus.ACTIVE:
            raise Conflict(f"hold {hold_id} is {hold.status.value}, not active")
        _, why = check_justification(hold.case_number, reason)
        store, versions = self._repos.retention, self._repos.image_versions
        freed: list[PlateRead] = []
        for read_id in hold.read_ids:
            read = store.get_read(read_id)
            if read is None:
                continue
            expiry = self._retention.expires_epoch(read.source, capture_time(read))
            if store.release_read(read_id, hold.hold_id, expiry):
                freed.append(read)
                for alert in store.alerts_of_read(read):
                    store.release_alert(alert.alert_id, expiry)
        for frame_id in {r.frame_id for r in freed}:
            frame_reads = store.reads_of_frame(frame_id)
            if any(r.held for r in frame_reads):
                continue  # another hold still needs the image
            first = next(r for r in freed if r.frame_id == frame_id)
            store.release_frame(frame_id, self._retention.expires_epoch(first.source, capture_time(first)))
            versions.set_legal_hold(first.image_key, on=False)
        hold.status = HoldStatus.RELEASED
        hold.released_by, hold.released_at, hold.release_reason = actor.member_id, iso(self._clock.now()), why
        self._repos.holds.put(hold)
        self._record(hold, HoldAction.RELEASED, actor, why)
        # Counted from capture: anything already past its date goes now, not at the next daily run.
        self._purge_now([f.read_id for f in freed])
        return hold

    # --- book into evidence ---------------------------------------------------------------------------

    def book(self, actor: Identity, hold_id: str) -> str:
        """Copies each held read and its image to the evidence area, locked in compliance mode, with a
        manifest of SHA-256 digests. Returns the manifest's key."""
        require_role(actor, PLACES_HOLDS, "booking into evidence")
        hold = self._get(hold_id)
        if hold.status is not HoldStatus.ACTIVE:
            raise Conflict(f"only an active hold can be booked; hold {hold_id} is {hold.status.value}")
        now = self._clock.now()
        retain_until = now + timedelta(days=self._evidence_days)
        folder = f"{schema.BUCKET.evidence}{_safe(hold.case_number)}/{hold.hold_id}/"
        versions, store = self._repos.image_versions, self._repos.retention
        entries = []
        for image_key in hold.image_keys:
            data, content_type = versions.read(image_key)
            stored = versions.put_locked(
                f"{folder}images/{PurePosixPath(image_key).name}", data, content_type, retain_until
            )
            entries.append({"kind": "image", "source_key": image_key, **_describe_stored(stored)})
        for read_id in hold.read_ids:
            read = store.get_read(read_id)
            if read is None:
                continue
            body = read.model_dump_json(indent=2).encode()
            stored = versions.put_locked(f"{folder}reads/{read_id}.json", body, "application/json", retain_until)
            entries.append({"kind": "read", "read_id": read_id, **_describe_stored(stored)})
        manifest = {
            "case_number": hold.case_number,
            "hold_id": hold.hold_id,
            "reason": hold.reason,
            "booked_by": actor.member_id,
            "booked_by_name": actor.name,
            "booked_at": iso(now),
            "retain_until": iso(retain_until),
            "object_lock_mode": "COMPLIANCE",
            "digest_algorithm": "SHA-256",
            "items": entries,
        }
        manifest_key = f"{folder}manifest-{iso(now).replace(':', '')}.json"
        versions.put_locked(manifest_key, json.dumps(manifest, indent=2).encode(), "application/json", retain_until)
        hold.evidence_manifests = [*hold.evidence_manifests, manifest_key]
        self._repos.holds.put(hold)
        self._record(hold, HoldAction.BOOKED, actor, f"{len(entries)} object(s), manifest {manifest_key}")
        return manifest_key

    # --- lookups ---------------------------------------------------------------------------------------

    def active(self) -> list[Hold]:
        return self._repos.holds.with_status(HoldStatus.ACTIVE)

    def requested(self) -> list[Hold]:
        return self._repos.holds.with_status(HoldStatus.REQUESTED)

    def _get(self, hold_id: str) -> Hold:
        hold = self._repos.holds.get(hold_id)
        if hold is None:
            raise NotFound(f"no hold {hold_id}")
        return hold

    def _resolve(self, scope: HoldScope) -> list[PlateRead]:
        store = self._repos.retention
        if scope.read_ids:
            reads = [r for r in (store.get_read(i) for i in scope.read_ids) if r is not None]
        else:
            assert scope.camera_id and scope.captured_from and scope.captured_to
            reads = store.reads_in_window(scope.camera_id, scope.captured_from, scope.captured_to)
        if len(reads) > MAX_READS_PER_HOLD:
            raise InvalidHold(f"{len(reads)} reads: narrow the window (at most {MAX_READS_PER_HOLD} per hold)")
        return reads

    def _hold_read(self, read: PlateRead, hold: Hold, now: datetime) -> bool:
        if self._retention.is_expired(read.expires_at, now):
            return False  # past retention: the policy says it is already gone
        store, versions = self._repos.retention, self._repos.image_versions
        if not versions.set_legal_hold(read.image_key, on=True):
            return False  # the image is already gone
        if not store.hold_read(read.read_id, hold.hold_id, hold.case_number, now):
            if not any(r.held for r in store.reads_of_frame(read.frame_id)):
                versions.set_legal_hold(read.image_key, on=False)  # nothing else needs the lock
            return False
        store.hold_frame(read.frame_id, hold.case_number)
        for alert in store.alerts_of_read(read):
            store.hold_alert(alert.alert_id, hold.case_number)
        return True

    def _record(self, hold: Hold, action: HoldAction, actor: Identity, details: str) -> None:
        self._repos.hold_events.append(hold_event(hold, action, actor, self._clock.now(), details))


def _describe(scope: HoldScope) -> str:
    if scope.read_ids:
        return f"{len(scope.read_ids)} read(s)"
    return f"camera {scope.camera_id} from {scope.captured_from} to {scope.captured_to}"


def _describe_stored(stored: object) -> dict[str, object]:
    from dataclasses import asdict

    return asdict(stored)  # type: ignore[call-overload, no-any-return]


def _safe(case_number: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in case_number)
