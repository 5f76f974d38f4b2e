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
