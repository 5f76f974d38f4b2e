"""The AWS rules the rehearsal applies where moto does not (fast: no server, no deploy)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from alpr.rehearsal.apis import ApiRoute
from alpr.rehearsal.authorization import _s3_delete_objects_checks, dynamodb_checks, sqs_checks, trusts_lambda
from alpr.rehearsal.host import _matches
from alpr.rehearsal.wiring import image_handler


@dataclass
class Request:
    action: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    region: str = "us-west-2"
    current_account: str = "123456789012"

    def _get_action(self) -> str:
        return self.action

    def _determine_resource(self) -> str:
        return "arn:aws:sqs:us-west-2:123456789012:q"


TABLE = "arn:aws:dynamodb:us-west-2:123456789012:table/"


def test_dynamodb_transactions_are_authorized_as_the_item_actions_they_contain() -> None:
    """DynamoDB developer guide, "Using IAM with DynamoDB transactions": no TransactWriteItems action exists."""
    request = Request(
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "a"}},
                {"Update": {"TableName": "b"}},
                {"ConditionCheck": {"TableName": "c"}},
            ]
        },
    )
    assert dynamodb_checks(request) == [
        ("PutItem", TABLE + "a"),
        ("UpdateItem", TABLE + "b"),
        ("ConditionCheckItem", TABLE + "c"),
    ]


def test_a_dynamodb_query_on_an_index_is_authorized_on_the_index_arn() -> None:
    assert dynamodb_checks(Request("Query", {"TableName": "reads", "IndexName": "by_plate"})) == [
        (None, TABLE + "reads/index/by_plate")
    ]


def test_sqs_batch_actions_need_the_single_action_grant() -> None:
    assert sqs_checks(Request("DeleteMessageBatch"))[0][0] == "DeleteMessage"
    assert sqs_checks(Request("ReceiveMessage"))[0][0] is None


def test_delete_objects_is_authorized_per_key_and_per_version() -> None:
    body = (
        b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>frames/a.jpg</Key>'
        b"<VersionId>v1</VersionId></Object><Object><Key>frames/b.jpg</Key></Object></Delete>"
    )
    assert _s3_delete_objects_checks(Request("DeleteObjects", body=body), "images") == [
        ("DeleteObjectVersion", "arn:aws:s3:::images/frames/a.jpg"),
        ("DeleteObject", "arn:aws:s3:::images/frames/b.jpg"),
    ]


def test_event_filters_follow_lambda_filter_syntax() -> None:
    inserts = [{"eventName": ["INSERT"]}]
    ttl = [{"eventName": ["REMOVE"], "userIdentity": {"principalId": ["dynamodb.amazonaws.com"]}}]
    joined = [{"dynamodb": {"NewImage": {"sighting_id": {"S": [{"exists": True}]}}}}]
    assert _matches(inserts, {"eventName": "INSERT"}) and not _matches(inserts, {"eventName": "MODIFY"})
    assert not _matches(ttl, {"eventName": "REMOVE"})  # a delete by a function is not a TTL removal
    assert _matches(ttl, {"eventName": "REMOVE", "userIdentity": {"principalId": "dynamodb.amazonaws.com"}})
    assert _matches(joined, {"dynamodb": {"NewImage": {"sighting_id": {"S": "s1"}}}})
    assert not _matches(joined, {"dynamodb": {"NewImage": {}}})
    # SQS bodies are matched as JSON.
    assert _matches([{"body": {"kind": ["x"]}}], {"body": json.dumps({"kind": "x"})})
    assert _matches([], {"anything": 1})


def test_routes_prefer_literal_paths_and_proxy_resources_take_the_rest() -> None:
    proxy = ApiRoute("Api", "ANY", "/api/{proxy+}", "Search", "NONE")
    frames = ApiRoute("Api", "POST", "/v1/frames", "Ingest", "NONE")
    assert proxy.matches("POST", "/api/search") and proxy.matches("GET", "/api/reads/r1/image")
    assert not proxy.matches("GET", "/api") and not proxy.matches("GET", "/v1/frames")
    assert frames.matches("POST", "/v1/frames") and not frames.matches("GET", "/v1/frames")
    assert not frames.matches("POST", "/v1/frames/uploads")


def test_a_role_must_trust_lambda_to_run_a_function() -> None:
    lambda_trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    other = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    assert trusts_lambda({"AssumeRolePolicyDocument": lambda_trust})
    assert not trusts_lambda({"AssumeRolePolicyDocument": other})


def test_a_container_function_handler_comes_from_the_template_or_its_dockerfile() -> None:
    assert image_handler({"Properties": {"ImageConfig": {"Command": ["pkg.mod.handler"]}}}) == "pkg.mod.handler"
    named = {"Properties": {}, "Metadata": {"aws:asset:dockerfile-path": "functions/ocr/Dockerfile"}}
    assert image_handler(named) == "functions.ocr.handler.handler"
