"""WAF on every API Gateway stage and CloudFront distribution (a CLOUDFRONT-scope web ACL needs us-east-1),
and request validation on every RestApi."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.guardrails.discovery import cfn_resources, constructs_of
from infra.guardrails.nag import acknowledge

# Set this context to the ARN of a CLOUDFRONT-scope web ACL (made in us-east-1) when the stack is elsewhere.
CLOUDFRONT_WEB_ACL_CONTEXT = "cloudfront_web_acl_arn"

# Requests whose body is a camera frame (binary): the managed rule groups inspect bodies as text and would
# block JPEG bytes that happen to look like an exploit, so these requests skip them (the ingest function
# authenticates the camera and checks the bytes itself).
BINARY_CONTENT_TYPES = ("image/", "application/octet-stream")
# API Gateway refuses bodies over 10 MB; anything over this is not a frame we accept (MAX_DIRECT_FRAME_BYTES).
MAX_REQUEST_BYTES = 5_000_000
MAX_QUERY_STRING_BYTES = 2048
MAX_URI_PATH_BYTES = 1024
# Per client IP per 5 minutes: a patrol car at one frame a second sends 300; a carrier NAT may hide several.
RATE_LIMIT_PER_5_MIN = 10_000


def protect_apis(scope: Construct, stack: cdk.Stack) -> wafv2.CfnWebACL | None:
    """A regional web ACL (made in ``scope``) associated with every API Gateway stage of the stack, and request
    validation on every RestApi."""
    for api in constructs_of(stack, apigw.RestApi):
        _validate_requests(api)
    stages = constructs_of(stack, apigw.CfnStage)
    if not stages:
        return None
    acl = web_acl(scope, "ApiWebAcl", "REGIONAL")
    for stage in stages:
        if _has_own_web_acl(stack, stage):
            continue  # a stage takes one web ACL: the sharing API's is web_acl() plus the US-only geo rule (418.7)
        api_id, name = stage.rest_api_id, stage.stage_name
        stage_arn = f"arn:{stack.partition}:apigateway:{stack.region}::/restapis/{api_id}/stages/{name}"
        association = wafv2.CfnWebACLAssociation(stage, "WebAcl", resource_arn=stage_arn, web_acl_arn=acl.attr_arn)
        association.node.add_dependency(stage)
    return acl


def _has_own_web_acl(stack: cdk.Stack, stage: apigw.CfnStage) -> bool:
    api = json.dumps(stack.resolve(stage.rest_api_id))
    return any(
        api in json.dumps(stack.resolve(association.resource_arn))
        for association in constructs_of(stack, wafv2.CfnWebACLAssociation)
    )


def _validate_requests(api: apigw.RestApi) -> None:
    """Every method gets a validator: declared required headers and models are checked at the gateway."""
    validator = api.add_request_validator(
        "RequestValidator", validate_request_parameters=True, validate_request_body=True
    )
    for method in constructs_of(api, apigw.Method):
        cfn = method.node.default_child
        if cfn.request_validator_id is None:  # type: ignore[union-attr]
            cfn.request_validator_id = validator.request_validator_id  # type: ignore[union-attr]


def web_acl(
    scope: Construct,
    construct_id: str,
    waf_scope: str,
    name: str | None = None,
    allowed_countries: tuple[str, ...] = (),
) -> wafv2.CfnWebACL:
    """The one rule set every public entry point gets: per-IP rate limit, request-size limits, AWS managed rules.

    ``allowed_countries`` puts a geo rule first that blocks every request from elsewhere (a stage takes one web
    ACL, so a stage that needs a geo restriction gets it in its own copy of these rules, never instead of them).
    """
    metrics = construct_id

    def visibility(name: str) -> dict[str, Any]:
        return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": f"{metrics}-{name}"}

    def managed(name: str) -> dict[str, Any]:
        return {
            "Name": name,
            "OverrideAction": {"None": {}},
            "Statement": {
                "ManagedRuleGroupStatement": {
                    "VendorName": "AWS",
                    "Name": name,
                    "ScopeDownStatement": {"NotStatement": {"Statement": _binary_body()}},
                }
            },
            "VisibilityConfig": visibility(name),
        }

    def block(name: str, statement: dict[str, Any]) -> dict[str, Any]:
        return {"Name": name, "Action": {"Block": {}}, "Statement": statement, "VisibilityConfig": visibility(name)}

    no_transform = [{"Priority": 0, "Type": "NONE"}]
    rules: list[dict[str, Any]] = []
    if allowed_countries:
        rules.append(
            block(
                "OutsideAllowedCountries",
                {"NotStatement": {"Statement": {"GeoMatchStatement": {"CountryCodes": list(allowed_countries)}}}},
            )
        )
    rules += [
        block("RatePerClientIp", {"RateBasedStatement": {"Limit": RATE_LIMIT_PER_5_MIN, "AggregateKeyType": "IP"}}),
        block(
            "RequestTooLarge",
            {
                # Content-Length of MAX_REQUEST_BYTES or more (WAF cannot measure a body past 64 KB).
                "RegexMatchStatement": {
                    "FieldToMatch": {"SingleHeader": {"Name": "content-length"}},
                    "RegexString": _at_least(MAX_REQUEST_BYTES),
                    "TextTransformations": no_transform,
                }
            },
        ),
        block(
            "QueryStringTooLong",
            {
                "SizeConstraintStatement": {
                    "FieldToMatch": {"QueryString": {}},
                    "ComparisonOperator": "GT",
                    "Size": MAX_QUERY_STRING_BYTES,
                    "TextTransformations": no_transform,
                }
            },
        ),
        block(
            "UriPathTooLong",
            {
                "SizeConstraintStatement": {
                    "FieldToMatch": {"UriPath": {}},
                    "ComparisonOperator": "GT",
                    "Size": MAX_URI_PATH_BYTES,
                    "TextTransformations": no_transform,
                }
            },
        ),
        managed("AWSManagedRulesAmazonIpReputationList"),
        managed("AWSManagedRulesCommonRuleSet"),
        managed("AWSManagedRulesKnownBadInputsRuleSet"),
    ]
    acl = wafv2.CfnWebACL(
        scope,
        construct_id,
        name=name,
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        scope=waf_scope,
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=metrics, sampled_requests_enabled=True
        ),
    )
    # Evaluated in this order: the geo rule (if any) first, then rate, sizes, managed rule groups.
    acl.add_property_override("Rules", [{**rule, "Priority": index} for index, rule in enumerate(rules)])
    return acl


def _binary_body() -> dict[str, Any]:
    return {
        "OrStatement": {
            "Statements": [
                {
                    "ByteMatchStatement": {
                        "FieldToMatch": {"SingleHeader": {"Name": "content-type"}},
                        "PositionalConstraint": "STARTS_WITH",
                        "SearchString": content_type,
                        "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
                    }
                }
                for content_type in BINARY_CONTENT_TYPES
            ]
        }
    }


def _at_least(limit: int) -> str:
    """A regex for decimal integers >= ``limit`` (a power-of-ten multiple like 5_000_000)."""
    digits = str(limit)
    lead, rest = int(digits[0]), len(digits) - 1
    return f"^0*([{lead}-9][0-9]{{{rest}}}|[1-9][0-9]{{{rest + 1},}})$"


def protect_distributions(scope: Construct, stack: cdk.Stack) -> None:
    """A CLOUDFRONT-scope web ACL can only be created in us-east-1: made here (in ``scope``) when the stack is
    there, or taken from context ``cloudfront_web_acl_arn``; otherwise the synth stops with instructions."""
    distributions = cfn_resources(stack, "AWS::CloudFront::Distribution")
    if not distributions:
        return
    acl_arn = stack.node.try_get_context(CLOUDFRONT_WEB_ACL_CONTEXT)
    if not acl_arn:
        if stack.region != "us-east-1":
            cdk.Annotations.of(stack).add_error(
                "CloudFront distributions need a CLOUDFRONT-scope WAF web ACL, which only us-east-1 can hold: "
                f"deploy the stack in us-east-1 or pass -c {CLOUDFRONT_WEB_ACL_CONTEXT}=<arn of one made there>"
            )
            return
        acl_arn = web_acl(scope, "DistributionWebAcl", "CLOUDFRONT").attr_arn
    for distribution in distributions:
        distribution.add_property_override("DistributionConfig.WebACLId", acl_arn)
        acknowledge(
            distribution,
            "AwsSolutions::AwsSolutions-CFR2",
            "WebACLId is set above by a property override, which cdk-nag does not read (test_security checks it)",
        )
