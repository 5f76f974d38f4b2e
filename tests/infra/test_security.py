"""Trails, keys, TLS, public access, WAF and API limits on every resource of the synthesized stack (418.6)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alpr import schema
from infra.guardrails.trail import OPERATIONAL_TABLES
from infra.guardrails.waf import MAX_REQUEST_BYTES, _at_least


@pytest.fixture(scope="module")
def resources(template: Any) -> dict[str, Any]:
    out: dict[str, Any] = template.to_json()["Resources"]
    return out


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {lid: r["Properties"] for lid, r in resources.items() if r["Type"] == kind}


def the_trail(resources: dict[str, Any]) -> dict[str, Any]:
    [trail] = of_type(resources, "AWS::CloudTrail::Trail").values()
    return trail


def selector(trail: dict[str, Any], resource_type: str) -> dict[str, Any]:
    for candidate in trail["AdvancedEventSelectors"]:
        fields = {f["Field"]: f for f in candidate["FieldSelectors"]}
        if fields.get("resources.type", {}).get("Equals") == [resource_type]:
            assert fields["eventCategory"]["Equals"] == ["Data"]
            return fields["resources.ARN"]
    raise AssertionError(f"no data-event selector for {resource_type}")


def test_trail_validates_log_files_and_records_management_events(resources: dict[str, Any]) -> None:
    trail = the_trail(resources)
    assert trail["EnableLogFileValidation"] is True
    assert trail["IsMultiRegionTrail"] is True and trail["IsLogging"] is True
    assert "KMSKeyId" in trail and "CloudWatchLogsLogGroupArn" in trail
    assert "EventSelectors" not in trail  # advanced selectors cannot sit beside basic ones
    management = [
        s
        for s in trail["AdvancedEventSelectors"]
        if s["FieldSelectors"] == [{"Field": "eventCategory", "Equals": ["Management"]}]
    ]
    assert len(management) == 1


def test_trail_records_object_access_in_the_images_bucket_and_evidence_area(resources: dict[str, Any]) -> None:
    [images] = [lid for lid, p in of_type(resources, "AWS::S3::Bucket").items() if p.get("ObjectLockEnabled")]
    prefixes = selector(the_trail(resources), "AWS::S3::Object")["StartsWith"]
    # "<images ARN>/" covers frames/ and the evidence/ area alike.
    assert {"Fn::Join": ["", [{"Fn::GetAtt": [images, "Arn"]}, "/"]]} in prefixes


def test_trail_records_data_events_on_every_table_with_alpr_data(resources: dict[str, Any]) -> None:
    tables = {p["TableName"]: lid for lid, p in of_type(resources, "AWS::DynamoDB::Table").items()}
    audited = {a["Fn::GetAtt"][0] for a in selector(the_trail(resources), "AWS::DynamoDB::Table")["Equals"]}
    expected = {lid for name, lid in tables.items() if name.removeprefix("alpr-") not in OPERATIONAL_TABLES}
    assert audited == expected
    for table in (schema.READS, schema.ALERTS, schema.HOTLIST, schema.ACCESS_LOG):
        assert tables[table.physical_name("alpr")] in audited


def test_every_bucket_is_private_encrypted_versioned_and_tls_only(resources: dict[str, Any]) -> None:
    buckets = of_type(resources, "AWS::S3::Bucket")
    policies = {p["Bucket"]["Ref"]: p for p in of_type(resources, "AWS::S3::BucketPolicy").values()}
    for lid, bucket in buckets.items():
        assert all(bucket["PublicAccessBlockConfiguration"].values()), lid
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}, lid
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"], lid
        statements = policies[lid]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"]["Bool"] == {"aws:SecureTransport": "false"} for s in statements
        ), lid


def test_data_at_rest_uses_rotating_customer_managed_keys(resources: dict[str, Any]) -> None:
    keys = of_type(resources, "AWS::KMS::Key")
    assert keys and all(k["EnableKeyRotation"] for k in keys.values())

    def customer_key(reference: Any) -> bool:
        return isinstance(reference, dict) and reference.get("Fn::GetAtt", [None])[0] in keys

    for lid, table in of_type(resources, "AWS::DynamoDB::Table").items():
        assert customer_key(table["SSESpecification"]["KMSMasterKeyId"]), lid
    for lid, queue in of_type(resources, "AWS::SQS::Queue").items():
        assert customer_key(queue["KmsMasterKeyId"]), lid
    for lid, topic in of_type(resources, "AWS::SNS::Topic").items():
        assert customer_key(topic["KmsMasterKeyId"]), lid
    [images] = [b for b in of_type(resources, "AWS::S3::Bucket").values() if b.get("ObjectLockEnabled")]
    [rule] = images["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert customer_key(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])


POLICY_DOCUMENTS = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
}


def test_no_resource_policy_lets_anyone_in(resources: dict[str, Any]) -> None:
    checked = 0
    for kind, field in POLICY_DOCUMENTS.items():
        for lid, props in of_type(resources, kind).items():
            for statement in props[field]["Statement"]:
                if statement["Effect"] != "Allow":
                    continue
                checked += 1
                principal = statement["Principal"]
                assert principal != "*" and principal.get("AWS") != "*", (lid, statement)
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                writes = [a for a in actions if not a.split(":")[1].startswith(("Get", "List", "Describe"))]
                if "Service" in principal and kind != "AWS::KMS::Key" and writes:
                    assert "Condition" in statement, (lid, statement)  # a service writes only for one source
    for lid, permission in of_type(resources, "AWS::Lambda::Permission").items():
        assert permission["Principal"].endswith(".amazonaws.com") and "SourceArn" in permission, lid
    assert checked


def test_every_api_stage_is_throttled_and_behind_the_web_acl(resources: dict[str, Any]) -> None:
    stages = of_type(resources, "AWS::ApiGateway::Stage")
    associations = of_type(resources, "AWS::WAFv2::WebACLAssociation")
    associated_apis = {
        part["Ref"] for a in associations.values() for part in a["ResourceArn"]["Fn::Join"][1] if "Ref" in part
    }
    assert stages
    for lid, stage in stages.items():
        [settings] = [s for s in stage["MethodSettings"] if s["HttpMethod"] == "*" and s["ResourcePath"] == "/*"]
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0, lid
        assert stage["RestApiId"]["Ref"] in associated_apis, lid


def test_web_acl_limits_request_size_and_rate(resources: dict[str, Any]) -> None:
    import re

    [acl] = [
        a
        for a in of_type(resources, "AWS::WAFv2::WebACL").values()
        if a["Scope"] == "REGIONAL" and "Name" not in a  # the shared one, not the sharing API's own
    ]
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert {"RatePerClientIp", "RequestTooLarge", "QueryStringTooLong", "UriPathTooLong"} <= set(rules)
    assert "AWSManagedRulesCommonRuleSet" in rules and "AWSManagedRulesKnownBadInputsRuleSet" in rules
    too_large = re.compile(rules["RequestTooLarge"]["Statement"]["RegexMatchStatement"]["RegexString"])
    assert too_large.match(str(MAX_REQUEST_BYTES)) and too_large.match("10485760")
    assert not too_large.match(str(MAX_REQUEST_BYTES - 1)) and not too_large.match(str(schema.MAX_DIRECT_FRAME_BYTES))


def test_every_api_stage_has_exactly_one_web_acl_with_a_rate_rule_and_size_rules(resources: dict[str, Any]) -> None:
    acls = of_type(resources, "AWS::WAFv2::WebACL")
    associations = of_type(resources, "AWS::WAFv2::WebACLAssociation").values()
    stages = of_type(resources, "AWS::ApiGateway::Stage")
    assert len(stages) >= 3  # ingest, staff search, sharing
    for lid, stage in stages.items():
        api = stage["RestApiId"]["Ref"]
        attached = [
            a["WebACLArn"]["Fn::GetAtt"][0]
            for a in associations
            if {"Ref": api} in a["ResourceArn"]["Fn::Join"][1] and "/stages/" in json.dumps(a["ResourceArn"])
        ]
        assert len(attached) == 1, (lid, attached)  # WAF takes one web ACL per stage
        statements = [json.dumps(rule["Statement"]) for rule in acls[attached[0]]["Rules"]]
        blocking = [rule.get("Action") == {"Block": {}} for rule in acls[attached[0]]["Rules"]]
        assert any(b and '"RateBasedStatement"' in s for b, s in zip(blocking, statements, strict=True)), lid
        assert any(b and '"content-length"' in s for b, s in zip(blocking, statements, strict=True)), lid
        assert any(b and '"SizeConstraintStatement"' in s for b, s in zip(blocking, statements, strict=True)), lid


def test_every_log_group_is_encrypted_with_the_logs_key_and_kept_for_the_set_retention(
    resources: dict[str, Any],
) -> None:
    from infra.guardrails.log_groups import DEFAULT_LOG_RETENTION_DAYS

    groups = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    [key_id] = [lid for lid, r in resources.items() if r["Type"] == "AWS::KMS::Key" and lid.startswith("LogsKey")]
    for lid, group in groups.items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}, lid
        assert group["Properties"]["RetentionInDays"] == DEFAULT_LOG_RETENTION_DAYS, lid
        assert group["DeletionPolicy"] == "Retain", lid
    # every function (CDK's own helpers too) logs to one of them, and so does every API stage and the trail
    for lid, function in of_type(resources, "AWS::Lambda::Function").items():
        assert function["LoggingConfig"]["LogGroup"]["Ref"] in groups, lid
    for lid, stage in of_type(resources, "AWS::ApiGateway::Stage").items():
        assert stage["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0] in groups, lid
    assert the_trail(resources)["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0] in groups


def test_only_cloudwatch_logs_for_this_accounts_log_groups_may_use_the_logs_key(resources: dict[str, Any]) -> None:
    [key] = [
        r["Properties"] for lid, r in resources.items() if r["Type"] == "AWS::KMS::Key" and lid.startswith("LogsKey")
    ]
    assert key["EnableKeyRotation"]
    [statement] = [s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert json.dumps(statement["Principal"]["Service"]).startswith(
        '{"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}'
    )
    context = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert json.dumps(context).endswith('{"Ref": "AWS::AccountId"}, ":log-group:*"]]}')
    assert not any(a in ("kms:*", "kms:CreateGrant", "kms:PutKeyPolicy") for a in statement["Action"])


def test_the_log_retention_comes_from_one_setting_and_must_be_one_cloudwatch_offers() -> None:
    import aws_cdk as cdk

    from infra.guardrails.log_groups import LOG_RETENTION_CONTEXT, log_retention_days

    assert log_retention_days(cdk.App(context={LOG_RETENTION_CONTEXT: "731"})) == 731
    with pytest.raises(ValueError, match="not a retention CloudWatch Logs offers"):
        log_retention_days(cdk.App(context={LOG_RETENTION_CONTEXT: 500}))


@pytest.mark.parametrize("limit", [5_000_000, 1_000, 70_000])
def test_size_regex_is_exact_at_the_boundary(limit: int) -> None:
    import re

    pattern = re.compile(_at_least(limit))
    assert pattern.match(str(limit)) and pattern.match(str(limit * 10 + 7))
    assert not pattern.match(str(limit - 1)) and not pattern.match("0")


def test_every_rest_api_validates_requests(resources: dict[str, Any]) -> None:
    validators = {
        v["RestApiId"]["Ref"]: lid for lid, v in of_type(resources, "AWS::ApiGateway::RequestValidator").items()
    }
    assert set(of_type(resources, "AWS::ApiGateway::RestApi")) <= set(validators)
    for lid, method in of_type(resources, "AWS::ApiGateway::Method").items():
        assert method["RequestValidatorId"] == {"Ref": validators[method["RestApiId"]["Ref"]]}, lid
