"""ALPR administration (policy 418.3.1(e), 418.6): the administrator designee, camera changes and error
reports to NCRIC. Every change goes to the append-only administration log with who and when."""

from __future__ import annotations

import uuid
from typing import Any

from alpr.clock import Clock, iso
from alpr.domain.access import new_access_record
from alpr.domain.errors import DomainError, NotFound
from alpr.domain.holds import Identity, require_role
from alpr.domain.plates import is_plausible_plate, normalize_plate
from alpr.repositories.factory import Repositories
from alpr.schema import Role
from alpr.services.cameras import set_active

ADMINISTERS = frozenset({Role.ADMINISTRATOR, Role.CAPTAIN})
# The Bureau of Services Captain names the designee (418.3); administrators keep the record current.
DESIGNATES = frozenset({Role.CAPTAIN, Role.ADMINISTRATOR})
ERROR_KINDS = ("misread", "wrong_hit")
MIN_TEXT = 5


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

    def set_camera_active(self, actor: Identity, camera_id: str, active: bool, reason: str) -> dict[str, Any]:
        require_role(actor, ADMINISTERS, "activating or deactivating cameras")
        why = _text(reason, "the reason")
        camera = self._repos.cameras.get(camera_id)
        if camera is None:
            raise NotFound(f"no camera {camera_id}")
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
        report = self._repos.admin_log.append(
            "error_report",
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
                "reported_to": "NCRIC" if read.source.value == "vehicle" else "NCRIC and the camera vendor",
                "by": actor.member_id,
            },
        )
        if corrected is not None:
            self._repos.read_corrections.mark(read_id, corrected, report_id)
        self._repos.access_log.append(
            new_access_record(
                now,
                member_id=actor.member_id,
                member_name=actor.name,
                organization="San Leandro Police Department",
                action="admin.error_report",
                subject=f"read={read_id}",
                purpose="error report to NCRIC (418.6)",
                case_number=report_id,
                results=1,
            )
        )
        return report

    def error_reports(self, actor: Identity) -> list[dict[str, Any]]:
        require_role(actor, ADMINISTERS | {Role.AUDITOR}, "reading error reports")
        return self._repos.admin_log.of_kind("error_report")
