"""Frames become reads: S3 notifies the frame-events queue of every new frame, the OCR function reads it,
writes the read (and its sighting) and records the frame's outcome in the ledger."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table


class Reading(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, data: DataPlane, ocr: lambda_.Function) -> None:
        super().__init__(scope, construct_id)
        frame_events = data.queue(schema.FRAME_EVENTS_QUEUE)
        data.images.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(frame_events),
            s3.NotificationKeyFilter(prefix=schema.BUCKET.frames),
        )
        ocr.add_event_source(sources.SqsEventSource(frame_events, batch_size=5, report_batch_item_failures=True))

        allow(ocr, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])
        allow_table(ocr, data.table(schema.FRAMES), ["GetItem", "PutItem", "UpdateItem"])
        allow_table(ocr, data.table(schema.READS), ["PutItem"])
        allow_table(ocr, data.table(schema.IDEMPOTENCY), ["GetItem", "PutItem", "UpdateItem", "DeleteItem"])
        # Each read joins (or opens) a sighting, and is tagged with it.
        allow_table(ocr, data.table(schema.SIGHTINGS), ["Query", "GetItem", "PutItem"])
        allow_table(ocr, data.table(schema.READS), ["UpdateItem"])
