"""Evidence holds on the staff page (policy 418.5): an officer asks for a hold on reads from the search
results or on a camera and time window; captains and administrators place, decline, release and book it,
and read the booking's manifest. The rules of who may do what are the hold service's; the gate records
every call."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field

from alpr.domain.errors import NotFound
from alpr.domain.holds import PLACES_HOLDS, READS_COMPLIANCE, REQUESTS_HOLDS, Hold, HoldScope, HoldStatus
from alpr.runtime import runtime
from alpr.services import staff_views as views
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import staff

router = Router()
request = Requests(router)

TEXT = 2000


class HoldRequest(BaseModel):
    case_number: str = Field(max_length=64)
    reason: str = Field(max_length=TEXT)
    read_ids: list[str] = Field(default_factory=list, max_length=5000)
    camera_id: str | None = Field(default=None, max_length=128)
    captured_from: str | None = None
    captured_to: str | None = None


class Reason(BaseModel):
    reason: str = Field(max_length=TEXT)


def _hold(hold: Hold) -> dict[str, Any]:
    events = runtime().repos.hold_events.for_hold(hold.hold_id)
    return {
        **hold.model_dump(mode="json", exclude_none=True),
        "events": [e.model_dump(mode="json") for e in events],
    }


@router.get(
    "/api/holds", middlewares=[staff(Rule.for_roles("holds.list", *READS_COMPLIANCE, *REQUESTS_HOLDS, justified=False))]
)
def holds() -> Served[dict[str, Any]]:
    found = [h for status in HoldStatus for h in runtime().repos.holds.with_status(status)]
    found.sort(key=lambda h: h.requested_at, reverse=True)
    rows = [_hold(h) for h in found]
    return Served({"holds": rows}, results=len(rows), subject="holds")


@router.post("/api/holds", middlewares=[staff(Rule.for_roles("holds.request", *REQUESTS_HOLDS, justified=False))])
def request_hold() -> Served[dict[str, Any]]:
    """Always a request: placing it is a second, separate decision (approve), even for a captain."""
    wanted = views.parse(HoldRequest, request.json_object())
    scope = HoldScope(
        read_ids=wanted.read_ids,
        camera_id=wanted.camera_id,
        captured_from=wanted.captured_from,
        captured_to=wanted.captured_to,
    )
    hold = runtime().holds.request(request.member(), wanted.case_number, wanted.reason, scope)
    return Served({"hold": _hold(hold)}, results=1, subject=f"hold={hold.hold_id} case={hold.case_number}")


@router.post(
    "/api/holds/<hold_id>/approve", middlewares=[staff(Rule.for_roles("holds.place", *PLACES_HOLDS, justified=False))]
)
def approve(hold_id: str) -> Served[dict[str, Any]]:
    outcome = runtime().holds.approve(request.member(), hold_id)
    payload = {"hold": _hold(outcome.hold), "held": outcome.held_reads, "refused": outcome.refused_reads}
    return Served(payload, results=len(outcome.held_reads), subject=f"hold={hold_id}")


@router.post(
    "/api/holds/<hold_id>/decline", middlewares=[staff(Rule.for_roles("holds.decline", *PLACES_HOLDS, justified=False))]
)
def decline(hold_id: str) -> Served[dict[str, Any]]:
    hold = runtime().holds.decline(request.member(), hold_id, views.parse(Reason, request.json_object()).reason)
    return Served({"hold": _hold(hold)}, results=1, subject=f"hold={hold_id}")


@router.post(
    "/api/holds/<hold_id>/release", middlewares=[staff(Rule.for_roles("holds.release", *PLACES_HOLDS, justified=False))]
)
def release(hold_id: str) -> Served[dict[str, Any]]:
    hold = runtime().holds.release(request.member(), hold_id, views.parse(Reason, request.json_object()).reason)
    return Served({"hold": _hold(hold)}, results=1, subject=f"hold={hold_id}")


@router.post(
    "/api/holds/<hold_id>/book", middlewares=[staff(Rule.for_roles("holds.book", *PLACES_HOLDS, justified=False))]
)
def book(hold_id: str) -> Served[dict[str, Any]]:
    manifest = runtime().holds.book(request.member(), hold_id)
    return Served({"manifest_key": manifest}, results=1, subject=f"hold={hold_id} manifest={manifest}")


@router.get(
    "/api/holds/<hold_id>/manifest",
    middlewares=[staff(Rule.for_roles("holds.manifest", *READS_COMPLIANCE, justified=False))],
)
def manifest(hold_id: str) -> Served[dict[str, Any]]:
    """The latest booking's manifest, read back from its locked copy in the evidence area."""
    hold = runtime().repos.holds.get(hold_id)
    if hold is None or not hold.evidence_manifests:
        raise NotFound(f"hold {hold_id} has not been booked into evidence")
    key = hold.evidence_manifests[-1]
    data, _type = runtime().repos.image_versions.read(key)
    return Served({"key": key, "manifest": json.loads(data)}, results=1, subject=f"manifest {key}")
