"""Signing in on the staff page: the login steps, who the member is, and the cameras the page names."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from alpr.domain.access import purpose_catalog
from alpr.runtime import runtime
from alpr.schema import ROLE_DESCRIPTIONS, Role
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import SEARCHERS, staff

router = Router()
request = Requests(router)


@router.post("/api/login", middlewares=[staff(Rule("login", justified=False, trained=False, authenticated=False))])
def login() -> Served[Response]:
    """One login step (alpr/services/login.py): the answer is the next challenge with its session, or tokens."""
    data = request.json_object()
    answer = runtime().staff_login.answer(data)
    subject = f"login {str(data.get('username') or '').strip()[:128]}: {answer.step}"
    member = runtime().staff_gate.member(answer.id_token) if answer.id_token is not None else None
    return Served(Response(200, "application/json", answer.payload()), subject=subject, member=member)


@router.get("/api/me", middlewares=[staff(Rule("session.me", justified=False, trained=False))])
def me() -> Served[dict[str, Any]]:
    member = request.member()
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


@router.get(
    "/api/cameras",
    middlewares=[staff(Rule.for_roles("cameras.list", *SEARCHERS, Role.AUDITOR, Role.CAPTAIN, justified=False))],
)
def cameras() -> Served[dict[str, Any]]:
    rows = [
        {"camera_id": c.camera_id, "name": c.name, "source": c.source.value, "mobile": c.mobile}
        for c in runtime().repos.cameras.list()
    ]
    return Served({"cameras": rows}, results=len(rows), subject="cameras")
