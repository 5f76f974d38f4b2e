"""Finding what the stack holds: the guardrails walk every construct rather than a list of today's resources,
so what a feature adds later is covered too."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct


def constructs_of(scope: Construct, kind: type) -> list[Any]:
    return [c for c in scope.node.find_all() if isinstance(c, kind)]


def cfn_resources(scope: Construct, cfn_type: str) -> list[cdk.CfnResource]:
    return [c for c in scope.node.find_all() if isinstance(c, cdk.CfnResource) and c.cfn_resource_type == cfn_type]


def logical_id(construct: Construct) -> str:
    """The logical id of a construct's CloudFormation resource, as cdk-nag names it in findings."""
    stack = cdk.Stack.of(construct)
    return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))  # type: ignore[arg-type]
