"""Hotlists: list files dropped into hotlists/incoming/ reach the import function, historical searches run
from their queue, and the hotlist API (entries, imports, alerts workflow) behind the staff sign-in."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table

# How long a replaced or deleted snapshot stays recoverable as a noncurrent version.
SNAPSHOT_NONCURRENT_DAYS = 30


class Hotlists(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        importer: lambda_.Function,
        api: lambda_.Function,
        search: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        incoming = data.queue(schema.HOTLIST_EVENTS_QUEUE)
        data.images.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(incoming),
            s3.NotificationKeyFilter(prefix=schema.BUCKET.hotlist_incoming),
        )
        # One file at a time: an import is large and replaces a whole list.
        importer.add_event_source(sources.SqsEventSource(incoming, batch_size=1, report_batch_item_failures=True))
        # One job per invocation: a search pages through every read in retention; it re-queues itself to go on.
        searches = data.queue(schema.HISTORICAL_SEARCH_QUEUE)
        search.add_event_source(sources.SqsEventSource(searches, batch_size=1, report_batch_item_failures=True))
        searches.grant_send_messages(search)
        searches.grant_send_messages(api)
        # Old snapshots are deleted after a swap (keeping a few for a rollback); their noncurrent versions go later.
        data.images.add_lifecycle_rule(
            id="old-hotlist-snapshots",
            prefix=schema.BUCKET.hotlist_snapshots,
            noncurrent_version_expiration=cdk.Duration.days(SNAPSHOT_NONCURRENT_DAYS),
            expired_object_delete_marker=True,
        )
        self._grant(data, importer, api, search)

    @staticmethod
    def _grant(data: DataPlane, importer: lambda_.Function, api: lambda_.Function, search: lambda_.Function) -> None:
        snapshots = data.objects(schema.BUCKET.hotlist_snapshots)

        def list_snapshots(function: lambda_.Function) -> None:
            allow(
                function,
                ["s3:ListBucket"],
                [data.images.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{schema.BUCKET.hotlist_snapshots}*"]}},
            )

        # import: reads the dropped file, writes the snapshot, the version report and the pointer; lists and
        # deletes old snapshots (hotlists/snapshots/ only: never an image)
        allow(importer, ["s3:GetObject"], [data.objects(schema.BUCKET.hotlist_incoming)])
        allow(importer, ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], [snapshots])
        list_snapshots(importer)
        allow_table(importer, data.table(schema.HOTLIST_VERSIONS), ["GetItem", "PutItem", "UpdateItem", "Query"])

        # API: entries (+ their change records, append-only), imports, queued historical searches, alert workflow
        allow(api, ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], [snapshots])
        list_snapshots(api)
        allow_table(api, data.table(schema.HOTLIST), ["GetItem", "PutItem", "Query", "Scan"])
        allow_table(api, data.table(schema.HOTLIST_CHANGES), ["PutItem", "Query"])
        allow_table(api, data.table(schema.HOTLIST_VERSIONS), ["GetItem", "PutItem", "UpdateItem", "Query"])
        allow_table(api, data.table(schema.HISTORICAL_SEARCHES), ["PutItem", "Query"])
        allow_table(api, data.table(schema.ALERTS), ["GetItem", "PutItem", "Query", "Scan"])
        allow_table(api, data.table(schema.ALERT_MUTES), ["GetItem", "PutItem", "DeleteItem", "Query"])
        allow(api, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])
        data.grant_access_records(api)

        # search: reads the entry and pages through the reads (scan only, nothing else on reads), writes
        # historical alerts (conditional puts) and its own job record; it deletes nothing
        allow_table(search, data.table(schema.HOTLIST), ["GetItem"])
        allow_table(search, data.table(schema.READS), ["Scan"])
        allow_table(search, data.table(schema.ALERTS), ["PutItem"])
        allow_table(search, data.table(schema.HISTORICAL_SEARCHES), ["GetItem", "UpdateItem"])
