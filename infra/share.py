"""Sharing and NCRIC forwarding in the deployed stack.

- NCRIC (418.5): the reads stream, filtered to INSERTs of ``vehicle`` reads, feeds ``ncric-enqueue``, which puts
  read ids on the forwarding queue; ``ncric-deliver`` consumes it (partial batch failures, redrive to the DLQ).
  The destination is an SSM parameter set from context ``ncric_destination`` (JSON, see README).
- Sharing (418.7): its own REST API (/share/...) whose stage's WAF WebACL blocks requests from outside the
  United States first, then applies the rate, size and managed rules every API gets (infra/security.web_acl).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2

from alpr import schema
from alpr.domain.sharing import EDGE_ALLOWED_COUNTRIES
from infra import security
from infra.api_stage import logged_stage

if TYPE_CHECKING:
    from infra.stack import AlprStack

UNCONFIGURED = {"kind": "unconfigured"}


@dataclass(frozen=True)
class SharingResources:
    api: apigw.RestApi
    web_acl: wafv2.CfnWebACL
    ncric_destination: ssm.StringParameter


def wire_sharing(stack: AlprStack) -> SharingResources:
    parameter = _ncric_destination(stack)
    _forwarding(stack, parameter)
    _grant_api(stack)
    api = _share_api(stack)
    return SharingResources(api, _geo_restriction(stack, api), parameter)


def _ncric_destination(stack: AlprStack) -> ssm.StringParameter:
    raw = stack.node.try_get_context("ncric_destination")
    destination: dict[str, Any] = (json.loads(raw) if isinstance(raw, str) else raw) or UNCONFIGURED
    parameter = ssm.StringParameter(
        stack,
        "NcricDestination",
        parameter_name=schema.ncric_destination_parameter(stack.prefix),
        string_value=json.dumps(destination),
        description="Where vehicle-mounted reads are forwarded (policy 418.5): https endpoint or NCRIC's S3 bucket",
    )
    return parameter


def _forwarding(stack: AlprStack, parameter: ssm.StringParameter) -> None:
    queue = stack.queues[schema.NCRIC_FORWARD_QUEUE.logical_name]
    assert queue.dead_letter_queue is not None
    enqueue, deliver = stack.functions["ncric-enqueue"], stack.functions["ncric-deliver"]
    enqueue.add_event_source(
        sources.DynamoEventSource(
            stack.tables[schema.READS.logical_name],
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=100,
            bisect_batch_on_error=True,
            retry_attempts=5,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(queue.dead_letter_queue.queue),
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
    _table_actions(stack, "ncric-deliver", schema.READS, ["GetItem"])
    _table_actions(stack, "ncric-deliver", schema.NCRIC_DELIVERIES, ["GetItem", "UpdateItem"])
    _allow(stack, "ncric-deliver", ["s3:GetObject"], [stack.images.arn_for_objects(f"{schema.BUCKET.frames}*")])
    _allow(stack, "ncric-deliver", ["ssm:GetParameter"], [parameter.parameter_arn])
    _ncric_access(stack, deliver)


def _ncric_access(stack: AlprStack, deliver: lambda_.Function) -> None:
    """What delivery needs whichever transport, and however the destination was set (context or SSM later).

    S3: NCRIC's bucket is in NCRIC's account, and a cross-account request needs a grant on both sides
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html). A grant
    on our side naming the bucket could only be written at deploy; so delivery assumes the role NCRIC gives
    (``role_arn`` in the destination: https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html),
    whose trust policy names this function's role and whose permissions NCRIC scopes to its bucket. Our side needs
    sts:AssumeRole on roles of other accounts only: never one of this account's roles.
    HTTPS: the credential NCRIC issues lives in a secret only this function reads.
    """
    roles_elsewhere = f"arn:{cdk.Aws.PARTITION}:iam::*:role/*"
    deliver.add_to_role_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[roles_elsewhere]))
    deliver.add_to_role_policy(
        iam.PolicyStatement(
            effect=iam.Effect.DENY,
            actions=["sts:AssumeRole"],
            resources=[f"arn:{cdk.Aws.PARTITION}:iam::{cdk.Aws.ACCOUNT_ID}:role/*"],
        )
    )
    credential = secretsmanager.Secret(
        stack,
        "NcricCredential",
        secret_name=schema.ncric_credential_secret(stack.prefix),
        description='What NCRIC\'s HTTPS endpoint authenticates us by: {"header": ..., "value": ...} (README)',
        # Deployed empty: the department puts the credential NCRIC issues; until then nothing is sent.
        secret_string_value=cdk.SecretValue.unsafe_plain_text("{}"),
        encryption_key=stack.data_key,
    )
    credential.grant_read(deliver)
    security.acknowledge(
        credential,
        "AwsSolutions::AwsSolutions-SMG4",
        "NCRIC issues and rotates the credential; the department replaces the value (README), no redeploy needed",
    )
    security.acknowledge(
        deliver,
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/*]",
        "the role NCRIC gives may be set at run time (SSM); its trust policy decides, and this account's roles are "
        "denied",
    )
    cdk.CfnOutput(
        stack,
        "NcricDeliverRoleArn",
        value=deliver.role.role_arn if deliver.role else "",
        description="Give this to NCRIC: their role's trust policy names it (README, NCRIC forwarding)",
    )


def _grant_api(stack: AlprStack) -> None:
    share = "share"
    _table_actions(stack, share, schema.AGENCIES, ["GetItem", "PutItem", "Scan"])
    _table_actions(stack, share, schema.AGENCY_CHANGES, ["PutItem", "Query"])
    # requests are kept on file: written once, decided once (a conditional put), never deleted
    _table_actions(stack, share, schema.SHARE_REQUESTS, ["GetItem", "PutItem", "Query", "Scan"])
    _table_actions(stack, share, schema.ACCESS_LOG, ["PutItem", "Query"])


def _share_api(stack: AlprStack) -> apigw.RestApi:
    api = apigw.RestApi(
        stack,
        "ShareApi",
        rest_api_name=f"{stack.prefix}-share",
        description="Sharing ALPR data with California law enforcement (policy 418.7)",
        binary_media_types=["image/*"],
        deploy_options=logged_stage(stack, "ShareApi", rate=20, burst=40),
        cloud_watch_role=False,
    )
    # Members' routes read Cognito claims from the authorizer; until a user pool authorizer is attached they
    # answer 401, while filing and grant-token fetches work without an account.
    proxy = api.root.add_resource("share").add_proxy(
        default_integration=apigw.LambdaIntegration(stack.functions["share"]), any_method=True
    )
    for rule in ("APIG4", "COG4"):
        security.acknowledge(
            proxy,
            f"AwsSolutions::AwsSolutions-{rule}",
            "outside agencies have no department account: they file requests and fetch with a hashed, scoped, "
            "expiring grant token checked in code; member routes refuse requests without Cognito claims",
        )
    return api


def _geo_restriction(stack: AlprStack, api: apigw.RestApi) -> wafv2.CfnWebACL:
    """The stage's one web ACL: requests from outside the United States are blocked first, and the rest meet
    the same rate and size limits and managed rules as every other API."""
    acl = security.web_acl(
        stack, "ShareApiWebAcl", "REGIONAL", name=f"{stack.prefix}-share", allowed_countries=EDGE_ALLOWED_COUNTRIES
    )
    wafv2.CfnWebACLAssociation(
        stack, "ShareApiWebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )
    return acl


def _allow(stack: AlprStack, function: str, actions: list[str], resources: list[str]) -> None:
    stack.functions[function].add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))


def _table_actions(stack: AlprStack, function: str, table: schema.Table, actions: list[str]) -> None:
    arn = stack.tables[table.logical_name].table_arn
    _allow(stack, function, [f"dynamodb:{a}" for a in actions], [arn, f"{arn}/index/*"])
