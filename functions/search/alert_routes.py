"""What the Alerts and Audits tabs open besides the /v1/ APIs: an alert's frame and plate crop for every role
that sees alerts (captains and auditors cannot search, yet see the alert they review), and the compliance
report. Opening an image is ALPR data: it names a purpose and a case like a search (418.4.1)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from alpr.domain.alerts import ADMINISTERS_HOTLIST, SEES_ALERTS
from alpr.domain.errors import NotFound
from alpr.domain.holds import READS_COMPLIANCE
from alpr.domain.records import Alert
from alpr.domain.retention import RetentionPolicy
from alpr.runtime import runtime
from alpr.services import staff_views as views
from alpr.services.access import Member
from alpr.services.staff import Justified, Rule, Served
from functions.search.handler import Body, staff_route


def _alert(alert_id: str) -> Alert:
    rt = runtime()
    alert = rt.repos.alerts.get(alert_id)
    if alert is None or RetentionPolicy.is_expired(alert.expires_at, rt.clock.now()):
        raise NotFound(f"no alert {alert_id!r}")
    return alert


def _alert_image(alert_id: str, plate_only: bool) -> Body:
    def body(_: Member, __: Justified | None) -> Served[Response]:
        alert = _alert(alert_id)
        service = runtime().search
        read = service.read(alert.read_id)
        data = service.plate_crop(read) if plate_only else service.image(read)
        what = "plate crop" if plate_only else "frame"
        response = Response(200, "image/jpeg", data, {"Cache-Control": "no-store"})
        return Served(response, results=1, subject=f"{what} of alert={alert_id} plate={alert.plate}")

    return body


@staff_route("GET", "/api/alerts/<alert_id>/frame", Rule.for_roles("alert.image", *SEES_ALERTS))
def alert_frame(alert_id: str) -> Body:
    return _alert_image(alert_id, plate_only=False)


@staff_route("GET", "/api/alerts/<alert_id>/plate", Rule.for_roles("alert.plate", *SEES_ALERTS))
def alert_plate(alert_id: str) -> Body:
    return _alert_image(alert_id, plate_only=True)


@staff_route("GET", "/api/compliance", Rule.for_roles("compliance.report", *READS_COMPLIANCE, justified=False))
def compliance() -> Body:
    def body(member: Member, _: Justified | None) -> Served[dict[str, Any]]:
        return Served(runtime().compliance.report(member), results=1, subject="compliance report")

    return body


@staff_route(
    "GET", "/api/hotlist/entries/<entry_id>/hits", Rule.for_roles("hotlist.hits", *SEES_ALERTS, justified=False)
)
def entry_hits(entry_id: str) -> Body:
    """Every alert the entry raised, live and from the searches of earlier reads (historical)."""

    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        rt = runtime()
        known = {c.camera_id: c for c in rt.repos.cameras.list()}
        found = sorted(rt.repos.alerts.for_entry(entry_id, rt.clock.now()), key=lambda a: a.captured_at, reverse=True)
        rows = [views.alert_row(a, known) for a in found]
        return Served({"hits": rows}, results=len(rows), subject=f"hits of hotlist entry={entry_id}")

    return body


@staff_route("GET", "/api/hotlist/imports", Rule.for_roles("hotlist.imports", *ADMINISTERS_HOTLIST, justified=False))
def imports() -> Body:
    """Each list in force with its versions and their import reports (counts and refusals, not the plates)."""

    def body(member: Member, _: Justified | None) -> Served[dict[str, Any]]:
        service = runtime().hotlist
        lists = {name: service.versions(member, name) for name in sorted(service.lists_in_force())}
        rows = [
            {key: v.get(key) for key in IMPORT_FIELDS} | {"list_name": name}
            for name, versions in lists.items()
            for v in versions
        ]
        return Served({"imports": rows}, results=len(rows), subject="hotlist imports")

    return body


IMPORT_FIELDS = (
    "version",
    "number",
    "status",
    "imported_by",
    "imported_at",
    "origin",
    "rows",
    "imported",
    "bad_count",
    "refused_because",
    "in_force",
)
