"""The OCR function may group reads into sightings; the purge function may delete expired ones."""

from __future__ import annotations

import json
from typing import Any

from alpr import schema


def actions_on(template: Any, table: schema.Table, role_fragment: str) -> set[str]:
    """Actions granted to roles whose logical id contains ``role_fragment`` on resources naming ``table``."""
    tables = template.find_resources("AWS::DynamoDB::Table")
    [table_id] = [k for k, v in tables.items() if v["Properties"]["TableName"] == table.physical_name("alpr")]
    granted: set[str] = set()
    for policy in template.find_resources("AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"].get("Roles", []))
        if role_fragment not in roles:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if table_id in json.dumps(statement.get("Resource")):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                granted.update(actions)
    return granted


def test_ocr_and_purge_can_use_the_sightings_table(template: Any) -> None:
    assert {"dynamodb:Query", "dynamodb:PutItem"} <= actions_on(template, schema.SIGHTINGS, "OcrFunction")
    assert "dynamodb:UpdateItem" in actions_on(template, schema.READS, "OcrFunction")
    assert {"dynamodb:Scan", "dynamodb:DeleteItem"} <= actions_on(template, schema.SIGHTINGS, "PurgeFunction")
    assert not actions_on(template, schema.SIGHTINGS, "IngestFunction")


def test_match_and_search_read_sightings_and_cannot_change_them(template: Any) -> None:
    assert actions_on(template, schema.SIGHTINGS, "MatchFunction") == {"dynamodb:GetItem"}
    assert actions_on(template, schema.SIGHTINGS, "SearchFunction") == {"dynamodb:GetItem", "dynamodb:Query"}


def test_the_match_function_gets_new_reads_and_reads_joining_a_sighting_only(template: Any) -> None:
    functions = template.find_resources("AWS::Lambda::Function")
    [match] = [k for k, v in functions.items() if v["Properties"].get("FunctionName") == "alpr-match"]
    [mapping] = [
        m["Properties"]
        for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": match}
    ]
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert patterns == [
        {"eventName": ["INSERT"]},
        {"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"sighting_id": {"S": [{"exists": True}]}}}},
    ]
