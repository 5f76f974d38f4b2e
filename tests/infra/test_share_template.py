"""Sharing and NCRIC forwarding in the deployed stack: the WAF geo rule on the share API, the filtered stream,
the forwarding queue with its dead letters, the destination parameter and least-privilege grants."""

from __future__ import annotations

import json
from typing import Any

from alpr import schema


def resources(template: Any, kind: str) -> dict[str, Any]:
    return template.find_resources(kind)


def logical_id(template: Any, kind: str, **properties: Any) -> str:
    [found] = [k for k, r in resources(template, kind).items() if properties.items() <= r["Properties"].items()]
    return found


def function_policy(template: Any, function: str) -> list[dict[str, Any]]:
    role = resources(template, "AWS::Lambda::Function")[
        logical_id(template, "AWS::Lambda::Function", FunctionName=f"alpr-{function}")
    ]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions_on(statements: list[dict[str, Any]], needle: str) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        if needle in json.dumps(statement["Resource"]):
            actions = statement["Action"]
            found |= set(actions if isinstance(actions, list) else [actions])
    return found


def test_the_share_api_blocks_requests_from_outside_the_united_states_before_any_other_rule(template: Any) -> None:
    [acl] = [
        a for a in resources(template, "AWS::WAFv2::WebACL").values() if a["Properties"].get("Name") == "alpr-share"
    ]
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    first = min(props["Rules"], key=lambda rule: rule["Priority"])
    assert first["Action"] == {"Block": {}}
    assert first["Statement"] == {"NotStatement": {"Statement": {"GeoMatchStatement": {"CountryCodes": ["US"]}}}}
    # ... and the rest are the rules every API gets
    names = {rule["Name"] for rule in props["Rules"]}
    assert {"RatePerClientIp", "RequestTooLarge", "AWSManagedRulesCommonRuleSet"} <= names


