"""The deployed stack has every property the foundation issue lists, built from the shared schema."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk.assertions import Match

from alpr import schema
from alpr.config import Settings
from infra.core.functions import Functions, _EveryNeedProvided


def resources(template: Any, kind: str) -> dict[str, Any]:
    return template.find_resources(kind)


def images_bucket(template: Any) -> dict[str, Any]:
    buckets = resources(template, "AWS::S3::Bucket")
    [bucket] = [
        b
        for b in buckets.values()
        if b["Properties"].get("ObjectLockEnabled") and "aws:kms" in str(b["Properties"].get("BucketEncryption"))
    ]
    return bucket["Properties"]


def test_images_bucket_has_object_lock_versioning_kms_and_no_public_access(template: Any) -> None:
    bucket = images_bucket(template)
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_every_bucket_refuses_plain_http(template: Any) -> None:
    policies = resources(template, "AWS::S3::BucketPolicy")
    assert len(policies) == len(resources(template, "AWS::S3::Bucket"))
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in statements
        )


def test_lifecycle_cleans_what_the_purge_leaves_under_frames(template: Any) -> None:
    rules = {r["Id"]: r for r in images_bucket(template)["LifecycleConfiguration"]["Rules"]}
    frames = rules["frames-noncurrent-versions"]
    assert frames["Prefix"] == schema.BUCKET.frames
    assert frames["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert frames["ExpiredObjectDeleteMarker"] is True


def test_tables_come_from_the_schema(template: Any) -> None:
    tables = {
        t["Properties"]["TableName"]: t["Properties"] for t in resources(template, "AWS::DynamoDB::Table").values()
    }
    assert set(tables) == {t.physical_name("alpr") for t in schema.TABLES}
    for table in schema.TABLES:
        props = tables[table.physical_name("alpr")]
        assert props["KeySchema"][0] == {"AttributeName": table.partition.name, "KeyType": "HASH"}
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert {i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])} == {i.name for i in table.indexes}
        if table.ttl_attribute:
            assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
        assert ("StreamSpecification" in props) == table.stream


def test_ttl_on_reads_and_alerts(template: Any) -> None:
    assert schema.READS.ttl_attribute == schema.ALERTS.ttl_attribute == "expires_at"
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"TableName": "alpr-reads", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True}},
    )


def test_five_functions_plus_upload_checker(template: Any) -> None:
    names = {
        f["Properties"]["FunctionName"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if "FunctionName" in f["Properties"]
    }
    assert {f"alpr-{s.name}" for s in schema.FUNCTIONS} <= names
    ocr = next(
        f
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("FunctionName") == "alpr-ocr"
    )
    assert ocr["Properties"]["PackageType"] == "Image"


def test_no_wildcard_actions_on_data(template: Any) -> None:
    for policy in resources(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                assert action not in {"*", "s3:*", "dynamodb:*", "sns:*", "sqs:*"}, statement


def test_event_wiring(template: Any) -> None:
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "EventSourceArn": Match.any_value(),
            "StartingPosition": "TRIM_HORIZON",
            "BisectBatchOnFunctionError": True,
            "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        },
    )
    template.has_resource_properties("AWS::SNS::Topic", {"TopicName": "alpr-alerts"})
    queues = [q["Properties"] for q in resources(template, "AWS::SQS::Queue").values()]
    redriven = [q for q in queues if "RedrivePolicy" in q]
    assert len(redriven) == len(schema.QUEUES)
    assert all(q.get("KmsMasterKeyId") for q in queues)


def test_ingest_api_accepts_binary_frames(template: Any) -> None:
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "alpr-ingest", "BinaryMediaTypes": ["*/*"]})
    template.has_resource_properties("AWS::ApiGateway::Method", {"HttpMethod": "POST"})


def test_keys_rotate(template: Any) -> None:
    keys = resources(template, "AWS::KMS::Key")
    assert keys and all(k["Properties"]["EnableKeyRotation"] for k in keys.values())


def test_daily_purge_with_invocation_dead_letters(template: Any) -> None:
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": Match.string_like_regexp("cron"),
            "Targets": Match.array_with([Match.object_like({"DeadLetterConfig": Match.any_value()})]),
        },
    )


def test_asynchronously_invoked_functions_have_dead_letter_queues(template: Any) -> None:
    functions = {
        f["Properties"].get("FunctionName"): f["Properties"]
        for f in resources(template, "AWS::Lambda::Function").values()
    }
    for spec in schema.FUNCTIONS:
        has_dlq = "DeadLetterConfig" in functions[f"alpr-{spec.name}"]
        assert has_dlq == spec.invoked_async, spec.name


def _table_actions_by_role(template: Any, table_logical_prefix: str) -> dict[str, set[str]]:
    """Role logical id -> DynamoDB actions it has on the table whose logical id starts with the prefix."""
    granted: dict[str, set[str]] = {}
    for policy in resources(template, "AWS::IAM::Policy").values():
        roles = [r["Ref"] for r in policy["Properties"].get("Roles", [])]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if not any(table_logical_prefix in str(t) for t in targets):
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for role in roles:
                granted.setdefault(role, set()).update(a for a in actions if a.startswith("dynamodb:"))
    return granted


def test_every_access_log_writer_can_extend_the_hash_chain(template: Any) -> None:
    writers = {
        role
        for role, actions in _table_actions_by_role(template, "AccessLogTable").items()
        if "dynamodb:PutItem" in actions
    }
    chain = _table_actions_by_role(template, "AccessChainHeadsTable")
    assert writers, "no function writes access records"
    for role in writers:
        assert "dynamodb:UpdateItem" in chain.get(role, set()), f"{role} writes access records outside the chain"


def test_each_function_is_deployed_with_exactly_the_variables_declared_for_it(template: Any) -> None:
    """schema.function_environment: every function's settings, its own fixed values, and a variable the stack
    sets from a resource it creates (the user pool, the purge function) on the functions that need it, no other."""
    deployed = {
        f["Properties"]["FunctionName"]: f["Properties"]["Environment"]["Variables"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if str(f["Properties"].get("FunctionName", "")).startswith("alpr-")
    }
    for spec in schema.FUNCTIONS:
        variables = deployed[f"alpr-{spec.name}"]
        assert set(variables) == {v.value for v in schema.function_environment(spec)}, spec.name
        assert variables[schema.Env.PREFIX] == "alpr"
        assert variables[schema.Env.POWERTOOLS_SERVICE_NAME] == spec.name
        for variable, value in spec.environment.items():
            assert variables[variable] == value, spec.name
    assert deployed["alpr-retention-api"][schema.Env.PURGE_FUNCTION] == "alpr-purge"
    assert deployed["alpr-transparency"][schema.Env.TRANSPARENCY_CACHE_S] == "900"


def test_a_need_nothing_provides_fails_synthesis() -> None:
    missing = _EveryNeedProvided({(schema.RETENTION_API_FUNCTION.name, schema.Env.PURGE_FUNCTION)}).validate()
    assert missing == [
        "search needs ALPR_USER_POOL_CLIENT_ID: nothing called Functions.provide with it",
        "search needs ALPR_USER_POOL_ID: nothing called Functions.provide with it",
        "admin-api needs ALPR_USER_POOL_ID: nothing called Functions.provide with it",
    ]


def test_a_variable_no_function_needs_is_refused() -> None:
    with pytest.raises(ValueError, match="no function is declared to need ALPR_HOTLIST_REFRESH_S"):
        Functions.provide(SimpleNamespace(_functions={}, _provided=set()), Settings(hotlist_refresh_s=5))  # type: ignore[arg-type]
