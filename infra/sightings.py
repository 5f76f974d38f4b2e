"""Permissions for sightings: the OCR function groups reads, the purge function removes expired sightings."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam

from alpr import schema


def _table_actions(stack: Any, function: str, table: schema.Table, actions: list[str]) -> None:
    construct = stack.tables[table.logical_name]
    stack.functions[function].add_to_role_policy(
        iam.PolicyStatement(
            actions=[f"dynamodb:{a}" for a in actions],
            resources=[construct.table_arn, f"{construct.table_arn}/index/*"],
        )
    )


def add_sightings(stack: Any) -> None:
    _table_actions(stack, "ocr", schema.SIGHTINGS, ["Query", "GetItem", "PutItem"])
    # Each read is tagged with its sighting.
    _table_actions(stack, "ocr", schema.READS, ["UpdateItem"])
    _table_actions(stack, "purge", schema.SIGHTINGS, ["Scan", "DeleteItem"])
