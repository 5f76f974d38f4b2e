"""Audit grants: Object Lock retention on audits/ only, nothing deletes, the public function only reads,
and every access-log writer may move the chain head but never change a record."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.test_retention_template import _actions, _statements


def _on(statements: list[dict[str, Any]], fragment: str) -> set[str]:
    found: set[str] = set()
    for s in statements:
        if fragment in json.dumps(s["Resource"]):
            found |= set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    return found


def test_the_audit_api_locks_audits_and_deletes_nothing(template: Any) -> None:
    statements = _statements(template, "alpr-audit-api")
    actions = _actions(statements)
    assert "s3:PutObjectRetention" in _on(statements, "audits/*")
    assert not any("PutObjectRetention" in a for a in _on(statements, "frames/*") | _on(statements, "evidence/*"))
    assert not {a for a in actions if "Delete" in a or "Bypass" in a}
    assert _on(statements, "AccessLog") == {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"}
    # Drafts are put and checked, never updated or deleted in place.
    assert _on(statements, "AuditsTable") == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:Query",
        "dynamodb:Scan",
    }


def test_access_log_writers_move_the_chain_head_and_never_change_a_record(template: Any) -> None:
    for function in ("alpr-hotlist-api", "alpr-audit-api"):
        statements = _statements(template, function)
        assert {"dynamodb:GetItem", "dynamodb:UpdateItem"} <= _on(statements, "AccessChainHeads")
        log_actions = {a for s in statements if "AccessLogTable" in json.dumps(s["Resource"]) for a in s["Action"]}
        assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & log_actions


def test_the_public_summary_is_read_only_and_routed(template: Any) -> None:
    actions = _actions(_statements(template, "alpr-transparency"))
    writes = {a for a in actions if a.startswith(("dynamodb:", "s3:")) and not a.endswith(("Scan", "Query"))}
    assert not writes - {"dynamodb:DescribeTable"}
    resources = template.find_resources("AWS::ApiGateway::Resource")
    assert "transparency" in {r["Properties"]["PathPart"] for r in resources.values()}


def test_every_gated_function_looks_up_training_and_records_every_call(template: Any) -> None:
    """Issue 16: every route of the staff-routed functions and the sharing API passes the access gate."""
    from alpr import schema
    from infra.features.staff import STAFF_ROUTES

    for spec in (*(spec for spec, _ in STAFF_ROUTES), schema.SHARE_FUNCTION):
        statements = _statements(template, f"alpr-{spec.name}")
        assert "dynamodb:GetItem" in _on(statements, "TrainingTable"), spec.name
        assert "dynamodb:PutItem" in _on(statements, "AccessLogTable"), spec.name
        assert {"dynamodb:GetItem", "dynamodb:UpdateItem"} <= _on(statements, "AccessChainHeads"), spec.name


def test_the_access_sealer_runs_daily_and_only_locks_seals(template: Any) -> None:
    """Compliance-mode retention (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html) under
    audits/access-seals/ only; it deletes and changes nothing."""
    statements = _statements(template, "alpr-access-sealer")
    actions = _actions(statements)
    assert {"s3:PutObject", "s3:PutObjectRetention"} <= _on(statements, "audits/access-seals/*")
    assert not any("PutObject" in a for s in statements for a in _on([s], "frames/*") | _on([s], "evidence/*"))
    assert not {a for a in actions if "Delete" in a or "Bypass" in a or a.endswith(("UpdateItem", "PutItem"))}
    rules = template.find_resources("AWS::Events::Rule")
    schedules = {json.dumps(r["Properties"].get("ScheduleExpression")) for r in rules.values()}
    assert '"cron(5 0 * * ? *)"' in schedules
    sealer_targets = [
        t for r in rules.values() for t in r["Properties"].get("Targets", []) if "AccessSealer" in json.dumps(t["Arn"])
    ]
    assert sealer_targets and all("DeadLetterConfig" in t for t in sealer_targets)
