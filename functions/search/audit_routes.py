"""The Audits tab: the access records (auditors) and the compliance report. Neither names a purpose: reading the
records is the audit itself, and the report holds counts, not plates."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from alpr.domain.holds import READS_COMPLIANCE
from alpr.runtime import runtime
from alpr.schema import Role
from alpr.services import staff_views as views
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import staff

router = Router()
request = Requests(router)


def _audit_rows() -> tuple[list[dict[str, Any]], bool, str, views.AuditFilter]:
    wanted = views.parse(views.AuditFilter, dict(request.event().query_string_parameters or {}))
    first, last = wanted.days(views.today_utc(runtime().clock.now()))
    rows: list[dict[str, Any]] = []
    truncated = False
    for record in runtime().repos.access_log.between(first, last):
        if wanted.keeps(record):
            if len(rows) >= views.MAX_AUDIT_ROWS * 100:
                truncated = True
                break
            rows.append(record.model_dump())
    return rows, truncated, wanted.describe(), wanted


@router.get("/api/access-records", middlewares=[staff(Rule.for_roles("audit.list", Role.AUDITOR, justified=False))])
def access_records() -> Served[dict[str, Any]]:
    rows, truncated, subject, wanted = _audit_rows()
    shown = rows[wanted.offset : wanted.offset + wanted.page_size]
    payload = {
        "records": shown,
        "matched": len(rows),
        "offset": wanted.offset,
        "truncated": truncated,
    }
    return Served(payload, results=len(shown), subject=subject)


@router.get(
    "/api/access-records/export",
    middlewares=[staff(Rule.for_roles("audit.export", Role.AUDITOR, justified=False))],
)
def access_records_export() -> Served[Response]:
    rows, _truncated, subject, _wanted = _audit_rows()
    headers = {"Content-Disposition": 'attachment; filename="alpr-access-records.csv"'}
    response = Response(200, "text/csv", views.to_csv(rows, views.AUDIT_COLUMNS), headers)
    return Served(response, results=len(rows), subject=subject)


@router.get(
    "/api/compliance",
    middlewares=[staff(Rule.for_roles("compliance.report", *READS_COMPLIANCE, justified=False))],
)
def compliance() -> Served[dict[str, Any]]:
    return Served(runtime().compliance.report(request.member()), results=1, subject="compliance report")
