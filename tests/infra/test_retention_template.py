"""The purge's TTL-removal trigger, its fan-out permission, and the holds/compliance function's grants."""

from __future__ import annotations

import json
from typing import Any

from alpr import schema


def _statements(template: Any, function_name: str) -> list[dict[str, Any]]:
    functions = template.find_resources("AWS::Lambda::Function")
    [(logical, _)] = [(k, f) for k, f in functions.items() if f["Properties"].get("FunctionName") == function_name]
    role = functions[logical]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for s in statements:
        found |= set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    return found


def test_purge_runs_on_ttl_removals_of_reads_only(template: Any) -> None:
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping")
    filters = [
        json.loads(f["Pattern"])
        for m in mappings.values()
        for f in m["Properties"].get("FilterCriteria", {}).get("Filters", [])
    ]
    assert {
        "eventName": ["REMOVE"],
        "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]},
    } in filters


def test_holds_tables_exist_and_hold_events_are_append_only(template: Any) -> None:
    names = {t["Properties"]["TableName"] for t in template.find_resources("AWS::DynamoDB::Table").values()}
    assert {"alpr-holds", "alpr-hold-events", "alpr-purge-reports"} <= names
    assert schema.HOLD_EVENTS.append_only
    api = _actions(_statements(template, "alpr-retention-api"))
    events_arn_actions = set()
    for s in _statements(template, "alpr-retention-api"):
        if "HoldEvents" in json.dumps(s["Resource"]):
            events_arn_actions |= set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    assert events_arn_actions == {"dynamodb:PutItem", "dynamodb:Query"}
    assert {"s3:PutObjectLegalHold", "s3:PutObjectRetention"} <= api


def test_purge_fans_out_through_its_queue_but_does_not_touch_legal_holds_or_evidence(template: Any) -> None:
    statements = _statements(template, "alpr-purge")
    actions = _actions(statements)
    assert "sqs:SendMessage" in actions and "lambda:InvokeFunction" not in actions
    queues = template.find_resources("AWS::SQS::Queue")
    [work] = [k for k, q in queues.items() if q["Properties"].get("QueueName") == "alpr-purge-work"]
    assert queues[work]["Properties"]["VisibilityTimeout"] >= 900  # Lambda requires at least the timeout
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    [mapping] = [
        m["Properties"] for m in mappings if m["Properties"].get("EventSourceArn") == {"Fn::GetAtt": [work, "Arn"]}
    ]
    assert mapping["BatchSize"] == 1
    assert not {"s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"} & actions
    assert "evidence/" not in json.dumps([s["Resource"] for s in statements])
