"""The staff search API behind the search page (``/api/...``).

Every route is declared with ``@staff_route(method, path, Rule)`` and runs inside ``StaffGate.serve``:
login check, role, training (418.4(d)), purpose/offense/case number (418.4.1), then the access record
(Civil Code § 1798.90.52) is written before the answer leaves. ``ROUTE_RULES`` lists them all, so a test
can walk every route and check its record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from alpr.domain.access import purpose_catalog
from alpr.domain.errors import NotFound
from alpr.domain.retention import RetentionPolicy
from alpr.runtime import runtime
from alpr.schema import ROLE_DESCRIPTIONS, Role
from alpr.services import staff_views as views
from alpr.services.access import Member
from alpr.services.staff import Call, Justified, Rule, Served
from functions.rest import answer_errors

logger = Logger(service="search")
app = APIGatewayRestResolver()

ROUTE_RULES: dict[str, Rule] = {}

SEARCHERS = (Role.OFFICER, Role.ADMINISTRATOR)
ALERT_READERS = (Role.OFFICER, Role.ADMINISTRATOR, Role.CAPTAIN)

Body = Callable[[Member, Justified | None], Served[Any]]


def staff_route(method: str, path: str, rule: Rule) -> Callable[[Callable[..., Body]], Callable[..., Any]]:
    """Registers the route with its rule; the function returns the body the gate runs."""

    def register(make_body: Callable[..., Body]) -> Callable[..., Any]:
        def route(**path_parameters: str) -> Any:
            # Read ids contain "#", which travels percent-encoded in a path.
            return _serve(rule, make_body(**{k: unquote(v) for k, v in path_parameters.items()}))

        ROUTE_RULES[f"{method}{path}"] = rule
        app.route(path, method)(route)
        return route

    return register


def _serve(rule: Rule, body: Body) -> Any:
    event = app.current_event
    params = {**(event.query_string_parameters or {}), **_json_body()}
    call = Call(
        token=_bearer(event.headers.get("authorization") or event.headers.get("Authorization")),
        client=event.request_context.identity.source_ip or "",
        subject=f"{event.http_method} {event.path}",
        purpose=params.get("purpose"),
        offense=params.get("offense"),
        case_number=params.get("case_number"),
        correlation_id=logger.get_correlation_id() or "",
    )
    return runtime().staff_gate.serve(rule, call, body)


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else header.strip()


def query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name)


def json_body() -> dict[str, Any]:
    """The request's JSON object body; anything else reads as no body (the route's model then says what is missing)."""
    return _json_body()


def _json_body() -> dict[str, Any]:
    raw = app.current_event.decoded_body
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _cameras() -> dict[str, Any]:
    return {c.camera_id: c for c in runtime().repos.cameras.list()}


def _now() -> datetime:
    return runtime().clock.now()


# --- session ---------------------------------------------------------------------------------------------


@staff_route("POST", "/api/login", Rule("login", justified=False, trained=False, authenticated=False))
def login() -> Body:
    """One login step (alpr/services/login.py): the answer is the next challenge with its session, or tokens."""

    def body(_: Member, __: Justified | None) -> Served[Response]:
        data = _json_body()
        answer = runtime().staff_login.answer(data)
        subject = f"login {str(data.get('username') or '').strip()[:128]}: {answer.step}"
        member = runtime().staff_gate.member(answer.id_token) if answer.id_token is not None else None
        return Served(Response(200, "application/json", answer.payload()), subject=subject, member=member)

    return body


@staff_route("GET", "/api/me", Rule("session.me", justified=False, trained=False))
def me() -> Body:
    def body(member: Member, _: Justified | None) -> Served[dict[str, Any]]:
        return Served(
            {
                "member_id": member.member_id,
                "name": member.name,
                "organization": member.organization,
                "roles": sorted(r.value for r in member.roles),
                "role_descriptions": {r.value: ROLE_DESCRIPTIONS[r] for r in member.roles},
                "trained": member.trained,
                "purposes": purpose_catalog(),
            }
        )

    return body


@staff_route(
    "GET", "/api/cameras", Rule.for_roles("cameras.list", *SEARCHERS, Role.AUDITOR, Role.CAPTAIN, justified=False)
)
def cameras() -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        rows = [
            {"camera_id": c.camera_id, "name": c.name, "source": c.source.value, "mobile": c.mobile}
            for c in runtime().repos.cameras.list()
        ]
        return Served({"cameras": rows}, results=len(rows), subject="cameras")

    return body


# --- search and what it opens ----------------------------------------------------------------------------


def _search(limit_override: int | None = None) -> tuple[Any, Any, str]:
    request = views.parse(views.SearchRequest, _json_body())
    criteria = views.criteria(request)
    outcome = runtime().search.search(
        criteria,
        limit=limit_override or request.limit,
        sort=request.sort,
        cursor=None if limit_override else request.cursor,
    )
    return outcome, criteria, criteria.describe()


def _hotlist_badge(read: Any, matcher: Any) -> dict[str, Any] | None:
    """The first active hotlist entry the plate matches now: its reason and case, not the list itself."""
    hits = matcher.match(read.plate, read.state, _now())
    if not hits:
        return None
    hit = hits[0]
    return {"reason": hit.target.reason.value, "kind": hit.kind.value, "case_number": hit.target.case_number}


@staff_route("POST", "/api/search", Rule.for_roles("search", *SEARCHERS))
def search() -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        outcome, _criteria, subject = _search()
        known = _cameras()
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

    return body


@staff_route("POST", "/api/search/export", Rule.for_roles("search.export", *SEARCHERS))
def search_export() -> Body:
    def body(member: Member, why: Justified | None) -> Served[Response]:
        outcome, _criteria, subject = _search(limit_override=5_000)
        known = _cameras()
        assert why is not None  # the rule is justified: the gate refused a search without its reasons
        header = views.export_header(
            {
                "ALPR search export, San Leandro PD policy 418": "every export is an access record",
                "Exported by": f"{member.name} ({member.member_id}), {member.organization}",
                "Exported at": _now().isoformat(),
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

    return body


@staff_route("GET", "/api/reads/<read_id>", Rule.for_roles("read.view", *SEARCHERS))
def read_view(read_id: str) -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        read = runtime().search.read(read_id)
        row = views.read_row(read, _cameras())
        row.update({"raw_text": read.raw_text, "box": read.box, "frame_id": read.frame_id})
        return Served(row, results=1, subject=f"read={read_id} plate={read.plate}")

    return body


def _image(read_id: str, download: bool) -> Body:
    def body(_: Member, __: Justified | None) -> Served[Response]:
        service = runtime().search
        read = service.read(read_id)
        headers = {"Cache-Control": "no-store"}
        if download:
            headers["Content-Disposition"] = f'attachment; filename="{read.plate}-{read.frame_id}.jpg"'
        response = Response(200, "image/jpeg", service.image(read), headers)
        return Served(response, results=1, subject=f"image of read={read_id} plate={read.plate}")

    return body


@staff_route("GET", "/api/reads/<read_id>/image", Rule.for_roles("image.view", *SEARCHERS))
def image_view(read_id: str) -> Body:
    return _image(read_id, download=False)


@staff_route("GET", "/api/reads/<read_id>/download", Rule.for_roles("image.download", *SEARCHERS))
def image_download(read_id: str) -> Body:
    return _image(read_id, download=True)


# --- alerts ----------------------------------------------------------------------------------------------


@staff_route("GET", "/api/alerts", Rule.for_roles("alert.list", *ALERT_READERS))
def alerts() -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        known = _cameras()
        rows = [views.alert_row(a, known) for a in runtime().repos.alerts.recent(_now())[:200]]
        return Served({"alerts": rows}, results=len(rows), subject="alerts=recent")

    return body


@staff_route("GET", "/api/alerts/<alert_id>", Rule.for_roles("alert.view", *ALERT_READERS))
def alert_view(alert_id: str) -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        alert = runtime().repos.alerts.get(alert_id)
        if alert is None or RetentionPolicy.is_expired(alert.expires_at, _now()):
            raise NotFound(f"no alert {alert_id!r}")
        return Served(views.alert_row(alert, _cameras()), results=1, subject=f"alert={alert_id} plate={alert.plate}")

    return body


# --- access records (auditors) ---------------------------------------------------------------------------


def _audit_rows() -> tuple[list[dict[str, Any]], bool, str, views.AuditFilter]:
    wanted = views.parse(views.AuditFilter, dict(app.current_event.query_string_parameters or {}))
    first, last = wanted.days(views.today_utc(_now()))
    rows: list[dict[str, Any]] = []
    truncated = False
    for record in runtime().repos.access_log.between(first, last):
        if wanted.keeps(record):
            if len(rows) >= views.MAX_AUDIT_ROWS * 100:
                truncated = True
                break
            rows.append(record.model_dump())
    return rows, truncated, wanted.describe(), wanted


AUDIT = Rule.for_roles("audit.list", Role.AUDITOR, justified=False)


@staff_route("GET", "/api/access-records", AUDIT)
def access_records() -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        rows, truncated, subject, wanted = _audit_rows()
        shown = rows[wanted.offset : wanted.offset + wanted.page_size]
        payload = {
            "records": shown,
            "matched": len(rows),
            "offset": wanted.offset,
            "truncated": truncated,
        }
        return Served(payload, results=len(shown), subject=subject)

    return body


@staff_route("GET", "/api/access-records/export", Rule.for_roles("audit.export", Role.AUDITOR, justified=False))
def access_records_export() -> Body:
    def body(_: Member, __: Justified | None) -> Served[Response]:
        rows, _truncated, subject, _wanted = _audit_rows()
        headers = {"Content-Disposition": 'attachment; filename="alpr-access-records.csv"'}
        response = Response(200, "text/csv", views.to_csv(rows, views.AUDIT_COLUMNS), headers)
        return Served(response, results=len(rows), subject=subject)

    return body


# --- training records (administrators) -------------------------------------------------------------------


@staff_route("GET", "/api/training", Rule.for_roles("training.list", Role.ADMINISTRATOR, justified=False))
def training_list() -> Body:
    def body(_: Member, __: Justified | None) -> Served[dict[str, Any]]:
        rows = [r.model_dump() for r in runtime().repos.training.all()]
        return Served({"training": rows}, results=len(rows), subject="training records")

    return body


@staff_route("PUT", "/api/training/<member_id>", Rule.for_roles("training.record", Role.ADMINISTRATOR, justified=False))
def training_record(member_id: str) -> Body:
    def body(member: Member, _: Justified | None) -> Served[dict[str, Any]]:
        request = views.parse(views.TrainingRequest, _json_body())
        # The same rule and administration-log entry as the admin API's training route.
        record = runtime().administration.record_training(member, member_id, request.course, request.completed_on)
        return Served(record.model_dump(), results=1, subject=f"training of {member_id}: {request.course}")

    return body


# Refusals keep their status and code, a body that does not validate is a 400: the same on every API.
answer_errors(app, logger)


# The page's other work, each area in its own module; imported last, once staff_route exists.
from functions.search import alert_routes, hold_routes, sharing_routes  # noqa: E402

PAGE_ROUTE_MODULES = (alert_routes, hold_routes, sharing_routes)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
