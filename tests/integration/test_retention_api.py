"""The holds and compliance API handler, with the caller given by the Cognito authorizer's claims."""

from __future__ import annotations

from typing import Any

from alpr.local.retention_seed import SeedSpec, seed_reads
from alpr.local.stack import LocalStack
from tests.integration.helpers import call_v1_handler, table_items

HANDLER = "functions.retention.handler.handler"


def call(method: str, path: str, body: dict | None = None, groups: list[str] | None = None) -> tuple[int, Any]:
    """As m-42, whose training is on record: every /v1 route needs it (policy 418.4(d), issue 16)."""
    return call_v1_handler(HANDLER, "retention-api", ("m-42", "Member 42"), method, path, body, groups)


def test_hold_release_and_compliance_over_the_api(stack: LocalStack) -> None:
    rt = stack.runtime
    camera = rt.repos.cameras.get("demo-fixed-1")
    [read] = seed_reads(rt.repos, rt.retention, stack.clock.now(), [SeedSpec(camera, stack.clock.now())])
    hold_body = {"case_number": "SLPD-26-77", "reason": "vehicle seen leaving a burglary", "read_ids": [read.read_id]}

    assert call("POST", "/v1/holds", hold_body)[0] == 401
    status, requested = call("POST", "/v1/holds", hold_body, ["officer"])
    assert status == 202 and requested["hold"]["status"] == "requested"
    assert "held_by_case" not in table_items(stack, "reads")[0]

    status, placed = call("POST", f"/v1/holds/{requested['hold']['hold_id']}/approve", groups=["administrator"])
    assert status == 200 and placed["held"] == [read.read_id]
    assert table_items(stack, "reads")[0]["held_by_case"] == "SLPD-26-77"

    assert call("GET", "/v1/compliance", groups=["officer"])[0] == 403
    status, report = call("GET", "/v1/compliance", groups=["auditor"])
    assert status == 200 and [h["case_number"] for h in report["holds"]] == ["SLPD-26-77"]

    hold_id = requested["hold"]["hold_id"]
    assert call("POST", f"/v1/holds/{hold_id}/release", {"reason": "x"}, ["administrator"])[0] == 422
    status, released = call("POST", f"/v1/holds/{hold_id}/release", {"reason": "charges dropped"}, ["administrator"])
    assert status == 200 and released["hold"]["status"] == "released"
