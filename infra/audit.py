"""Audits in the deployed stack: least-privilege grants for the audit API and the public transparency
function, the access-chain heads for every function that writes access records, Object Lock retention on
``audits/`` only, and the public ``GET /public/transparency`` route."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam

from alpr import schema
from infra import security

if TYPE_CHECKING:
    from infra.stack import AlprStack

# Every function that appends access records: PutItem on the log, and the chain head it moves in the same
# transaction. A function that starts writing access records joins this tuple.
ACCESS_LOG_WRITERS = ("hotlist-api", "audit-api", "search", "share", "admin-api")


def add_audits(stack: AlprStack) -> None:
    _grant(stack)
    transparency = stack.ingest_api.root.add_resource("public").add_resource("transparency")
    public = transparency.add_method("GET", apigw.LambdaIntegration(stack.functions["transparency"]))
    for rule in ("APIG4", "COG4"):
        security.acknowledge(
            public,
            f"AwsSolutions::AwsSolutions-{rule}",
            "policy 418.3.1(g): the usage policy and counts are posted publicly; the route returns no plate data",
        )


def _grant(stack: AlprStack) -> None:
    tables, functions, images = stack.tables, stack.functions, stack.images
    audit_objects = images.arn_for_objects(f"{schema.BUCKET.audits}*")

    def allow(function: str, actions: list[str], resources: list[str]) -> None:
        functions[function].add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))

    def table_actions(function: str, table: schema.Table, actions: list[str]) -> None:
        arn = tables[table.logical_name].table_arn
        allow(function, [f"dynamodb:{a}" for a in actions], [arn, f"{arn}/index/*"])

    for writer in ACCESS_LOG_WRITERS:
        table_actions(writer, schema.ACCESS_LOG, ["PutItem"])
        table_actions(writer, schema.ACCESS_CHAIN_HEADS, ["GetItem", "UpdateItem"])

    # audit API: reads what it audits, writes audits (drafts) and its own access records; never deletes.
    api = "audit-api"
    table_actions(api, schema.ACCESS_LOG, ["Query", "Scan"])
    table_actions(api, schema.ACCESS_CHAIN_HEADS, ["Scan"])
    # ConditionCheckItem: finalizing checks, in one transaction, that no other draw of the quarter was finalized.
    table_actions(api, schema.AUDITS, ["GetItem", "PutItem", "ConditionCheckItem", "Query", "Scan"])
    for table in (schema.HOTLIST_CHANGES, schema.HOLDS, schema.HOLD_EVENTS, schema.PURGE_REPORTS):
        table_actions(api, table, ["Scan"])
    table_actions(api, schema.ADMIN_LOG, ["Query"])
    # Compliance-mode retention on audits/ only: the function can lock what it writes, never unlock or delete.
    allow(api, ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:GetObjectVersion"], [audit_objects])

    # transparency: counts only, read-only.
    public = "transparency"
    for table in (schema.CAMERAS, schema.READS, schema.ALERTS, schema.ACCESS_LOG, schema.AUDITS):
        table_actions(public, table, ["Scan"])
    table_actions(public, schema.ADMIN_LOG, ["Query"])