def test_the_web_acl_is_attached_to_the_share_api_stage(template: Any) -> None:
    acl_id = next(
        k for k, a in resources(template, "AWS::WAFv2::WebACL").items() if a["Properties"].get("Name") == "alpr-share"
    )
    api_id = logical_id(template, "AWS::ApiGateway::RestApi", Name="alpr-share")
    stage_id = logical_id(template, "AWS::ApiGateway::Stage", StageName="v1", RestApiId={"Ref": api_id})
    [association] = [
        a
        for a in resources(template, "AWS::WAFv2::WebACLAssociation").values()
        if a["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    ]
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    arn = json.dumps(association["Properties"]["ResourceArn"])
    assert f'{{"Ref": "{api_id}"}}' in arn and f'{{"Ref": "{stage_id}"}}' in arn and "/stages/" in arn


def test_the_reads_streams_match_reader_may_queue_reads_for_ncric(template: Any) -> None:
    """New vehicle reads reach the forwarding queue from the match function, the stream's one reader besides
    the purge (issue 13, finding 7)."""
    match = function_policy(template, "match")
    assert "sqs:SendMessage" in actions_on(match, "NcricForwardQueue")


def test_delivery_consumes_the_forwarding_queue_which_redrives_to_a_dead_letter_queue(template: Any) -> None:
    deliver = logical_id(template, "AWS::Lambda::Function", FunctionName="alpr-ncric-deliver")
    [mapping] = [
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": deliver}
    ]
    queue_id = logical_id(template, "AWS::SQS::Queue", QueueName="alpr-ncric-forward")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = resources(template, "AWS::SQS::Queue")[queue_id]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == schema.NCRIC_FORWARD_QUEUE.max_receive_count


def test_the_ncric_destination_is_an_ssm_parameter_the_deliver_step_may_read(template: Any) -> None:
    parameter_id = logical_id(template, "AWS::SSM::Parameter", Name="/alpr/ncric/destination")
    assert json.loads(resources(template, "AWS::SSM::Parameter")[parameter_id]["Properties"]["Value"]) == {
        "kind": "unconfigured"
    }
    assert actions_on(function_policy(template, "ncric-deliver"), parameter_id) == {"ssm:GetParameter"}


def test_sharing_functions_get_only_what_they_use(template: Any) -> None:
    share = function_policy(template, "share")
    assert actions_on(share, "ShareRequestsTable") == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:Scan",
    }, "requests are kept on file: never updated in place or deleted"
    assert actions_on(share, "AccessLogTable") == {"dynamodb:PutItem", "dynamodb:Query"}
    assert actions_on(share, "AgencyChangesTable") == {"dynamodb:PutItem", "dynamodb:Query"}
    assert actions_on(share, "NcricDeliveriesTable") == set()

    deliver = function_policy(template, "ncric-deliver")
    assert actions_on(deliver, "ReadsTable") == {"dynamodb:GetItem"}
    assert actions_on(deliver, "NcricDeliveriesTable") == {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    assert actions_on(deliver, "AgenciesTable") == set()


def _deliver_statements(context: dict[str, Any]) -> list[dict[str, Any]]:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stack import AlprStack

    app = cdk.App(context={"aws:cdk:bundling-stacks": [], **context})
    return function_policy(Template.from_stack(AlprStack(app, "ContextStack", prefix="alpr")), "ncric-deliver")


def _allows(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's rule on one identity policy: some Allow matches and no Deny does (resources rendered with the
    partition and account of the test: aws, 111111111111)."""
    import fnmatch

    def render(value: Any) -> str:
        text = json.dumps(value) if not isinstance(value, str) else value
        if isinstance(value, dict) and "Fn::Join" in value:
            text = "".join(
                p if isinstance(p, str) else {"AWS::Partition": "aws", "AWS::AccountId": "111111111111"}[p["Ref"]]
                for p in value["Fn::Join"][1]
            )
        return text

    def matches(statement: dict[str, Any]) -> bool:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        return action in actions and any(fnmatch.fnmatchcase(resource, render(r)) for r in resources)

    allowed = any(matches(s) for s in statements if s.get("Effect", "Allow") == "Allow")
    return allowed and not any(matches(s) for s in statements if s.get("Effect") == "Deny")


def test_the_deliver_role_reaches_an_s3_destination_configured_only_at_run_time() -> None:
    """Finding 12: the grant must not depend on whether the destination came as context or later through SSM. A
    cross-account write needs a grant on both sides
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html): ours
    is sts:AssumeRole on the role NCRIC gives, whatever account and name the SSM parameter says."""
    s3_at_deploy = {"kind": "s3", "bucket": "ncric-intake", "prefix": "slpd/", "role_arn": "arn:aws:iam::2:role/w"}
    unconfigured = _deliver_statements({})
    assert unconfigured == _deliver_statements({"ncric_destination": json.dumps(s3_at_deploy)})
    for role in ("arn:aws:iam::210987654321:role/ncric-alpr-intake-writer", "arn:aws:iam::999999999999:role/x"):
        assert _allows(unconfigured, "sts:AssumeRole", role)
    assert not _allows(unconfigured, "sts:AssumeRole", "arn:aws:iam::111111111111:role/admin"), "never our roles"
    assert not _allows(unconfigured, "s3:PutObject", "arn:aws:s3:::ncric-intake/slpd/x.json"), "writes go as NCRIC"


def test_the_https_credential_is_a_secret_only_the_deliver_step_reads(template: Any) -> None:
    secret_id = logical_id(template, "AWS::SecretsManager::Secret", Name=schema.ncric_credential_secret("alpr"))
    secret = resources(template, "AWS::SecretsManager::Secret")[secret_id]["Properties"]
    assert json.loads(secret["SecretString"]) == {}, "deployed empty: nothing is sent until NCRIC's credential is set"
    assert "KmsKeyId" in secret
    readers = {
        function
        for function in (spec.name for spec in schema.FUNCTIONS)
        if "secretsmanager:GetSecretValue" in actions_on(function_policy(template, function), secret_id)
    }
    assert readers == {"ncric-deliver"}
    outputs = [k for k in template.find_outputs("*") if "NcricDeliverRoleArn" in k]
    assert outputs, "the administrator gives NCRIC this role ARN for its trust policy"
