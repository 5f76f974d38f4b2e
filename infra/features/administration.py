"""ALPR administration (policy 418.3.1(e), 418.4(d), 418.6): least-privilege grants for the admin API (its routes
are mounted under /v1/admin on the staff API, behind the Cognito authorizer: see features/staff.py STAFF_ROUTES)."""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table


class Administration(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        admin_api: lambda_.Function,
        user_pool: cognito.IUserPool,
    ) -> None:
        super().__init__(scope, construct_id)
        data.grant_access_records(admin_api)
        # Append and read the administration log: designations, camera changes, training records, error reports.
        allow_table(admin_api, data.table(schema.ADMIN_LOG), ["PutItem", "GetItem", "Query"])
        # The camera registry: add (conditional put), rename, move, activate, deactivate. Never delete.
        allow_table(admin_api, data.table(schema.CAMERAS), ["GetItem", "PutItem", "Scan"])
        allow_table(admin_api, data.table(schema.TRAINING), ["GetItem", "PutItem", "Scan"])
        allow_table(admin_api, data.table(schema.CAMERA_HEALTH), ["Scan"], indexes=False)  # the health panel
        # An error report reads the read and marks it corrected (the plate as read stays).
        allow_table(admin_api, data.table(schema.READS), ["GetItem", "UpdateItem"])
        # Members are whoever is in a role group of the pool; changing them stays with Cognito administrators.
        allow(admin_api, ["cognito-idp:ListUsersInGroup"], [user_pool.user_pool_arn])
        # Error reports on vehicle reads go to NCRIC through the forwarding queue (418.6).
        data.queue(schema.NCRIC_FORWARD_QUEUE).grant_send_messages(admin_api)
