"""The one way a feature grants its function access: an identity-policy statement on the function's role.

Table grants name the table and, unless told otherwise, its secondary indexes (``<table ARN>/index/*``), which
queries through an index need. Actions are given as DynamoDB names ("GetItem"); the helper adds the prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_


def allow(
    function: lambda_.IFunction,
    actions: Iterable[str],
    resources: Iterable[str],
    conditions: Mapping[str, Any] | None = None,
) -> None:
    function.add_to_role_policy(
        iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=dict(conditions or {}) or None)
    )


def allow_table(
    function: lambda_.IFunction, table: dynamodb.ITable, actions: Iterable[str], *, indexes: bool = True
) -> None:
    resources = [table.table_arn] + ([f"{table.table_arn}/index/*"] if indexes else [])
    allow(function, [f"dynamodb:{action}" for action in actions], resources)
