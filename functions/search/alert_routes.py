"""The Alerts tab: recent alerts and one alert, its frame and plate crop for every role that sees alerts (captains
and auditors cannot search, yet see the alert they review), a hotlist entry's hits, and the hotlist imports.
Opening an alert or its image is ALPR data: it names a purpose and a case like a search (418.4.1)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from alpr.domain.alerts import ADMINISTERS_HOTLIST, SEES_ALERTS
from alpr.domain.errors import NotFound
from alpr.domain.records import Alert
from alpr.domain.retention import RetentionPolicy
from alpr.runtime import runtime
from alpr.services import staff_views as views
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import ALERT_READERS, cameras, staff

router = Router()
request = Requests(router)


def _alert(alert_id: str) -> Alert:
    rt = runtime()
    alert = rt.repos.alerts.get(alert_id)
    if alert is None or RetentionPolicy.is_expired(alert.expires_at, rt.clock.now()):
        raise NotFound(f"no alert {alert_id!r}")
    return alert


@router.get("/api/alerts", middlewares=[staff(Rule.for_roles("alert.list", *ALERT_READERS))])
def alerts() -> Served[dict[str, Any]]:
    known = cameras()
    rows = [views.alert_row(a, known) for a in runtime().repos.alerts.recent(runtime().clock.now())[:200]]
    return Served({"alerts": rows}, results=len(rows), subject="alerts=recent")


@router.get("/api/alerts/<alert_id>", middlewares=[staff(Rule.for_roles("alert.view", *ALERT_READERS))])
def alert_view(alert_id: str) -> Served[dict[str, Any]]:
    alert = _alert(alert_id)
    return Served(views.alert_row(alert, cameras()), results=1, subject=f"alert={alert_id} plate={alert.plate}")


def _alert_image(alert_id: str, plate_only: bool) -> Served[Response]:
    alert = _alert(alert_id)
    service = runtime().search
    read = service.read(alert.read_id)
    data = service.plate_crop(read) if plate_only else service.image(read)
    what = "plate crop" if plate_only else "frame"
    response = Response(200, "image/jpeg", data, {"Cache-Control": "no-store"})
    return Served(response, results=1, subject=f"{what} of alert={alert_id} plate={alert.plate}")


@router.get("/api/alerts/<alert_id>/frame", middlewares=[staff(Rule.for_roles("alert.image", *SEES_ALERTS))])
def alert_frame(alert_id: str) -> Served[Response]:
    return _alert_image(alert_id, plate_only=False)


@router.get("/api/alerts/<alert_id>/plate", middlewares=[staff(Rule.for_roles("alert.plate", *SEES_ALERTS))])
def alert_plate(alert_id: str) -> Served[Response]:
    return _alert_image(alert_id, plate_only=True)


@router.get(
    "/api/hotlist/entries/<entry_id>/hits",
    middlewares=[staff(Rule.for_roles("hotlist.hits", *SEES_ALERTS, justified=False))],
)
def entry_hits(entry_id: str) -> Served[dict[str, Any]]:
    """Every alert the entry raised, live and from the searches of earlier reads (historical)."""
    rt = runtime()
    found = sorted(rt.repos.alerts.for_entry(entry_id, rt.clock.now()), key=lambda a: a.captured_at, reverse=True)
    known = cameras()
    rows = [views.alert_row(a, known) for a in found]
    return Served({"hits": rows}, results=len(rows), subject=f"hits of hotlist entry={entry_id}")


@router.get(
    "/api/hotlist/imports",
    middlewares=[staff(Rule.for_roles("hotlist.imports", *ADMINISTERS_HOTLIST, justified=False))],
)
def imports() -> Served[dict[str, Any]]:
    """Each list in force with its versions and their import reports (counts and refusals, not the plates)."""
    member, service = request.member(), runtime().hotlist
    lists = {name: service.versions(member, name) for name in sorted(service.lists_in_force())}
    rows = [
        {key: v.get(key) for key in IMPORT_FIELDS} | {"list_name": name}
        for name, versions in lists.items()
        for v in versions
    ]
    return Served({"imports": rows}, results=len(rows), subject="hotlist imports")


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
