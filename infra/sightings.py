"""Permissions for sightings: OCR groups reads, match and search use the consensus, purge removes expired ones."""

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
    # Matching checks a sighting's consensus; a plate search also finds the frames of sightings with that plate.
    _table_actions(stack, "match", schema.SIGHTINGS, ["GetItem"])
    _table_actions(stack, "search", schema.SIGHTINGS, ["GetItem", "Query"])
