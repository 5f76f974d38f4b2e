"""Hotlist wiring in the deployed stack: list files dropped into hotlists/incoming/ reach the import function,
and the match, import and API functions get exactly the table and bucket access they use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n

from alpr import schema

if TYPE_CHECKING:
    from infra.stack import AlprStack


def wire_hotlists(stack: AlprStack) -> None:
    incoming = stack.queues[schema.HOTLIST_EVENTS_QUEUE.logical_name]
    stack.images.add_event_notification(
        s3.EventType.OBJECT_CREATED,
        s3n.SqsDestination(incoming),
        s3.NotificationKeyFilter(prefix=schema.BUCKET.hotlist_incoming),
    )
    # One file at a time: an import is large and replaces a whole list.
    stack.functions["hotlist-import"].add_event_source(
        sources.SqsEventSource(incoming, batch_size=1, report_batch_item_failures=True)
    )
    _grant(stack)


def _grant(stack: AlprStack) -> None:
    tables, functions, images = stack.tables, stack.functions, stack.images
    snapshots = images.arn_for_objects(f"{schema.BUCKET.hotlist_snapshots}*")
    incoming = images.arn_for_objects(f"{schema.BUCKET.hotlist_incoming}*")
    frames = images.arn_for_objects(f"{schema.BUCKET.frames}*")

    def allow(function: str, actions: list[str], resources: list[str]) -> None:
        functions[function].add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))

    def table_actions(function: str, table: schema.Table, actions: list[str]) -> None:
        arn = tables[table.logical_name].table_arn
        allow(function, [f"dynamodb:{a}" for a in actions], [arn, f"{arn}/index/*"])

    # match: the pointer and the snapshots it names, entries (a manual hit is re-checked), mutes for everyone
    table_actions("match", schema.HOTLIST_VERSIONS, ["GetItem"])
    table_actions("match", schema.ALERT_MUTES, ["GetItem"])
    allow("match", ["s3:GetObject"], [snapshots])

    # import: reads the dropped file, writes the snapshot, the version report and the pointer
    allow("hotlist-import", ["s3:GetObject"], [incoming])
    allow("hotlist-import", ["s3:PutObject", "s3:GetObject"], [snapshots])
    table_actions("hotlist-import", schema.HOTLIST_VERSIONS, ["GetItem", "PutItem", "UpdateItem", "Query"])

    # API: entries (+ their change records, append-only), imports, historical search, alert workflow
    api = "hotlist-api"
    allow(api, ["s3:PutObject", "s3:GetObject"], [snapshots])
    table_actions(api, schema.HOTLIST, ["GetItem", "PutItem", "Query", "Scan"])
    table_actions(api, schema.HOTLIST_CHANGES, ["PutItem", "Query"])
    table_actions(api, schema.HOTLIST_VERSIONS, ["GetItem", "PutItem", "UpdateItem", "Query"])
    table_actions(api, schema.READS, ["Scan", "Query"])
    table_actions(api, schema.ALERTS, ["GetItem", "PutItem", "Query", "Scan"])
    table_actions(api, schema.ALERT_MUTES, ["GetItem", "PutItem", "DeleteItem", "Query"])
    table_actions(api, schema.ACCESS_LOG, ["PutItem"])
    allow(api, ["s3:GetObject"], [frames])
