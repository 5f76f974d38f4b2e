"""ALPR administration in the deployed stack (policy 418.3.1(e), 418.4(d), 418.6): least-privilege grants for
the admin API (its routes are mounted under /v1/admin on the staff API, behind the Cognito authorizer: see
infra/search.py STAFF_ROUTES), and what NCRIC delivery needs to send error reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam

from alpr import schema

if TYPE_CHECKING:
    from infra.stack import AlprStack


def add_administration(stack: AlprStack) -> None:
    function = stack.functions["admin-api"]
    pool = stack.node.find_child("StaffUserPool")
    assert isinstance(pool, cognito.UserPool)
    function.add_environment("ALPR_USER_POOL_ID", pool.user_pool_id)

    def table_actions(name: str, table: schema.Table, actions: list[str]) -> None:
        arn = stack.tables[table.logical_name].table_arn
        stack.functions[name].add_to_role_policy(
            iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in actions], resources=[arn, f"{arn}/index/*"])
        )

    api = "admin-api"
    # Append and read the administration log: designations, camera changes, training records, error reports.
    table_actions(api, schema.ADMIN_LOG, ["PutItem", "GetItem", "Query"])
    # The camera registry: add (conditional put), rename, move, activate, deactivate. Never delete.
    table_actions(api, schema.CAMERAS, ["GetItem", "PutItem", "Scan"])
    table_actions(api, schema.TRAINING, ["GetItem", "PutItem", "Scan"])
    # An error report reads the read and marks it corrected (the plate as read stays).
    table_actions(api, schema.READS, ["GetItem", "UpdateItem"])
    # Members are whoever is in a role group of the pool; changing them stays with Cognito administrators.
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["cognito-idp:ListUsersInGroup"], resources=[pool.user_pool_arn])
    )
    # Error reports on vehicle reads go to NCRIC through the forwarding queue (418.6).
    stack.queues[schema.NCRIC_FORWARD_QUEUE.logical_name].grant_send_messages(function)
    table_actions("ncric-deliver", schema.ADMIN_LOG, ["GetItem"])
