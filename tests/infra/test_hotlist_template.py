"""Hotlist wiring in the deployed stack: the drop folder notifies the import queue, functions get what they use."""

from __future__ import annotations

import json
from typing import Any

from alpr import schema


def test_the_hotlist_drop_folder_notifies_the_import_queue(template: Any) -> None:
    [notifications] = [
        r["Properties"]["NotificationConfiguration"]
        for r in template.find_resources("Custom::S3BucketNotifications").values()
    ]
    prefixes = {
        rule["Value"]
        for config in notifications["QueueConfigurations"]
        for rule in config["Filter"]["Key"]["FilterRules"]
    }
    assert {prefix for prefix, _ in schema.BUCKET_NOTIFICATIONS} <= prefixes
    assert schema.BUCKET.hotlist_incoming in prefixes and schema.BUCKET.hotlists not in prefixes


def test_imports_run_one_file_at_a_time(template: Any) -> None:
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping")
    batch_sizes = [m["Properties"].get("BatchSize") for m in mappings.values()]
    assert 1 in batch_sizes


def _statements(template: Any, function_id: str) -> list[dict[str, Any]]:
    """The statements of the policy of the function whose construct id (under ``Functions``) is ``function_id``."""
    policies = template.find_resources("AWS::IAM::Policy")
    return [
        statement
        for name, policy in policies.items()
        if name.startswith(f"Functions{function_id}")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_match_function_reads_snapshots_and_the_pointer_but_changes_no_hotlist(template: Any) -> None:
    statements = _statements(template, "MatchFunction")
    assert "hotlists/snapshots/*" in json.dumps(statements)
    assert "hotlists/incoming" not in json.dumps(statements)
    on_versions = [s for s in statements if "HotlistVersionsTable" in json.dumps(s["Resource"])]
    assert on_versions and all(s["Action"] == "dynamodb:GetItem" for s in on_versions)
    on_entries = [s for s in statements if "HotlistTable" in json.dumps(s["Resource"])]
    assert on_entries and all(s["Action"] == "dynamodb:GetItem" for s in on_entries)


def test_the_change_history_is_append_only_for_the_api(template: Any) -> None:
    statements = _statements(template, "HotlistApiFunction")
    on_changes = [s for s in statements if "HotlistChangesTable" in json.dumps(s["Resource"])]
    actions = {a for s in on_changes for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"dynamodb:PutItem", "dynamodb:Query"}


def test_replaced_snapshots_expire_as_noncurrent_versions(template: Any) -> None:
    [bucket] = [
        r["Properties"]
        for r in template.find_resources("AWS::S3::Bucket").values()
        if r["Properties"].get("ObjectLockEnabled") and "aws:kms" in str(r["Properties"].get("BucketEncryption"))
    ]
    [rule] = [
        r for r in bucket["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == schema.BUCKET.hotlist_snapshots
    ]
    assert rule["Status"] == "Enabled" and rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert "ExpirationInDays" not in rule, "the snapshot in force never expires"


def test_historical_searches_run_one_job_at_a_time_from_their_queue(template: Any) -> None:
    statements = _statements(template, "HotlistSearchFunction")
    assert "HistoricalSearches" in json.dumps(statements)
    mappings = [
        m["Properties"]
        for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if "HotlistSearchFunction" in json.dumps(m["Properties"]["FunctionName"])
    ]
    assert [(m["BatchSize"], m["FunctionResponseTypes"]) for m in mappings] == [(1, ["ReportBatchItemFailures"])]


def _queue_names(template: Any) -> dict[str, str]:
    return {k: r["Properties"].get("QueueName", "") for k, r in template.find_resources("AWS::SQS::Queue").items()}


def test_every_bucket_notification_of_the_schema_reaches_its_queue(template: Any) -> None:
    """Whatever prefixes schema.BUCKET_NOTIFICATIONS names (list uploads included), S3 announces them to the
    queue the schema says, the one the local stack uses too."""
    [notifications] = [
        r["Properties"]["NotificationConfiguration"]
        for r in template.find_resources("Custom::S3BucketNotifications").values()
    ]
    names = _queue_names(template)
    routed = {
        rule["Value"]: names[config["QueueArn"]["Fn::GetAtt"][0]]
        for config in notifications["QueueConfigurations"]
        for rule in config["Filter"]["Key"]["FilterRules"]
        if rule["Name"] == "prefix"
    }
    for prefix, queue in schema.BUCKET_NOTIFICATIONS:
        assert routed.get(prefix) == queue.physical_name("alpr"), prefix
    assert routed[schema.BUCKET.hotlist_uploads] == schema.HOTLIST_EVENTS_QUEUE.physical_name("alpr")


def test_a_list_too_big_for_the_web_acls_body_rule_never_goes_through_an_api(template: Any) -> None:
    """Every web ACL runs the core rule set with SizeRestrictions_BODY in force (bodies over 8 KB blocked:
    https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html), so the API takes
    lists only up to that size in the body; larger ones go to S3 with a POST the hotlist API signs."""
    acls = template.find_resources("AWS::WAFv2::WebACL")
    assert acls
    for acl in acls.values():
        for rule in acl["Properties"]["Rules"]:
            group = rule["Statement"].get("ManagedRuleGroupStatement", {})
            if group.get("Name") == "AWSManagedRulesCommonRuleSet":
                assert "SizeRestrictions_BODY" not in json.dumps(group), "the body rule is in force, as assumed"
    assert schema.MAX_DIRECT_HOTLIST_IMPORT_BYTES <= schema.WAF_COMMON_RULES_MAX_BODY_BYTES
    assert schema.MAX_HOTLIST_UPLOAD_BYTES >= 50 * 1024 * 1024

    uploads = f"{schema.BUCKET.hotlist_uploads}*"
    # A presigned POST acts with its signer's permissions: the API may put list uploads, and no other object.
    api = _statements(template, "HotlistApiFunction")
    puts = [s for s in api if "s3:PutObject" in json.dumps(s["Action"])]
    assert any(uploads in json.dumps(s["Resource"]) for s in puts)
    assert all("frames/" not in json.dumps(s["Resource"]) for s in puts)
    importer = _statements(template, "HotlistImportFunction")
    assert any(uploads in json.dumps(s["Resource"]) and "s3:GetObject" in json.dumps(s["Action"]) for s in importer)


def test_the_page_may_post_uploads_to_the_images_bucket_and_nothing_else(template: Any) -> None:
    """A browser POSTs the file to S3 from the page's origin: the bucket's CORS rule allows exactly that."""
    [bucket] = [
        r["Properties"]
        for r in template.find_resources("AWS::S3::Bucket").values()
        if r["Properties"].get("ObjectLockEnabled") and "aws:kms" in str(r["Properties"].get("BucketEncryption"))
    ]
    [rule] = bucket["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"] and rule["AllowedOrigins"] == [schema.DEFAULT_PAGE_ORIGIN]
