"""Sharing and NCRIC forwarding.

- NCRIC (418.5): the reads stream, filtered to INSERTs of ``vehicle`` reads, feeds ``ncric-enqueue``, which puts
  read ids on the forwarding queue; ``ncric-deliver`` consumes it (partial batch failures, redrive to the DLQ).
  The destination is an SSM parameter set from context ``ncric_destination`` (JSON, see README).
- Sharing (418.7): its own REST API (/share/...) whose stage's WAF WebACL blocks requests from outside the
  United States first, then applies the rate, size and managed rules every API gets (guardrails.waf.web_acl).
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from alpr import schema
from alpr.domain.sharing import EDGE_ALLOWED_COUNTRIES
from infra.core.api_stage import logged_stage
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table
from infra.guardrails.nag import acknowledge
from infra.guardrails.waf import web_acl

UNCONFIGURED = {"kind": "unconfigured"}
NCRIC_DESTINATION_CONTEXT = "ncric_destination"


class Sharing(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        share: lambda_.Function,
        enqueue: lambda_.Function,
        deliver: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        destination, self.ncric_destination = self._ncric_destination(data)
        self._forwarding(data, enqueue, deliver, destination)
        # Shared reads and their frames, for agencies' downloads.
        allow_table(share, data.table(schema.READS), ["GetItem", "Query"])
        allow(share, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])
        allow_table(share, data.table(schema.AGENCIES), ["GetItem", "PutItem", "Scan"])
        allow_table(share, data.table(schema.AGENCY_CHANGES), ["PutItem", "Query"])
        # requests are kept on file: written once, decided once (a conditional put), never deleted
        allow_table(share, data.table(schema.SHARE_REQUESTS), ["GetItem", "PutItem", "Query", "Scan"])
        allow_table(share, data.table(schema.ACCESS_LOG), ["PutItem", "Query"])
        data.grant_access_records(share)
        self.api = self._share_api(data, share)
        self.web_acl = self._geo_restriction(data, self.api)

    def _ncric_destination(self, data: DataPlane) -> tuple[dict[str, Any], ssm.StringParameter]:
        raw = self.node.try_get_context(NCRIC_DESTINATION_CONTEXT)
        destination: dict[str, Any] = (json.loads(raw) if isinstance(raw, str) else raw) or UNCONFIGURED
        parameter = ssm.StringParameter(
            self,
            "NcricDestination",
            parameter_name=schema.ncric_destination_parameter(data.prefix),
            string_value=json.dumps(destination),
            description="Where vehicle-mounted reads are forwarded (policy 418.5): https endpoint or NCRIC's S3 bucket",
        )
        return destination, parameter

    def _forwarding(
        self, data: DataPlane, enqueue: lambda_.Function, deliver: lambda_.Function, destination: dict[str, Any]
    ) -> None:
        queue = data.queue(schema.NCRIC_FORWARD_QUEUE)
        enqueue.add_event_source(
            sources.DynamoEventSource(
                data.table(schema.READS),
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                bisect_batch_on_error=True,
                retry_attempts=5,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(data.dead_letters(schema.NCRIC_FORWARD_QUEUE)),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {"NewImage": {"source": {"S": lambda_.FilterRule.is_equal("vehicle")}}},
                        }
                    )
                ],
            )
        )
        queue.grant_send_messages(enqueue)
        deliver.add_event_source(
            sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True, max_concurrency=5)
        )
        # listing and replaying dead letters is an operator's job (CLI), not the function's
        allow_table(deliver, data.table(schema.READS), ["GetItem"])
        allow_table(deliver, data.table(schema.NCRIC_DELIVERIES), ["GetItem", "UpdateItem"])
        allow(deliver, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])
        allow(deliver, ["ssm:GetParameter"], [self.ncric_destination.parameter_arn])
        if destination.get("kind") == "s3":
            bucket, prefix = destination["bucket"], destination.get("prefix", "")
            allow(deliver, ["s3:PutObject"], [f"arn:{cdk.Aws.PARTITION}:s3:::{bucket}/{prefix}*"])
        # Error reports on vehicle reads (418.6) are read one at a time from the administration log.
        allow_table(deliver, data.table(schema.ADMIN_LOG), ["GetItem"])

    def _share_api(self, data: DataPlane, share: lambda_.Function) -> apigw.RestApi:
        api = apigw.RestApi(
            self,
            "ShareApi",
            rest_api_name=f"{data.prefix}-share",
            description="Sharing ALPR data with California law enforcement (policy 418.7)",
            binary_media_types=["image/*"],
            deploy_options=logged_stage(self, "ShareApi", rate=20, burst=40),
            cloud_watch_role=False,
        )
        # Members' routes read Cognito claims from the authorizer; until a user pool authorizer is attached they
        # answer 401, while filing and grant-token fetches work without an account.
        proxy = api.root.add_resource("share").add_proxy(
            default_integration=apigw.LambdaIntegration(share), any_method=True
        )
        for rule in ("APIG4", "COG4"):
            acknowledge(
                proxy,
                f"AwsSolutions::AwsSolutions-{rule}",
                "outside agencies have no department account: they file requests and fetch with a hashed, scoped, "
                "expiring grant token checked in code; member routes refuse requests without Cognito claims",
            )
        return api

    def _geo_restriction(self, data: DataPlane, api: apigw.RestApi) -> wafv2.CfnWebACL:
        """The stage's one web ACL: requests from outside the United States are blocked first, and the rest meet
        the same rate and size limits and managed rules as every other API."""
        acl = web_acl(
            self, "ShareApiWebAcl", "REGIONAL", name=f"{data.prefix}-share", allowed_countries=EDGE_ALLOWED_COUNTRIES
        )
        wafv2.CfnWebACLAssociation(
            self, "ShareApiWebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
        )
        return acl
