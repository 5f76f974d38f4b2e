"""Hotlist wiring in the deployed stack: list files dropped into hotlists/incoming/ reach the import function,
and the match, import and API functions get exactly the table and bucket access they use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n

from alpr import schema

if TYPE_CHECKING:
    from infra.stack import AlprStack

# How long a replaced or deleted snapshot stays recoverable as a noncurrent version.
SNAPSHOT_NONCURRENT_DAYS = 30


def wire_hotlists(stack: AlprStack) -> None:
    incoming = stack.queues[schema.HOTLIST_EVENTS_QUEUE.logical_name]
    # Dropped files and presigned uploads (which no web ACL sees: README "Uploading a list") both reach the importer.
    for prefix in (schema.BUCKET.hotlist_incoming, schema.BUCKET.hotlist_uploads):
        stack.images.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3n.SqsDestination(incoming), s3.NotificationKeyFilter(prefix=prefix)
        )
    # The page uploads list files straight to the bucket (presigned POST): let its origin do that, and only that.
    page_origin = stack.node.try_get_context("page_origin") or schema.DEFAULT_PAGE_ORIGIN
    stack.images.add_cors_rule(allowed_methods=[s3.HttpMethods.POST], allowed_origins=[page_origin], max_age=600)
    # One file at a time: an import is large and replaces a whole list.
    stack.functions["hotlist-import"].add_event_source(
        sources.SqsEventSource(incoming, batch_size=1, report_batch_item_failures=True)
    )
    # One job per invocation: a search pages through every read in retention; it re-queues itself to go on.
    searches = stack.queues[schema.HISTORICAL_SEARCH_QUEUE.logical_name]
    stack.functions["hotlist-search"].add_event_source(
        sources.SqsEventSource(searches, batch_size=1, report_batch_item_failures=True)
    )
    searches.grant_send_messages(stack.functions["hotlist-search"])
    searches.grant_send_messages(stack.functions["hotlist-api"])
    # Old snapshots are deleted after a swap (keeping a few for a rollback); their noncurrent versions go later.
    stack.images.add_lifecycle_rule(
        id="old-hotlist-snapshots",
        prefix=schema.BUCKET.hotlist_snapshots,
        noncurrent_version_expiration=cdk.Duration.days(SNAPSHOT_NONCURRENT_DAYS),
        expired_object_delete_marker=True,
    )
    _grant(stack)


def _grant(stack: AlprStack) -> None:
    tables, functions, images = stack.tables, stack.functions, stack.images
    snapshots = images.arn_for_objects(f"{schema.BUCKET.hotlist_snapshots}*")
    incoming = images.arn_for_objects(f"{schema.BUCKET.hotlist_incoming}*")
    uploads = images.arn_for_objects(f"{schema.BUCKET.hotlist_uploads}*")
    frames = images.arn_for_objects(f"{schema.BUCKET.frames}*")

    def allow(function: str, actions: list[str], resources: list[str]) -> None:
        functions[function].add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))

    def table_actions(function: str, table: schema.Table, actions: list[str]) -> None:
        arn = tables[table.logical_name].table_arn
        allow(function, [f"dynamodb:{a}" for a in actions], [arn, f"{arn}/index/*"])

    def list_snapshots(function: str) -> None:
        functions[function].add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[images.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{schema.BUCKET.hotlist_snapshots}*"]}},
            )
        )

    # match: the pointer and the snapshots it names, entries (a manual hit is re-checked), mutes for everyone
    table_actions("match", schema.HOTLIST_VERSIONS, ["GetItem"])
    table_actions("match", schema.ALERT_MUTES, ["GetItem"])
    allow("match", ["s3:GetObject"], [snapshots])

    # import: reads the dropped file, writes the snapshot, the version report and the pointer; lists and deletes
    # old snapshots (hotlists/snapshots/ only: never an image)
    allow("hotlist-import", ["s3:GetObject"], [incoming, uploads])
    allow("hotlist-import", ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], [snapshots])
    list_snapshots("hotlist-import")
    table_actions("hotlist-import", schema.HOTLIST_VERSIONS, ["GetItem", "PutItem", "UpdateItem", "Query"])

    # API: entries (+ their change records, append-only), imports, queued historical searches, alert workflow
    api = "hotlist-api"
    allow(api, ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], [snapshots])
    list_snapshots(api)
    # A presigned POST acts with its signer's permissions: the API signs uploads of list files, nothing else.
    allow(api, ["s3:PutObject"], [uploads])
    table_actions(api, schema.HOTLIST, ["GetItem", "PutItem", "Query", "Scan"])
    table_actions(api, schema.HOTLIST_CHANGES, ["PutItem", "Query"])
    table_actions(api, schema.HOTLIST_VERSIONS, ["GetItem", "PutItem", "UpdateItem", "Query"])
    table_actions(api, schema.HISTORICAL_SEARCHES, ["PutItem", "Query"])
    table_actions(api, schema.ALERTS, ["GetItem", "PutItem", "Query", "Scan"])
    table_actions(api, schema.ALERT_MUTES, ["GetItem", "PutItem", "DeleteItem", "Query"])
    table_actions(api, schema.ACCESS_LOG, ["PutItem"])
    allow(api, ["s3:GetObject"], [frames])

    # search: reads the entry and pages through the reads (scan only, nothing else on reads), writes historical
    # alerts (conditional puts) and its own job record; it deletes nothing
    search = "hotlist-search"
    table_actions(search, schema.HOTLIST, ["GetItem"])
    table_actions(search, schema.READS, ["Scan"])
    table_actions(search, schema.ALERTS, ["PutItem"])
    table_actions(search, schema.HISTORICAL_SEARCHES, ["GetItem", "UpdateItem"])
