"""Sharing and NCRIC forwarding.

- NCRIC (418.5): the match function (the reads stream's reader, features/matching.py) puts new vehicle reads' ids
  on the forwarding queue; ``ncric-deliver`` consumes it (partial batch failures, redrive to the DLQ).
  The destination is an SSM parameter set from context ``ncric_destination`` (JSON, see README).
  The destination may be set later through SSM: the deliver role's grants do not depend on it (S3: the role NCRIC
  gives; HTTPS: the credential secret).
- Sharing (418.7): its own REST API (/share/...) whose stage's WAF WebACL blocks requests from outside the
  United States first, then applies the rate, size and managed rules every API gets (guardrails.waf.web_acl).
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from alpr import schema
from alpr.domain.sharing import EDGE_ALLOWED_COUNTRIES
from infra.core.api_stage import BINARY_MEDIA_TYPES, logged_stage
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
        deliver: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self.ncric_destination = self._ncric_destination(data)
        self._forwarding(data, deliver)
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

    def _ncric_destination(self, data: DataPlane) -> ssm.StringParameter:
        raw = self.node.try_get_context(NCRIC_DESTINATION_CONTEXT)
        destination: dict[str, Any] = (json.loads(raw) if isinstance(raw, str) else raw) or UNCONFIGURED
        parameter = ssm.StringParameter(
            self,
            "NcricDestination",
            parameter_name=schema.ncric_destination_parameter(data.prefix),
            string_value=json.dumps(destination),
            description="Where vehicle-mounted reads are forwarded (policy 418.5): https endpoint or NCRIC's S3 bucket",
        )
        return parameter

    def _forwarding(self, data: DataPlane, deliver: lambda_.Function) -> None:
        queue = data.queue(schema.NCRIC_FORWARD_QUEUE)
        deliver.add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=10,
                report_batch_item_failures=True,
                max_concurrency=schema.NCRIC_FORWARD_QUEUE.max_concurrency,
            )
        )
        # listing and replaying dead letters is an operator's job (CLI), not the function's
        allow_table(deliver, data.table(schema.READS), ["GetItem"])
        allow_table(deliver, data.table(schema.NCRIC_DELIVERIES), ["GetItem", "UpdateItem"])
        allow(deliver, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])
        allow(deliver, ["ssm:GetParameter"], [self.ncric_destination.parameter_arn])
        self._ncric_access(data, deliver)
        # Error reports on vehicle reads (418.6) are read one at a time from the administration log.
        allow_table(deliver, data.table(schema.ADMIN_LOG), ["GetItem"])

    def _ncric_access(self, data: DataPlane, deliver: lambda_.Function) -> None:
        """What delivery needs whichever transport, and however the destination was set (context or SSM later).

        S3: NCRIC's bucket is in NCRIC's account, and a cross-account request needs a grant on both sides
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html). A
        grant on our side naming the bucket could only be written at deploy; so delivery assumes the role NCRIC gives
        (``role_arn`` in the destination,
        https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html), whose trust policy
        names this function's role and whose permissions NCRIC scopes to its bucket. Our side needs sts:AssumeRole
        on roles of other accounts only: never one of this account's roles.
        HTTPS: the credential NCRIC issues lives in a secret only this function reads.
        """
        allow(deliver, ["sts:AssumeRole"], [f"arn:{cdk.Aws.PARTITION}:iam::*:role/*"])
        deliver.add_to_role_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sts:AssumeRole"],
                resources=[f"arn:{cdk.Aws.PARTITION}:iam::{cdk.Aws.ACCOUNT_ID}:role/*"],
            )
        )
        credential = secretsmanager.Secret(
            self,
            "NcricCredential",
            secret_name=schema.ncric_credential_secret(data.prefix),
            description='What NCRIC\'s HTTPS endpoint authenticates us by: {"header": ..., "value": ...} (README)',
            # Deployed empty: the department puts the credential NCRIC issues; until then nothing is sent.
            secret_string_value=cdk.SecretValue.unsafe_plain_text("{}"),
            encryption_key=data.data_key,
        )
        credential.grant_read(deliver)
        acknowledge(
            credential,
            "AwsSolutions::AwsSolutions-SMG4",
            "NCRIC issues and rotates the credential; the department replaces the value (README), no redeploy",
        )
        acknowledge(
            deliver,
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/*]",
            "the role NCRIC gives may be set at run time (SSM); its trust policy decides, and this account's roles "
            "are denied",
        )
        cdk.CfnOutput(
            self,
            "NcricDeliverRoleArn",
            value=deliver.role.role_arn if deliver.role else "",
            description="Give this to NCRIC: their role's trust policy names it (README, NCRIC forwarding)",
        )

    def _share_api(self, data: DataPlane, share: lambda_.Function) -> apigw.RestApi:
        api = apigw.RestApi(
            self,
            "ShareApi",
            rest_api_name=f"{data.prefix}-share",
            description="Sharing ALPR data with California law enforcement (policy 418.7)",
            binary_media_types=BINARY_MEDIA_TYPES,
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
