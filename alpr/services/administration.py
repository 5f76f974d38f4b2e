"""ALPR administration (policy 418.3.1(e), 418.4(d), 418.6): the administrator designee, cameras, members'
training records and error reports to NCRIC. Every change goes to the append-only administration log with who
and when; the CLI (alpr/cli/admin.py, alpr/cli/cameras.py) and the staff API (functions/admin/handler.py) both
come through here."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import ValidationError

from alpr.clock import Clock, iso
from alpr.domain.access import new_access_record
from alpr.domain.cameras import Camera, Location
from alpr.domain.errors import Conflict, DomainError, NotFound
from alpr.domain.holds import Identity, require_role
from alpr.domain.plates import is_plausible_plate, normalize_plate
from alpr.domain.training import TrainingRecord
from alpr.repositories.factory import Repositories
from alpr.schema import RETENTION, Role, SourceClass
from alpr.services.cameras import new_camera, set_active
from alpr.services.ncric import ERROR_REPORT

ADMINISTERS = frozenset({Role.ADMINISTRATOR, Role.CAPTAIN})
# The Bureau of Services Captain names the designee (418.3); administrators keep the record current.
DESIGNATES = frozenset({Role.CAPTAIN, Role.ADMINISTRATOR})
# Policy 418.4(d): training records are kept by ALPR administrators (the search API's rule too).
RECORDS_TRAINING = frozenset({Role.ADMINISTRATOR})
ERROR_KINDS = ("misread", "wrong_hit")
MIN_TEXT = 5


def _first_error(invalid: ValidationError) -> str:
    error = invalid.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _text(value: str, what: str) -> str:
    text = value.strip()
    if len(text) < MIN_TEXT:
        raise DomainError(f"{what} needs at least {MIN_TEXT} characters")
    return text


class AdministrationService:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    # --- the ALPR administrator designation (418.3.1(e)) -------------------------------------------------

    def designate(self, actor: Identity, title: str, name: str) -> dict[str, Any]:
        require_role(actor, DESIGNATES, "designating the ALPR administrator")
        return self._repos.admin_log.append(
            "designation",
            iso(self._clock.now()),
            {
                "title": _text(title, "the designee's title"),
                "name": _text(name, "the designee's name"),
                "by": actor.member_id,
            },
        )

    def designee(self) -> dict[str, Any] | None:
        """The current designee: public (418.3.1(e) asks for the title and name to be stated)."""
        latest = self._repos.admin_log.latest("designation")
        return None if latest is None else {"title": latest["title"], "name": latest["name"], "since": latest["at"]}

    # --- cameras ----------------------------------------------------------------------------------------

    def camera_added(self, actor: Identity, camera_id: str, source: str, name: str) -> None:
        self._camera_change(actor, camera_id, "added", f"{source} camera {name}".strip())

    def cameras(self, actor: Identity) -> list[Camera]:
        require_role(actor, ADMINISTERS | {Role.AUDITOR}, "listing the camera registry")
        return self._repos.cameras.list()

    def add_camera(
        self,
        actor: Identity,
        camera_id: str,
        source: SourceClass,
        name: str = "",
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> tuple[Camera, str]:
        """Registers a camera; returns it with its key, which is shown this once (only a hash is kept)."""
        require_role(actor, ADMINISTERS, "adding cameras")
        try:
            camera, api_key = new_camera(camera_id, source, name.strip(), latitude, longitude)
        except ValidationError as invalid:
            raise DomainError(f"invalid camera: {_first_error(invalid)}") from None
        if not self._repos.cameras.add(camera):
            raise Conflict(f"camera {camera_id} is already registered")
        self.camera_added(actor, camera_id, source.value, camera.name)
        return camera, api_key

    def update_camera(
        self,
        actor: Identity,
        camera_id: str,
        reason: str,
        *,
        active: bool | None = None,
        name: str | None = None,
        location: tuple[float, float] | None = None,
    ) -> list[dict[str, Any]]:
        """Renames, moves, activates or deactivates a camera; each change is recorded with the reason."""
        require_role(actor, ADMINISTERS, "changing cameras")
        why = _text(reason, "the reason")
        camera = self._camera(camera_id)
        changes: list[dict[str, Any]] = []
        update: dict[str, Any] = {}
        if name is not None and name.strip() != camera.name:
            update["name"] = name.strip()
            changes.append({"change": "renamed", "detail": f"{camera.name!r} -> {name.strip()!r}"})
        if location is not None:
            try:
                moved = Location(latitude=location[0], longitude=location[1])
            except ValidationError as invalid:
                raise DomainError(f"invalid location: {_first_error(invalid)}") from None
            if camera.mobile:
                raise DomainError(f"camera {camera_id} is mobile: its frames carry their own GPS position")
            if moved != camera.location:
                update["location"] = moved
                changes.append({"change": "moved", "detail": f"to {moved.latitude}, {moved.longitude}"})
        if update:
            self._repos.cameras.put(camera.model_copy(update=update))
        recorded = [self._camera_change(actor, camera_id, c["change"], f"{why} ({c['detail']})") for c in changes]
        if active is not None and active != camera.active:
            recorded.append(self.set_camera_active(actor, camera_id, active, why))
        if not recorded:
            raise DomainError(f"nothing to change on camera {camera_id}")
        return recorded

    def _camera(self, camera_id: str) -> Camera:
        camera = self._repos.cameras.get(camera_id)
        if camera is None:
            raise NotFound(f"no camera {camera_id}")
        return camera

    def set_camera_active(self, actor: Identity, camera_id: str, active: bool, reason: str) -> dict[str, Any]:
        require_role(actor, ADMINISTERS, "activating or deactivating cameras")
        why = _text(reason, "the reason")
        camera = self._camera(camera_id)
        if camera.active == active:
            raise DomainError(f"camera {camera_id} is already {'active' if active else 'deactivated'}")
        set_active(self._repos.cameras, camera_id, active)
        return self._camera_change(actor, camera_id, "activated" if active else "deactivated", why)

    def _camera_change(self, actor: Identity, camera_id: str, change: str, reason: str) -> dict[str, Any]:
        return self._repos.admin_log.append(
            "camera",
            iso(self._clock.now()),
            {"camera_id": camera_id, "change": change, "reason": reason, "by": actor.member_id},
        )

    def camera_history(self, camera_id: str | None = None) -> list[dict[str, Any]]:
        changes = self._repos.admin_log.of_kind("camera")
        return [c for c in changes if camera_id is None or c["camera_id"] == camera_id]

    # --- members and their training (418.4(d), 418.98) ----------------------------------------------------

    def members(self, actor: Identity) -> list[dict[str, Any]]:
        """Every member with a role in the user pool, and every training record, side by side."""
        require_role(actor, ADMINISTERS, "listing members and their training")
        training = {r.member_id: r for r in self._repos.training.all()}
        rows = []
        for account in self._repos.staff_directory.members():
            record = training.pop(account.username, None)
            rows.append(
                {
                    "member_id": account.username,
                    "name": account.name,
                    "roles": sorted(r.value for r in account.roles),
                    "enabled": account.enabled,
                    "training": record.model_dump() if record else None,
                }
            )
        # Training on record for someone no longer in the pool stays visible: it is part of the record.
        for member_id, record in sorted(training.items()):
            rows.append(
                {"member_id": member_id, "name": "", "roles": [], "enabled": False, "training": record.model_dump()}
            )
        return rows

    def record_training(self, actor: Identity, member_id: str, course: str, completed_on: date) -> TrainingRecord:
        require_role(actor, RECORDS_TRAINING, "recording training")
        now = self._clock.now()
        member = member_id.strip()[:128]
        if not member:
            raise DomainError("name the member whose training this is")
        if completed_on > now.date():
            raise DomainError("the completion date is in the future")
        record = TrainingRecord(
            member_id=member,
            course=_text(course, "the course"),
            completed_on=completed_on.isoformat(),
            recorded_by=actor.member_id,
            recorded_at=iso(now),
        )
        self._repos.training.put(record)
        self._repos.admin_log.append(
            "training",
            record.recorded_at,
            {"member_id": member, "course": record.course, "completed_on": record.completed_on, "by": actor.member_id},
        )
        return record

    def training_history(self, actor: Identity) -> list[dict[str, Any]]:
        require_role(actor, ADMINISTERS | {Role.AUDITOR}, "reading training changes")
        return self._repos.admin_log.of_kind("training")

    # --- error reports to NCRIC (418.6) -----------------------------------------------------------------

    def report_error(
        self,
        actor: Identity,
        read_id: str,
        error: str,
        description: str,
        corrected_plate: str | None = None,
        alert_id: str | None = None,
    ) -> dict[str, Any]:
        """Records a misread or a wrong hit and its correction; the read is marked, its original plate kept."""
        require_role(actor, ADMINISTERS, "reporting errors to NCRIC")
        if error not in ERROR_KINDS:
            raise DomainError(f"the error is one of: {', '.join(ERROR_KINDS)}")
        read = self._repos.retention.get_read(read_id)
        now = self._clock.now()
        if read is None or (read.expires_at is not None and read.expires_at <= now.timestamp()):
            raise NotFound(f"no read {read_id} in retention")
        corrected = normalize_plate(corrected_plate) if corrected_plate else None
        if error == "misread" and (corrected is None or not is_plausible_plate(corrected)):
            raise DomainError("a misread needs the corrected plate (2-8 letters and digits)")
        report_id = f"err-{uuid.uuid4().hex[:12]}"
        to_ncric = RETENTION[read.source].forwarded_to_ncric
        report = self._repos.admin_log.append(
            ERROR_REPORT,
            iso(now),
            {
                "report_id": report_id,
                "error": error,
                "read_id": read_id,
                "alert_id": alert_id or "",
                "camera_id": read.camera_id,
                "source": read.source.value,
                "original_plate": read.plate,
                "corrected_plate": corrected or "",
                "description": _text(description, "the description"),
                # NCRIC holds vehicle-mounted data only (418.5); Flock and Axon data never go there.
                "reported_to": "NCRIC" if to_ncric else "the camera vendor (NCRIC does not hold this data)",
                "by": actor.member_id,
            },
        )
        if corrected is not None:
            self._repos.read_corrections.mark(read_id, corrected, report_id)
        if to_ncric:
            # Sent by the NCRIC forwarder (queued, retried, recorded once acknowledged); `alpr ncric reconcile`
            # queues it again should this step be lost.
            self._repos.ncric_queue.send_error_report(report_id, report["record_id"])
        self._record_access(actor, "admin.error_report", f"read={read_id}", report_id, 1)
        return report

    def error_reports(self, actor: Identity) -> list[dict[str, Any]]:
        require_role(actor, ADMINISTERS | {Role.AUDITOR}, "reading error reports")
        reports = self._repos.admin_log.of_kind(ERROR_REPORT)
        # The reports name plates: showing them to a person is an access, recorded before they are returned.
        self._record_access(actor, "admin.error_reports", "error reports", "error reports (418.6)", len(reports))
        return reports

    def _record_access(self, actor: Identity, action: str, subject: str, case: str, results: int) -> None:
        self._repos.access_log.append(
            new_access_record(
                self._clock.now(),
                member_id=actor.member_id,
                member_name=actor.name,
                organization="San Leandro Police Department",
                action=action,
                subject=subject,
                purpose="error report to NCRIC (418.6)",
                case_number=case,
                results=results,
            )
        )
