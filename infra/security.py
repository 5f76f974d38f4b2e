"""Security controls that make the stack deployable for real (policy 418.6, 418.6(a)).

Everything here is generic: it walks the constructs of the synthesized stack (every bucket, table, function,
RestApi stage and distribution) rather than a list of today's resources, so what other modules add is
covered too. ``harden`` must run after every other construct exists: AlprStack calls it last.

- cdk-nag's AWS Solutions pack (``enable_nag``; ``cdk synth -c nag=true`` / ``make check-infra``) fails the
  synth on any finding; the accepted ones are acknowledged below or next to their resource, with a reason.
- A CloudTrail trail with log-file validation, management events, and data events for every bucket and
  table that holds ALPR data (who read which plate, when: 418.6(a)).
- WAF on every API Gateway stage (and on CloudFront distributions, which needs us-east-1).
- Request validation on every RestApi.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct, IConstruct

from alpr import schema
from infra.log_groups import cover_framework_functions, encrypted_log_group

NAG_CONTEXT = "nag"
# Set this context to the ARN of a CLOUDFRONT-scope web ACL (made in us-east-1) when the stack is elsewhere.
CLOUDFRONT_WEB_ACL_CONTEXT = "cloudfront_web_acl_arn"

# Tables with no plate data, only operational state, left out of CloudTrail data events (each data event
# costs money): the camera registry (key hashes), the frame ledger (status per upload) and Powertools
# idempotency records. Every other table, including ones added later, is audited by default.
OPERATIONAL_TABLES = frozenset(t.logical_name for t in (schema.CAMERAS, schema.FRAMES, schema.IDEMPOTENCY))

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


def nag_enabled(app: cdk.App) -> bool:
    return str(app.node.try_get_context(NAG_CONTEXT)).lower() in {"true", "1", "yes"}


# Without it, cdk-nag's warning-level findings (WAF on an API stage, on a distribution...) only print.
STRICT_VALIDATION_CONTEXT = "@aws-cdk/core:strictCfnValidateErrors"


def enable_nag(app: cdk.App) -> None:
    """Registers cdk-nag's AWS Solutions pack as a validation plugin: any finding, error or warning, fails
    the synth. Call it before adding stacks (context cannot change once the app has children)."""
    from cdk_nag import AwsSolutionsChecks

    app.node.set_context(STRICT_VALIDATION_CONTEXT, True)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """``rule`` as cdk-nag prints it after 'Acknowledge with', e.g. 'AwsSolutions::AwsSolutions-L1'."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def harden(stack: Any) -> None:
    """Called last from AlprStack.__init__ (``stack`` is the AlprStack)."""
    audit_trail(stack)
    cover_framework_functions(stack)
    protect_apis(stack)
    protect_distributions(stack)
    acknowledge_generic_findings(stack)


# --- discovery -------------------------------------------------------------------------------------------


def constructs_of(scope: Construct, kind: type) -> list[Any]:
    return [c for c in scope.node.find_all() if isinstance(c, kind)]


def cfn_resources(scope: Construct, cfn_type: str) -> list[cdk.CfnResource]:
    return [c for c in scope.node.find_all() if isinstance(c, cdk.CfnResource) and c.cfn_resource_type == cfn_type]


def data_buckets(stack: Any) -> list[s3.Bucket]:
    """Buckets holding ALPR data: those encrypted with the data key (images and evidence, and any added)."""
    return [b for b in constructs_of(stack, s3.Bucket) if b.encryption_key is stack.data_key]


def audited_tables(stack: Any) -> list[dynamodb.Table]:
    return [t for t in constructs_of(stack, dynamodb.Table) if _logical_table_name(stack, t) not in OPERATIONAL_TABLES]


def _logical_table_name(stack: Any, table: dynamodb.Table) -> str:
    physical = str(table.node.default_child.table_name)  # type: ignore[union-attr]
    return physical.removeprefix(f"{stack.prefix}-")


# --- CloudTrail ------------------------------------------------------------------------------------------


def _locked_bucket(scope: Construct, construct_id: str, access_logs: s3.IBucket, log_prefix: str) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=log_prefix,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )


