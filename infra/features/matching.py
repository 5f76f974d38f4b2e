"""New reads meet the hotlists: the reads stream (inserts, and reads joining a sighting) feeds the match
function, which checks the snapshots in force and manual entries and raises alerts on the alerts topic."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table


class Matching(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, data: DataPlane, match: lambda_.Function) -> None:
        super().__init__(scope, construct_id)
        match.add_event_source(
            sources.DynamoEventSource(
                data.table(schema.READS),
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                bisect_batch_on_error=True,
                retry_attempts=3,
                report_batch_item_failures=True,
                on_failure=data.stream_failure_destination(),
                filters=[
                    lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.is_equal("INSERT")}),
                    # A read joining a sighting: its consensus is matched too (other changes never reach match).
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("MODIFY"),
                            "dynamodb": {"NewImage": {"sighting_id": {"S": lambda_.FilterRule.exists()}}},
                        }
                    ),
                ],
            )
        )
        allow_table(match, data.table(schema.HOTLIST), ["GetItem"])
        allow_table(match, data.table(schema.ALERTS), ["GetItem", "PutItem"])
        allow(match, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])  # signs the image link in the alert
        data.alerts_topic.grant_publish(match)
        # The pointer and the snapshots it names, and mutes for everyone.
        data.grant_hotlist_snapshots(match)
        allow_table(match, data.table(schema.ALERT_MUTES), ["GetItem"])
        # New vehicle reads go to NCRIC from here: a second stream reader would make three with the purge's.
        data.queue(schema.NCRIC_FORWARD_QUEUE).grant_send_messages(match)
        # A sighting's consensus is matched too.
        allow_table(match, data.table(schema.SIGHTINGS), ["GetItem"])
