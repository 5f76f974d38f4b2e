"""Cameras send frames: the ingest API (camera id and key checked by the ingest function), and the presigned
uploads of large frames, which land under uploads/ and are checked by ingest-uploads before they become frames."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from alpr import schema
from infra.core.api_stage import logged_stage
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table
from infra.guardrails.nag import acknowledge


class Ingest(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        ingest: lambda_.Function,
        ingest_uploads: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        upload_events = data.queue(schema.UPLOAD_EVENTS_QUEUE)
        data.images.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(upload_events),
            s3.NotificationKeyFilter(prefix=schema.BUCKET.uploads),
        )
        ingest_uploads.add_event_source(
            sources.SqsEventSource(upload_events, batch_size=5, report_batch_item_failures=True)
        )

        frames, uploads = data.objects(schema.BUCKET.frames), data.objects(schema.BUCKET.uploads)
        for function in (ingest, ingest_uploads):
            allow_table(function, data.table(schema.CAMERAS), ["GetItem"])
            allow_table(function, data.table(schema.FRAMES), ["GetItem", "PutItem"])
            allow(function, ["s3:PutObject", "s3:GetObject"], [frames])
        allow(ingest, ["s3:PutObject"], [uploads])
        allow(ingest_uploads, ["s3:GetObject", "s3:DeleteObject"], [uploads])

        self.api = self._api(data, ingest)

    def _api(self, data: DataPlane, ingest: lambda_.Function) -> apigw.RestApi:
        api = apigw.RestApi(
            self,
            "IngestApi",
            rest_api_name=f"{data.prefix}-ingest",
            binary_media_types=["image/*", "application/octet-stream"],
            deploy_options=logged_stage(self, "IngestApi", rate=200, burst=400),
            cloud_watch_role=True,
        )
        integration = apigw.LambdaIntegration(ingest)
        # Refused at the gateway when missing; the ingest function checks the values.
        camera_headers = {f"method.request.header.{h}": True for h in ("X-Camera-Id", "X-Camera-Key")}
        frames = api.root.add_resource("v1").add_resource("frames")
        methods = [
            frames.add_method("POST", integration, request_parameters=camera_headers),
            frames.add_resource("uploads").add_method("POST", integration, request_parameters=camera_headers),
        ]
        for method in methods:
            for rule in ("AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "cameras, not people, call it: each sends its id and key, checked against a salted hash by ingest",
                )
        return api
