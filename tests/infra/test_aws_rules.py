"""AWS's documented rules, checked on every resource of their kind in the synthesized template, so a resource
added later is held to them too (issue 13: what a review of the template against AWS's documentation found).

Each test names the rule and where AWS (or an aws-cdk issue) states it."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest


@pytest.fixture(scope="module")
def resources(template: Any) -> dict[str, Any]:
    out: dict[str, Any] = template.to_json()["Resources"]
    return out


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r.get("Properties", {}) for lid, r in resources.items() if r["Type"] == kind}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def referenced_id(value: Any) -> str:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` names."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"not a reference to a resource of this template: {value}")


def allows(statement: dict[str, Any], service: str, action: str) -> bool:
    principals = as_list(statement.get("Principal", {}).get("Service", []))
    return (
        statement.get("Effect") == "Allow"
        and service in principals
        and any(fnmatch.fnmatchcase(action, pattern) for pattern in as_list(statement.get("Action", [])))
    )


# --- finding 1: a trail's KMS key ------------------------------------------------------------------------


def test_every_trails_kms_key_lets_cloudtrail_generate_data_keys_in_its_encryption_context_and_describe_it(
    resources: dict[str, Any],
) -> None:
    """AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail" (required sections: encrypt
    with kms:GenerateDataKey* under kms:EncryptionContext:aws:cloudtrail:arn, and kms:DescribeKey); without
    them CreateTrail fails and the stack rolls back (aws/aws-cdk#3822, #23391)."""
    trails = of_type(resources, "AWS::CloudTrail::Trail")
    assert trails
    for trail_id, trail in trails.items():
        if "KMSKeyId" not in trail:
            continue
        key = resources[referenced_id(trail["KMSKeyId"])]["Properties"]
        statements = key["KeyPolicy"]["Statement"]
        encrypt = [s for s in statements if allows(s, "cloudtrail.amazonaws.com", "kms:GenerateDataKey")]
        assert encrypt, f"{trail_id}: CloudTrail may not generate data keys with its key"
        for statement in encrypt:
            context = statement.get("Condition", {}).get("StringLike", {})
            assert "kms:EncryptionContext:aws:cloudtrail:arn" in context, statement
        assert any(allows(s, "cloudtrail.amazonaws.com", "kms:DescribeKey") for s in statements), trail_id


# --- finding 2: a failed first deploy leaves nothing that stops the second --------------------------------


def test_no_resource_is_retained_when_the_create_that_made_it_rolls_back(resources: dict[str, Any]) -> None:
    """``DeletionPolicy: Retain`` keeps what a failed first create made (fixed-name tables then stop the retry
    with "already exists"); ``RetainExceptOnCreate`` keeps records on delete and replacement but lets a rollback
    of the create remove them (AWS CloudFormation User Guide, DeletionPolicy attribute)."""
    retained = {lid: r["DeletionPolicy"] for lid, r in resources.items() if r.get("DeletionPolicy") == "Retain"}
    assert not retained
    kept = [lid for lid, r in resources.items() if r.get("DeletionPolicy") == "RetainExceptOnCreate"]
    tables = of_type(resources, "AWS::DynamoDB::Table")
    assert set(tables) <= set(kept), "every table is kept when the stack is deleted"


def test_no_table_is_deletion_protected_unless_the_deployer_turns_it_on(resources: dict[str, Any]) -> None:
    """CloudFormation cannot delete a deletion-protected table, so a rollback of the first create would leave
    it behind (aws/aws-cdk#24581's integration test must switch protection off to delete its stack)."""
    for lid, table in of_type(resources, "AWS::DynamoDB::Table").items():
        assert not table.get("DeletionProtectionEnabled"), lid


def test_table_deletion_protection_is_one_context_switch() -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from alpr import schema
    from infra.core.data import TABLE_DELETION_PROTECTION_CONTEXT, DataPlane

    app = cdk.App(context={TABLE_DELETION_PROTECTION_CONTEXT: "true"})
    stack = cdk.Stack(app, "Protected")
    DataPlane(stack, "Data", prefix="alpr")
    tables = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table")
    assert len(tables) == len(schema.TABLES)
    assert all(t["Properties"]["DeletionProtectionEnabled"] is True for t in tables.values())


# --- finding 8: SQS visibility timeouts -------------------------------------------------------------------


def event_sources(resources: dict[str, Any], kind: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(event source mapping, the resource its EventSourceArn names) for every mapping on a ``kind`` source."""
    found = []
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        source = mapping["EventSourceArn"]
        source_id = referenced_id(source)
        if resources[source_id]["Type"] == kind:
            found.append((mapping, resources[source_id]))
    return found


def test_every_sqs_event_source_queue_stays_invisible_six_times_its_functions_timeout(
    resources: dict[str, Any],
) -> None:
    """Lambda Developer Guide, "Creating and configuring an Amazon SQS event source mapping": set the queue's
    visibility timeout to at least six times the function's timeout (retries while throttled)."""
    mappings = event_sources(resources, "AWS::SQS::Queue")
    assert len(mappings) >= 6
    for mapping, queue in mappings:
        function = resources[referenced_id(mapping["FunctionName"])]["Properties"]
        visibility = queue["Properties"].get("VisibilityTimeout", 30)
        assert visibility >= 6 * function["Timeout"], (function["FunctionName"], visibility, function["Timeout"])


# --- finding 9: concurrency ------------------------------------------------------------------------------

# AWS keeps at least 100 concurrent executions unreserved; 1,000 is the default account limit (Lambda Developer
# Guide, "Lambda quotas" and "Configuring reserved concurrency").
DEFAULT_ACCOUNT_CONCURRENCY = 1000
MINIMUM_UNRESERVED = 100


def test_every_sqs_event_source_caps_its_concurrency(resources: dict[str, Any]) -> None:
    """An OCR burst (or any queue's) must not take the account's concurrency: every SQS mapping sets
    ScalingConfig.MaximumConcurrency (2 to 1000; Lambda Developer Guide, "Configuring maximum concurrency for
    Amazon SQS event sources")."""
    for mapping, _ in event_sources(resources, "AWS::SQS::Queue"):
        maximum = mapping.get("ScalingConfig", {}).get("MaximumConcurrency")
        assert maximum is not None and 2 <= maximum <= 1000, mapping


def test_cameras_and_staff_have_concurrency_of_their_own_within_what_aws_allows(resources: dict[str, Any]) -> None:
    from alpr import schema

    functions = {f.get("FunctionName"): f for f in of_type(resources, "AWS::Lambda::Function").values()}
    for spec in (schema.INGEST_FUNCTION, schema.SEARCH_FUNCTION):
        assert functions[f"alpr-{spec.name}"].get("ReservedConcurrentExecutions", 0) > 0, spec.name
    reserved = sum(f.get("ReservedConcurrentExecutions", 0) for f in functions.values())
    assert reserved <= DEFAULT_ACCOUNT_CONCURRENCY - MINIMUM_UNRESERVED


# --- finding 4: held evidence and the images bucket's lifecycle -------------------------------------------

EVIDENCE_AREAS = ("frames/", "evidence/")


def lifecycle_rules(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, rule)
        for lid, bucket in of_type(resources, "AWS::S3::Bucket").items()
        if bucket.get("ObjectLockEnabled")
        for rule in bucket.get("LifecycleConfiguration", {}).get("Rules", [])
    ]


def rule_prefix(rule: dict[str, Any]) -> str:
    return str(rule.get("Prefix", rule.get("Filter", {}).get("Prefix", "")))


def test_no_lifecycle_rule_expires_current_versions_under_frames_or_evidence(resources: dict[str, Any]) -> None:
    """Amazon S3 User Guide, "Expiring objects": on a versioning-enabled bucket Expiration adds a delete marker
    to the current version; Object Lock (a legal hold) protects versions from deletion, not keys from a delete
    marker. So no rule that can reach frames/ or evidence/ may expire current versions."""
    rules = lifecycle_rules(resources)
    assert rules
    for bucket, rule in rules:
        prefix = rule_prefix(rule)
        reaches = any(area.startswith(prefix) or prefix.startswith(area) for area in EVIDENCE_AREAS)
        if reaches and rule.get("Status", "Enabled") == "Enabled":
            assert "ExpirationInDays" not in rule and "ExpirationDate" not in rule, (bucket, rule)


def apply_lifecycle(rules: list[dict[str, Any]], key: str, versions: list[dict[str, Any]], day: int) -> None:
    """S3's lifecycle actions on one key's versions (newest last) on ``day``, as the S3 User Guide describes
    them: Expiration puts a delete marker on a current version older than its days (a legal hold does not stop
    it); NoncurrentVersionExpiration permanently removes versions noncurrent that long, except locked ones
    (Object Lock: "lifecycle ... can't delete a locked object version"); ExpiredObjectDeleteMarker removes a
    delete marker that is the only version left."""
    for rule in rules:
        if not key.startswith(rule_prefix(rule)):
            continue
        current = versions[-1] if versions else None
        days = rule.get("ExpirationInDays")
        if current and not current["marker"] and days is not None and day - current["created"] >= days:
            current["noncurrent_since"] = day
            versions.append({"marker": True, "created": day, "held": False})
        noncurrent = rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
        if noncurrent is not None:
            versions[:-1] = [v for v in versions[:-1] if v["held"] or day - v.get("noncurrent_since", day) < noncurrent]
        if rule.get("ExpiredObjectDeleteMarker") and len(versions) == 1 and versions[0]["marker"]:
            versions.clear()


@pytest.mark.parametrize("source", ["fixed", "axon", "vehicle"])
def test_a_held_frame_stays_readable_by_key_long_past_its_classs_purge_age(
    resources: dict[str, Any], source: str
) -> None:
    from alpr import schema

    key = schema.BUCKET.frame_key(source, "cam-1", "2026/10/01", "frame-1", "jpg")
    past = schema.RETENTION[schema.SourceClass(source)].purge_after_days + 60
    rules = [rule for _, rule in lifecycle_rules(resources)]
    versions = [{"marker": False, "created": 0, "held": True}]
    for day in range(past):
        apply_lifecycle(rules, key, versions, day)
    assert versions and not versions[-1]["marker"], "GET by key of the held frame would be 404"
    # The check can fail: the rule the review found (Expiration a day after the purge) hides the held frame.
    old_rule = {
        "Prefix": f"frames/{source}/",
        "ExpirationInDays": past - 59,
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
    }
    versions = [{"marker": False, "created": 0, "held": True}]
    for day in range(past):
        apply_lifecycle([old_rule], key, versions, day)
    assert versions[-1]["marker"]


# --- finding 5: frames reach the page and agencies as binary ----------------------------------------------


def test_every_rest_api_returns_binary_bodies_to_clients_that_accept_anything(resources: dict[str, Any]) -> None:
    """API Gateway converts a Lambda proxy's base64 body to binary only if the request's Accept header matches a
    binary media type (API Gateway Developer Guide, "Content type conversions in API Gateway"); browsers and
    HTTP clients send "Accept: */*", so "*/*" must be listed on every API, or a frame comes back as base64 text."""
    apis = of_type(resources, "AWS::ApiGateway::RestApi")
    assert len(apis) >= 3
    for lid, api in apis.items():
        assert "*/*" in api.get("BinaryMediaTypes", []), lid


# --- finding 11: backups do not outlive the policy --------------------------------------------------------


def test_every_table_keeps_point_in_time_backups_no_longer_than_seven_days(resources: dict[str, Any]) -> None:
    """Point-in-time recovery keeps 35 days unless RecoveryPeriodInDays says otherwise (DynamoDB Developer
    Guide, "Point-in-time recovery"; AWS::DynamoDB::Table PointInTimeRecoverySpecification): a read purged on
    day 30 would stay restorable to day 65. Every table here holds or indexes plate data, or may one day."""
    from alpr import schema

    tables = of_type(resources, "AWS::DynamoDB::Table")
    for lid, table in tables.items():
        pitr = table["PointInTimeRecoverySpecification"]
        assert pitr["PointInTimeRecoveryEnabled"] is True, lid
        assert 1 <= pitr.get("RecoveryPeriodInDays", 35) <= 7, lid
        assert pitr["RecoveryPeriodInDays"] == schema.BACKUP_RECOVERY_DAYS


# --- finding 10: failures are kept 14 days ----------------------------------------------------------------

FOURTEEN_DAYS_S = 14 * 24 * 3600


def failure_queue_ids(resources: dict[str, Any]) -> set[str]:
    """Every queue a service parks failures in: redrive targets, event sources' on-failure destinations,
    EventBridge targets' and async functions' dead-letter queues."""
    found: set[str] = set()
    for queue in of_type(resources, "AWS::SQS::Queue").values():
        if "RedrivePolicy" in queue:
            found.add(referenced_id(queue["RedrivePolicy"]["deadLetterTargetArn"]))
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination and resources[referenced_id(destination)]["Type"] == "AWS::SQS::Queue":
            found.add(referenced_id(destination))
    # Failed stream records are kept in S3 and announced to a queue (the stream-failures one).
    for notifications in of_type(resources, "Custom::S3BucketNotifications").values():
        for config in notifications["NotificationConfiguration"].get("QueueConfigurations", []):
            if any(r["Value"] == "aws/lambda/" for r in config["Filter"]["Key"]["FilterRules"]):
                found.add(referenced_id(config["QueueArn"]))
    for rule in of_type(resources, "AWS::Events::Rule").values():
        for target in rule.get("Targets", []):
            if "DeadLetterConfig" in target:
                found.add(referenced_id(target["DeadLetterConfig"]["Arn"]))
    for function in of_type(resources, "AWS::Lambda::Function").values():
        if "DeadLetterConfig" in function:
            found.add(referenced_id(function["DeadLetterConfig"]["TargetArn"]))
    return found


def lifecycle_days(bucket: dict[str, Any], key: str) -> int | None:
    """The fewest days after which a lifecycle rule of the bucket expires the current version of ``key``."""
    days = [
        rule["ExpirationInDays"]
        for rule in bucket.get("LifecycleConfiguration", {}).get("Rules", [])
        if rule.get("Status") == "Enabled" and key.startswith(rule.get("Prefix", "")) and "ExpirationInDays" in rule
    ]
    return min(days) if days else None


def test_every_stream_event_source_keeps_its_failed_records_fourteen_days_with_their_data(
    resources: dict[str, Any],
) -> None:
    """A DynamoDB or Kinesis stream keeps a record 24 hours. An SQS or SNS on-failure destination of a stream event
    source mapping receives only the batch's metadata (shard, sequence numbers); "for Amazon S3 destinations,
    Lambda also sends the entire invocation record along with the metadata" (AWS Lambda Developer Guide, "Retaining
    discarded records for a DynamoDB event source in Lambda"; CloudFormation, AWS::Lambda::EventSourceMapping
    OnFailure: SNS, SQS or S3 for Kinesis and DynamoDB). So every stream mapping fails to a bucket that keeps
    Lambda's records (aws/lambda/...) at least 14 days, announces them to a 14-day queue, and the function's role
    may write them."""
    from alpr import schema

    streams = {
        lid: m
        for lid, m in of_type(resources, "AWS::Lambda::EventSourceMapping").items()
        if ":dynamodb:" in str(m["EventSourceArn"])
        or ":kinesis:" in str(m["EventSourceArn"])
        or "StreamArn" in str(m["EventSourceArn"])
    }
    assert len(streams) >= 2
    notifications = [
        r["NotificationConfiguration"] for r in of_type(resources, "Custom::S3BucketNotifications").values()
    ]
    key = f"{schema.BUCKET.stream_failures}11111111-2222-3333-4444-555555555555/shardId-1/2026/01/01/x"
    for lid, mapping in streams.items():
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        assert destination is not None, f"{lid}: no on-failure destination"
        bucket_id = referenced_id(destination)
        assert resources[bucket_id]["Type"] == "AWS::S3::Bucket", f"{lid}: only an S3 destination keeps the records"
        kept = lifecycle_days(resources[bucket_id]["Properties"], key)
        assert kept is None or kept >= 14, f"{lid}: failed records expire after {kept} days"
        announced = [
            referenced_id(config["QueueArn"])
            for n in notifications
            for config in n.get("QueueConfigurations", [])
            if any(r["Value"] == schema.BUCKET.stream_failures for r in config["Filter"]["Key"]["FilterRules"])
        ]
        assert announced, f"{lid}: nobody is told of a failed record"
        for queue in announced:
            assert resources[queue]["Properties"].get("MessageRetentionPeriod") == FOURTEEN_DAYS_S
        function = referenced_id(mapping["FunctionName"])
        role = referenced_id(resources[function]["Properties"]["Role"])
        granted = [
            statement
            for policy in of_type(resources, "AWS::IAM::Policy").values()
            if role in [referenced_id(r) for r in policy["Roles"]]
            for statement in policy["PolicyDocument"]["Statement"]
            if "s3:PutObject" in as_list(statement["Action"])
            and any(
                schema.BUCKET.stream_failures in str(r) and bucket_id in str(r) for r in as_list(statement["Resource"])
            )
        ]
        assert granted, f"{lid}: the function's role may not write its failed records"


def test_every_failure_queue_keeps_messages_fourteen_days(resources: dict[str, Any]) -> None:
    """SQS keeps a message 4 days unless MessageRetentionPeriod says otherwise (14 days at most: Amazon SQS
    Developer Guide, "Amazon SQS message quotas"); a failure must be listable and replayable for two weeks."""
    failures = failure_queue_ids(resources)
    assert len(failures) >= 8
    for lid in failures:
        assert resources[lid]["Properties"].get("MessageRetentionPeriod") == FOURTEEN_DAYS_S, lid


def test_eventbridge_may_use_the_key_of_every_encrypted_dead_letter_queue_it_writes(
    resources: dict[str, Any],
) -> None:
    """EventBridge sends a refused event to the target's DLQ itself: the queue's KMS key must let
    events.amazonaws.com GenerateDataKey and Decrypt (Amazon SQS Developer Guide, "Configuring AWS KMS
    permissions" for AWS services that send to encrypted queues)."""
    rules = of_type(resources, "AWS::Events::Rule")
    dlqs = [
        referenced_id(t["DeadLetterConfig"]["Arn"])
        for r in rules.values()
        for t in r.get("Targets", [])
        if "DeadLetterConfig" in t
    ]
    assert dlqs
    for lid in dlqs:
        key_ref = resources[lid]["Properties"].get("KmsMasterKeyId")
        if key_ref is None or isinstance(key_ref, str):
            continue  # SQS-owned or AWS-managed encryption
        statements = resources[referenced_id(key_ref)]["Properties"]["KeyPolicy"]["Statement"]
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            assert any(allows(s, "events.amazonaws.com", action) for s in statements), (lid, action)


# --- finding 14 (smaller ones) ----------------------------------------------------------------------------


def test_no_user_pool_client_offers_the_hosted_ui_grants(resources: dict[str, Any]) -> None:
    """CDK's UserPoolClient enables the implicit and code grants with an https://example.com callback unless
    OAuth is disabled (aws-cdk-lib aws_cognito UserPoolClientOptions.oAuth defaults); the page signs in with
    InitiateAuth."""
    for lid, client in of_type(resources, "AWS::Cognito::UserPoolClient").items():
        assert not client.get("AllowedOAuthFlows") and not client.get("CallbackURLs"), lid


def test_every_logging_stage_waits_for_the_accounts_cloudwatch_role(resources: dict[str, Any]) -> None:
    """A stage with execution logging fails until the account's API Gateway CloudWatch role is set (API Gateway
    Developer Guide, "Set up CloudWatch logging for REST APIs")."""
    accounts = set(of_type(resources, "AWS::ApiGateway::Account"))
    assert accounts
    for lid, resource in resources.items():
        if resource["Type"] != "AWS::ApiGateway::Stage":
            continue
        logging = any(m.get("LoggingLevel") for m in resource["Properties"].get("MethodSettings", []))
        if logging:
            assert accounts <= set(as_list(resource.get("DependsOn", []))), lid


def test_every_bucket_that_receives_trail_logs_has_object_lock(resources: dict[str, Any]) -> None:
    for lid, trail in of_type(resources, "AWS::CloudTrail::Trail").items():
        bucket = resources[referenced_id(trail["S3BucketName"])]["Properties"]
        assert bucket.get("ObjectLockEnabled") is True, lid


# --- finding 7: readers of a DynamoDB stream --------------------------------------------------------------


def test_no_dynamodb_stream_has_more_than_two_event_source_readers(resources: dict[str, Any]) -> None:
    """DynamoDB Streams: "no more than two processes at most should be reading from the same streams shard at
    the same time"; beyond that GetRecords is throttled (DynamoDB Developer Guide, "DynamoDB Streams";
    LimitExceededException / ThrottlingException in the DynamoDB Streams API reference)."""
    readers: dict[str, int] = {}
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        source = mapping["EventSourceArn"]
        if isinstance(source, dict) and "Fn::GetAtt" in source and source["Fn::GetAtt"][1] == "StreamArn":
            readers[source["Fn::GetAtt"][0]] = readers.get(source["Fn::GetAtt"][0], 0) + 1
    assert readers, "the reads stream has readers"
    assert all(count <= 2 for count in readers.values()), readers
