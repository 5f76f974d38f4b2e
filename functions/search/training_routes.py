"""Training records on the staff page (administrators, policy 418.4(d)): who completed the department-approved
ALPR training, and recording a completion."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from alpr.runtime import runtime
from alpr.schema import Role
from alpr.services import staff_views as views
from alpr.services.staff import Rule, Served
from functions.rest import Requests
from functions.search.page import staff

router = Router()
request = Requests(router)


@router.get("/api/training", middlewares=[staff(Rule.for_roles("training.list", Role.ADMINISTRATOR, justified=False))])
def training_list() -> Served[dict[str, Any]]:
    rows = [r.model_dump() for r in runtime().repos.training.all()]
    return Served({"training": rows}, results=len(rows), subject="training records")


@router.put(
    "/api/training/<member_id>",
    middlewares=[staff(Rule.for_roles("training.record", Role.ADMINISTRATOR, justified=False))],
)
def training_record(member_id: str) -> Served[dict[str, Any]]:
    wanted = views.parse(views.TrainingRequest, request.json_object())
    # The same rule and administration-log entry as the admin API's training route.
    record = runtime().administration.record_training(request.member(), member_id, wanted.course, wanted.completed_on)
    return Served(record.model_dump(), results=1, subject=f"training of {member_id}: {wanted.course}")
