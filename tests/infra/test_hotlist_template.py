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
        if r["Properties"].get("ObjectLockEnabled")
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
