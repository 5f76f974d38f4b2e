"""Drifts a template can have from the handlers and the schema, applied to a copy of the synthesized template.

Resources are found the way the rehearsal finds them (by handler, by the role a function names, by the policy that
names the role), never by logical id, so the mutations keep working when infra/ is laid out differently."""

from __future__ import annotations

import copy
import json
from typing import Any

from alpr import schema
from alpr.rehearsal.wiring import image_handler


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def function_of(template: dict[str, Any], handler: str) -> tuple[str, dict[str, Any]]:
    for logical_id, resource in _resources(template, "AWS::Lambda::Function").items():
        properties = resource["Properties"]
        own = image_handler(resource) if properties.get("PackageType") == "Image" else properties.get("Handler")
        if own == handler:
            return logical_id, resource
    raise LookupError(handler)


def table_of(template: dict[str, Any], table: schema.Table) -> str:
    """The table with this partition key and these indexes (whether or not the template fixes its name)."""
    for logical_id, resource in _resources(template, "AWS::DynamoDB::Table").items():
        properties = resource["Properties"]
        hash_key = next(k["AttributeName"] for k in properties["KeySchema"] if k["KeyType"] == "HASH")
        indexes = {i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])}
        if hash_key == table.partition.name and indexes == {i.name for i in table.indexes}:
            return logical_id
    raise LookupError(table.logical_name)


def drop_grant(template: dict[str, Any], handler: str, action: str, table_logical_id: str) -> dict[str, Any]:
    """Removes ``action`` on the table from every policy statement of the function's role."""
    mutated = copy.deepcopy(template)
    _, function = function_of(mutated, handler)
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    dropped = 0
    for policy in _resources(mutated, "AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"].get("Roles", []):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if action in actions and table_logical_id in json.dumps(statement["Resource"]):
                statement["Action"] = [a for a in actions if a != action] or ["dynamodb:DescribeLimits"]
                dropped += 1
    assert dropped, f"the template grants {handler} no {action} on {table_logical_id}"
    return mutated


def rename_variable(template: dict[str, Any], handler: str, name: str, new_name: str) -> dict[str, Any]:
    mutated = copy.deepcopy(template)
    _, function = function_of(mutated, handler)
    variables = function["Properties"]["Environment"]["Variables"]
    variables[new_name] = variables.pop(name)
    return mutated


def narrow_filter(template: dict[str, Any], handler: str, event_name: str) -> dict[str, Any]:
    """The function's stream mapping keeps only records with this eventName (e.g. MODIFY: no new reads)."""
    mutated = copy.deepcopy(template)
    logical_id, _ = function_of(mutated, handler)
    changed = 0
    for mapping in _resources(mutated, "AWS::Lambda::EventSourceMapping").values():
        if mapping["Properties"]["FunctionName"] == {"Ref": logical_id} and "FilterCriteria" in mapping["Properties"]:
            pattern = json.dumps({"eventName": [event_name]})
            mapping["Properties"]["FilterCriteria"] = {"Filters": [{"Pattern": pattern}]}
            changed += 1
    assert changed, f"{handler} has no filtered event source mapping"
    return mutated
