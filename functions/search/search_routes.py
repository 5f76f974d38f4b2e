"""Searching reads on the staff page, and what a search opens: one read, its frame, the CSV export. All of it
is ALPR data: each call names a purpose, an offense where the purpose has any, and a case number (418.4.1)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from alpr.runtime import runtime
from alpr.services import staff_views as views
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import SEARCHERS, cameras, reasons, staff

logger = Logger(service="search", child=True)
router = Router()
request = Requests(router)


def _search(limit_override: int | None = None) -> tuple[Any, Any, str]:
    wanted = views.parse(views.SearchRequest, request.json_object())
    criteria = views.criteria(wanted)
    outcome = runtime().search.search(
        criteria,
        limit=limit_override or wanted.limit,
        sort=wanted.sort,
        cursor=None if limit_override else wanted.cursor,
    )
    return outcome, criteria, criteria.describe()


def _hotlist_badge(read: Any, matcher: Any) -> dict[str, Any] | None:
    """The first active hotlist entry the plate matches now: its reason and case, not the list itself."""
    hits = matcher.match(read.plate, read.state, runtime().clock.now())
    if not hits:
        return None
    hit = hits[0]
    return {"reason": hit.target.reason.value, "kind": hit.kind.value, "case_number": hit.target.case_number}


@router.post("/api/search", middlewares=[staff(Rule.for_roles("search", *SEARCHERS))])
def search() -> Served[dict[str, Any]]:
    outcome, _criteria, subject = _search()
    known = cameras()
    service = runtime().search
    matcher = runtime().match.cache.matcher()
    rows = []
    for position, read in enumerate(outcome.reads):
        row = views.read_row(read, known)
        row["sighting_plate"] = outcome.consensus.get(read.read_id)
        row["look_alikes"] = outcome.look_alikes.get(read.read_id, [])
        row["hotlist"] = _hotlist_badge(read, matcher)
        if position < views.THUMBNAILS:
            try:
                row["thumbnail"] = views.data_uri(service.plate_crop(read))
            except Exception:  # a missing or unreadable frame still lists its read
                logger.warning("no thumbnail", read_id=read.read_id)
                row["thumbnail"] = None
        rows.append(row)
    payload = {
        "results": rows,
        "matched": outcome.matched,
        "truncated": outcome.truncated,
        "examined": outcome.examined,
        "next_cursor": outcome.next_cursor,
    }
    return Served(payload, results=len(rows), subject=subject)


@router.post("/api/search/export", middlewares=[staff(Rule.for_roles("search.export", *SEARCHERS))])
def search_export() -> Served[Response]:
    outcome, _criteria, subject = _search(limit_override=5_000)
    known = cameras()
    member, why = request.member(), reasons(router)
    header = views.export_header(
        {
            "ALPR search export, San Leandro PD policy 418": "every export is an access record",
            "Exported by": f"{member.name} ({member.member_id}), {member.organization}",
            "Exported at": runtime().clock.now().isoformat(),
            "Purpose": why.purpose.value,
            "Offense": why.offense.value if why.offense else "",
            "Case number": why.case_number,
            "Query": subject,
            "Reads": f"{len(outcome.reads)} of {outcome.matched}",
        }
    )
    text = header + views.to_csv((views.read_row(r, known) for r in outcome.reads), views.READ_COLUMNS)
    headers = {"Content-Disposition": 'attachment; filename="alpr-search.csv"'}
    return Served(Response(200, "text/csv", text, headers), results=len(outcome.reads), subject=subject)


@router.get("/api/reads/<read_id>", middlewares=[staff(Rule.for_roles("read.view", *SEARCHERS))])
def read_view(read_id: str) -> Served[dict[str, Any]]:
    read = runtime().search.read(read_id)
    row = views.read_row(read, cameras())
    row.update({"raw_text": read.raw_text, "box": read.box, "frame_id": read.frame_id})
    return Served(row, results=1, subject=f"read={read_id} plate={read.plate}")


def _image(read_id: str, download: bool) -> Served[Response]:
    service = runtime().search
    read = service.read(read_id)
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{read.plate}-{read.frame_id}.jpg"'
    response = Response(200, "image/jpeg", service.image(read), headers)
    return Served(response, results=1, subject=f"image of read={read_id} plate={read.plate}")


@router.get("/api/reads/<read_id>/image", middlewares=[staff(Rule.for_roles("image.view", *SEARCHERS))])
def image_view(read_id: str) -> Served[Response]:
    return _image(read_id, download=False)


@router.get("/api/reads/<read_id>/download", middlewares=[staff(Rule.for_roles("image.download", *SEARCHERS))])
def image_download(read_id: str) -> Served[Response]:
    return _image(read_id, download=True)
