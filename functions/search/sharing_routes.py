"""Sharing on the staff page (policy 418.7): captains decide the requests outside agencies filed (the grant
token is in the answer once), administrators keep the agency registry, auditors read the requests file.
Who may do what is the sharing service's rule; the gate records every call."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field

from alpr.domain.sharing import DEFAULT_GRANT_DAYS, RequestStatus, ShareRequest
from alpr.runtime import runtime
from alpr.schema import Role
from alpr.services import staff_views as views
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import staff

router = Router()
request = Requests(router)

DECIDES = (Role.CAPTAIN, Role.ADMINISTRATOR)
REGISTRY = (Role.ADMINISTRATOR, Role.CAPTAIN, Role.AUDITOR)


class Approval(BaseModel):
    days: int = Field(default=DEFAULT_GRANT_DAYS, ge=1, le=366)
    note: str = Field(default="", max_length=2000)


class Denial(BaseModel):
    note: str = Field(max_length=2000)


class NewAgency(BaseModel):
    ori: str = Field(max_length=16)
    name: str = Field(max_length=200)
    state: str = Field(max_length=2)
    agency_type: str = Field(max_length=64)
    ncric_partner: bool = False
    fixed_camera_access: bool = False


class AgencyEdit(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    state: str | None = Field(default=None, max_length=2)
    agency_type: str | None = Field(default=None, max_length=64)
    ncric_partner: bool | None = None
    fixed_camera_access: bool | None = None


def _request(filed: ShareRequest) -> dict[str, Any]:
    return filed.model_dump(mode="json", exclude={"grant_token_hash"})


@router.get(
    "/api/sharing/requests", middlewares=[staff(Rule.for_roles("sharing.requests", *REGISTRY, justified=False))]
)
def requests() -> Served[dict[str, Any]]:
    status = request.query("status")
    wanted = RequestStatus(status) if status in {s.value for s in RequestStatus} else None
    found = sorted(runtime().sharing.requests(request.member(), wanted, None), key=lambda r: r.filed_at, reverse=True)
    rows = [_request(r) for r in found]
    return Served({"requests": rows}, results=len(rows), subject=f"sharing requests status={status or 'any'}")


@router.post(
    "/api/sharing/requests/<request_id>/approve",
    middlewares=[staff(Rule.for_roles("sharing.approve", *DECIDES, justified=False))],
)
def approve(request_id: str) -> Served[dict[str, Any]]:
    wanted = views.parse(Approval, request.json_object())
    approval = runtime().sharing.approve(request.member(), request_id, wanted.days, wanted.note)
    payload = {
        "request": _request(approval.request),
        # Shown once: only its hash is kept, so the captain hands it to the agency now.
        "grant_token": approval.grant_token,
    }
    return Served(payload, results=1, subject=f"sharing request={request_id} approved")


@router.post(
    "/api/sharing/requests/<request_id>/deny",
    middlewares=[staff(Rule.for_roles("sharing.deny", *DECIDES, justified=False))],
)
def deny(request_id: str) -> Served[dict[str, Any]]:
    denied = runtime().sharing.deny(request.member(), request_id, views.parse(Denial, request.json_object()).note)
    return Served({"request": _request(denied)}, results=1, subject=f"sharing request={request_id} denied")


@router.get(
    "/api/sharing/agencies", middlewares=[staff(Rule.for_roles("sharing.agencies", *REGISTRY, justified=False))]
)
def agencies() -> Served[dict[str, Any]]:
    rows = [a.model_dump(mode="json") for a in runtime().sharing.agencies(request.member())]
    return Served({"agencies": rows}, results=len(rows), subject="agency registry")


@router.post(
    "/api/sharing/agencies",
    middlewares=[staff(Rule.for_roles("sharing.agency.add", Role.ADMINISTRATOR, justified=False))],
)
def add_agency() -> Served[dict[str, Any]]:
    agency = runtime().sharing.add_agency(
        request.member(), **views.parse(NewAgency, request.json_object()).model_dump()
    )
    return Served(agency.model_dump(mode="json"), results=1, subject=f"agency {agency.ori} added")


@router.patch(
    "/api/sharing/agencies/<ori>",
    middlewares=[staff(Rule.for_roles("sharing.agency.edit", Role.ADMINISTRATOR, justified=False))],
)
def edit_agency(ori: str) -> Served[dict[str, Any]]:
    changes = views.parse(AgencyEdit, request.json_object()).model_dump(exclude_none=True)
    agency = runtime().sharing.edit_agency(request.member(), ori, **changes)
    return Served(agency.model_dump(mode="json"), results=1, subject=f"agency {ori} changed")