def audit_trail(stack: Any) -> cloudtrail.Trail:
    """Management events plus data events on every data bucket and every audited table."""
    key = kms.Key(
        stack,
        "AuditKey",
        enable_key_rotation=True,
        description="ALPR CloudTrail log files",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    bucket = _locked_bucket(stack, "TrailLogs", stack.access_logs, "trail/")
    trail = cloudtrail.Trail(
        stack,
        "AuditTrail",
        bucket=bucket,
        encryption_key=key,
        enable_file_validation=True,
        include_global_service_events=True,
        is_multi_region_trail=True,
        send_to_cloud_watch_logs=True,
        cloud_watch_log_group=encrypted_log_group(stack, "AuditTrailLogs"),
    )
    cfn: cloudtrail.CfnTrail = trail.node.default_child  # type: ignore[assignment]
    # DynamoDB data events exist only as advanced event selectors, which cannot sit beside the (empty)
    # basic EventSelectors that the L2 Trail always writes.
    cfn.add_property_deletion_override("EventSelectors")
    cfn.advanced_event_selectors = [
        _selector("Management events", [_field("eventCategory", equal_to=["Management"])]),
        _selector(
            "Objects in the images bucket (frames, evidence) and every other data bucket",
            [
                _field("eventCategory", equal_to=["Data"]),
                _field("resources.type", equal_to=["AWS::S3::Object"]),
                _field("resources.ARN", starts_with=[f"{b.bucket_arn}/" for b in data_buckets(stack)]),
            ],
        ),
        _selector(
            "Reads, alerts, hotlists, access records and every other table with ALPR data",
            [
                _field("eventCategory", equal_to=["Data"]),
                _field("resources.type", equal_to=["AWS::DynamoDB::Table"]),
                _field("resources.ARN", equal_to=[t.table_arn for t in audited_tables(stack)]),
            ],
        ),
    ]
    return trail


def _selector(name: str, fields: list[cloudtrail.CfnTrail.AdvancedFieldSelectorProperty]) -> Any:
    return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(name=name, field_selectors=fields)


def _field(field: str, **match: list[str]) -> cloudtrail.CfnTrail.AdvancedFieldSelectorProperty:
    return cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(field=field, **match)


# --- WAF and request validation --------------------------------------------------------------------------


def protect_apis(stack: Any) -> wafv2.CfnWebACL | None:
    """A regional web ACL associated with every API Gateway stage, and request validation on every RestApi."""
    for api in constructs_of(stack, apigw.RestApi):
        _validate_requests(api)
    stages = constructs_of(stack, apigw.CfnStage)
    if not stages:
        return None
    acl = web_acl(stack, "ApiWebAcl", "REGIONAL")
    for stage in stages:
        if _has_own_web_acl(stack, stage):
            continue  # a stage takes one web ACL: the sharing API's is web_acl() plus the US-only geo rule (418.7)
        api_id, name = stage.rest_api_id, stage.stage_name
        stage_arn = f"arn:{stack.partition}:apigateway:{stack.region}::/restapis/{api_id}/stages/{name}"
        association = wafv2.CfnWebACLAssociation(stage, "WebAcl", resource_arn=stage_arn, web_acl_arn=acl.attr_arn)
        association.node.add_dependency(stage)
    return acl


def _has_own_web_acl(stack: Any, stage: apigw.CfnStage) -> bool:
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


def protect_distributions(stack: Any) -> None:
    """A CLOUDFRONT-scope web ACL can only be created in us-east-1: made here when the stack is there, or
    taken from context ``cloudfront_web_acl_arn``; otherwise the synth stops with instructions."""
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
        acl_arn = web_acl(stack, "DistributionWebAcl", "CLOUDFRONT").attr_arn
    for distribution in distributions:
        distribution.add_property_override("DistributionConfig.WebACLId", acl_arn)
        acknowledge(
            distribution,
            "AwsSolutions::AwsSolutions-CFR2",
            "WebACLId is set above by a property override, which cdk-nag does not read (test_security checks it)",
        )


# --- acknowledged findings -------------------------------------------------------------------------------


def acknowledge_generic_findings(stack: Any) -> None:
    """Findings every function or API has for the same, accepted reason. Findings specific to one
    resource are acknowledged next to it (infra/stack.py)."""
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


def _lambda_roles(stack: Any) -> Iterator[IConstruct]:
    for role in cfn_resources(stack, "AWS::IAM::Role"):
        trust = stack.resolve(role.assume_role_policy_document)  # type: ignore[attr-defined]
        principals = [s.get("Principal", {}).get("Service") for s in trust.get("Statement", [])]
        if "lambda.amazonaws.com" in principals and role.node.scope is not None:
            yield role.node.scope


def _role_wildcards(stack: Any) -> Iterable[tuple[str, str]]:
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
            f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(stack, table)}.Arn>/index/*]",
            "queries through the table's own secondary indexes (alpr/schema.py names them)",
        )
    prefixes = [getattr(schema.BUCKET, f.name) for f in dataclasses.fields(schema.BUCKET)]
    for bucket in constructs_of(stack, s3.Bucket):
        for prefix in prefixes:
            yield (
                f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(stack, bucket)}.Arn>/{prefix}*]",
                f"objects are one per frame under the {prefix} area; the grant names that area, not the bucket",
            )


def logical_id(stack: Any, construct: Construct) -> str:
    return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))
