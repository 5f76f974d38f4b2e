"""cdk-nag's AWS Solutions pack (``cdk synth -c nag=true`` / ``make check-infra``) fails the synth on any
finding; the accepted ones are acknowledged here (those every function or role has) or next to their resource,
with a reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from alpr import schema
from infra.guardrails.discovery import cfn_resources, constructs_of, logical_id

NAG_CONTEXT = "nag"
# Without it, cdk-nag's warning-level findings (WAF on an API stage, on a distribution...) only print.
STRICT_VALIDATION_CONTEXT = "@aws-cdk/core:strictCfnValidateErrors"


def nag_enabled(app: cdk.App) -> bool:
    return str(app.node.try_get_context(NAG_CONTEXT)).lower() in {"true", "1", "yes"}


def enable_nag(app: cdk.App) -> None:
    """Registers cdk-nag's AWS Solutions pack as a validation plugin: any finding, error or warning, fails
    the synth. Call it before adding stacks (context cannot change once the app has children)."""
    from cdk_nag import AwsSolutionsChecks

    app.node.set_context(STRICT_VALIDATION_CONTEXT, True)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """``rule`` as cdk-nag prints it after 'Acknowledge with', e.g. 'AwsSolutions::AwsSolutions-L1'."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def acknowledge_generic_findings(stack: Construct) -> None:
    """Findings every function or API has for the same, accepted reason."""
    for function in constructs_of(stack, lambda_.Function):
        if function.runtime.family is lambda_.RuntimeFamily.PYTHON:
            acknowledge(
                function,
                "AwsSolutions::AwsSolutions-L1",
                "Python 3.12 matches the OCR container image and the wheels bundled for Lambda; upgrade together",
            )
    for role in _lambda_roles(stack):
        acknowledge(
            role,
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "AWS's minimal policy for a function to write its own CloudWatch logs; grants nothing on data",
        )
        for rule, reason in _role_wildcards(stack):
            acknowledge(role, rule, reason)
    for api in constructs_of(stack, apigw.RestApi):
        cloud_watch_role = api.node.try_find_child("CloudWatchRole")
        if cloud_watch_role is not None:
            acknowledge(
                cloud_watch_role,
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                "the account-wide role API Gateway needs for execution and access logs; logs only",
            )


def _lambda_roles(stack: Construct) -> Iterator[IConstruct]:
    resolve = cdk.Stack.of(stack).resolve
    for role in cfn_resources(stack, "AWS::IAM::Role"):
        trust = resolve(role.assume_role_policy_document)  # type: ignore[attr-defined]
        principals = [s.get("Principal", {}).get("Service") for s in trust.get("Statement", [])]
        if "lambda.amazonaws.com" in principals and role.node.scope is not None:
            yield role.node.scope


def _role_wildcards(stack: Construct) -> Iterable[tuple[str, str]]:
    """IAM5 findings whose wildcard is bounded by one named resource, keyed by that resource's logical id."""
    yield (
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        "X-Ray PutTraceSegments/PutTelemetryRecords take no resource (tests/infra/test_least_privilege.py "
        "allows nothing else on '*')",
    )
    for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
        yield (
            f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]",
            "CDK's key grant: the variants of one operation, on this stack's customer-managed keys only",
        )
    for table in constructs_of(stack, dynamodb.Table):
        yield (
            f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(table)}.Arn>/index/*]",
            "queries through the table's own secondary indexes (alpr/schema.py names them)",
        )
    prefixes = [getattr(schema.BUCKET, f.name) for f in dataclasses.fields(schema.BUCKET)]
    for bucket in constructs_of(stack, s3.Bucket):
        for prefix in prefixes:
            yield (
                f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(bucket)}.Arn>/{prefix}*]",
                f"objects are one per frame under the {prefix} area; the grant names that area, not the bucket",
            )
