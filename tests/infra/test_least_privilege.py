"""Least privilege, proven on the synthesized template: every IAM policy is parsed and mapped to its function
(infra/guardrails/policy_audit.py), so functions added later are checked by the same rules (policy 418.6)."""

from __future__ import annotations

from typing import Any

import pytest

from alpr import schema
from infra.guardrails.policy_audit import DELETE_ACTIONS, PolicyAudit

# The reviewed data-plane grants of each pipeline function (KMS and X-Ray left out; "/index/*" folded into
# its table). A change here is a permission change: it needs a reviewer, which is why this list is explicit.
REVIEWED_GRANTS: dict[str, set[str]] = {
    "ingest": {
        "dynamodb:GetItem table:alpr-cameras",
        "dynamodb:GetItem table:alpr-frames",
        "dynamodb:PutItem table:alpr-frames",
        # camera health (issue 17): an accepted frame or a heartbeat updates the camera's one item
        "dynamodb:GetItem table:alpr-camera-health",
        "dynamodb:UpdateItem table:alpr-camera-health",
        "s3:GetObject images/frames/*",
        "s3:PutObject images/frames/*",
        "s3:PutObject images/uploads/*",
    },
    "ingest-uploads": {
        "dynamodb:GetItem table:alpr-cameras",
        "dynamodb:GetItem table:alpr-frames",
        "dynamodb:PutItem table:alpr-frames",
        "dynamodb:GetItem table:alpr-camera-health",
        "dynamodb:UpdateItem table:alpr-camera-health",
        "s3:GetObject images/frames/*",
        "s3:PutObject images/frames/*",
        "s3:GetObject images/uploads/*",
        "s3:DeleteObject images/uploads/*",
        "sqs:ReceiveMessage queue:alpr-upload-events",
        "sqs:ChangeMessageVisibility queue:alpr-upload-events",
        "sqs:DeleteMessage queue:alpr-upload-events",
        "sqs:GetQueueAttributes queue:alpr-upload-events",
        "sqs:GetQueueUrl queue:alpr-upload-events",
    },
    "ocr": {
        "dynamodb:GetItem table:alpr-frames",
        "dynamodb:PutItem table:alpr-frames",
        "dynamodb:UpdateItem table:alpr-frames",
        "dynamodb:PutItem table:alpr-reads",
        "dynamodb:UpdateItem table:alpr-reads",  # links a read to its sighting
        "dynamodb:GetItem table:alpr-sightings",
        "dynamodb:PutItem table:alpr-sightings",
        "dynamodb:Query table:alpr-sightings",
        "dynamodb:GetItem table:alpr-idempotency",
        "dynamodb:PutItem table:alpr-idempotency",
        "dynamodb:UpdateItem table:alpr-idempotency",
        "dynamodb:DeleteItem table:alpr-idempotency",
        "s3:GetObject images/frames/*",
        "sqs:ReceiveMessage queue:alpr-frame-events",
        "sqs:ChangeMessageVisibility queue:alpr-frame-events",
        "sqs:DeleteMessage queue:alpr-frame-events",
        "sqs:GetQueueAttributes queue:alpr-frame-events",
        "sqs:GetQueueUrl queue:alpr-frame-events",
    },
    "match": {
        "dynamodb:DescribeStream table:alpr-reads",
        "dynamodb:GetRecords table:alpr-reads",
        "dynamodb:GetShardIterator table:alpr-reads",
        "dynamodb:ListStreams *",
        "dynamodb:GetItem table:alpr-hotlist",
        "dynamodb:GetItem table:alpr-hotlist-versions",  # the pointer to the lists in force
        "s3:GetObject images/hotlists/snapshots/*",  # the compact matcher's snapshots
        "dynamodb:GetItem table:alpr-alert-mutes",
        "dynamodb:GetItem table:alpr-alerts",
        "dynamodb:PutItem table:alpr-alerts",
        "dynamodb:GetItem table:alpr-sightings",  # a sighting's consensus plate is matched too
        "s3:GetObject images/frames/*",
        "sns:Publish topic:alpr-alerts",
        # a record it gives up on, with its data, where the on-failure destination keeps it (finding 10)
        "s3:PutObject images/aws/lambda/*",
        "s3:ListBucket images",
        # new vehicle reads are queued for NCRIC by the stream's match reader (issue 13, finding 7)
        "sqs:SendMessage queue:alpr-ncric-forward",
        "sqs:GetQueueAttributes queue:alpr-ncric-forward",
        "sqs:GetQueueUrl queue:alpr-ncric-forward",
    },
    # Historical hotlist searches: reads the reads (scan only) and writes hits; deletes nothing.
    "hotlist-search": {
        "dynamodb:GetItem table:alpr-hotlist",
        "dynamodb:Scan table:alpr-reads",
        "dynamodb:PutItem table:alpr-alerts",
        "dynamodb:GetItem table:alpr-historical-searches",
        "dynamodb:UpdateItem table:alpr-historical-searches",
        "sqs:ReceiveMessage queue:alpr-historical-searches",
        "sqs:ChangeMessageVisibility queue:alpr-historical-searches",
        "sqs:DeleteMessage queue:alpr-historical-searches",
        "sqs:GetQueueAttributes queue:alpr-historical-searches",
        "sqs:GetQueueUrl queue:alpr-historical-searches",
        "sqs:SendMessage queue:alpr-historical-searches",  # a job short of time queues its continuation
    },
    # ALPR administration (418.3.1(e), 418.4(d), 418.6): appends to the administration log, keeps the camera
    # registry and training records, marks corrected reads, lists members, queues error reports for NCRIC.
    "admin-api": {
        "dynamodb:PutItem table:alpr-admin-log",
        "dynamodb:GetItem table:alpr-admin-log",
        "dynamodb:Query table:alpr-admin-log",
        "dynamodb:GetItem table:alpr-cameras",
        "dynamodb:PutItem table:alpr-cameras",
        "dynamodb:Scan table:alpr-cameras",
        "dynamodb:Scan table:alpr-camera-health",  # the Administration view's camera-health panel
        "dynamodb:GetItem table:alpr-training",
        "dynamodb:PutItem table:alpr-training",
        "dynamodb:Scan table:alpr-training",
        "dynamodb:GetItem table:alpr-reads",
        "dynamodb:UpdateItem table:alpr-reads",  # marks the read corrected; the plate as read stays
        "dynamodb:PutItem table:alpr-access-log",
        "dynamodb:GetItem table:alpr-access-chain-heads",
        "dynamodb:UpdateItem table:alpr-access-chain-heads",
        "cognito-idp:ListUsersInGroup userpool:alpr-staff",
        "sqs:SendMessage queue:alpr-ncric-forward",
        "sqs:GetQueueAttributes queue:alpr-ncric-forward",
        "sqs:GetQueueUrl queue:alpr-ncric-forward",
    },
}


@pytest.fixture(scope="module")
def audit(template: Any) -> PolicyAudit:
    return PolicyAudit(template.to_json())


def images_bucket(audit: PolicyAudit) -> str:
    [bucket] = [
        lid
        for lid, r in audit.resources.items()
        if r["Properties"].get("ObjectLockEnabled") and "aws:kms" in str(r["Properties"].get("BucketEncryption"))
    ]
    return f"bucket:{bucket}"


def data_plane(audit: PolicyAudit, function: str) -> set[str]:
    images = images_bucket(audit)
    return {
        f"{action} {resource.removesuffix('/index/*').replace(images, 'images')}"
        for action, resource in audit.of(function)
        if not action.startswith(("kms:", "xray:"))
    }


def test_every_principal_passes_the_least_privilege_rules(audit: PolicyAudit) -> None:
    assert {f.name for f in schema.FUNCTIONS} <= audit.principals  # every function's policy was found
    assert audit.violations() == []


@pytest.mark.parametrize("function", sorted(REVIEWED_GRANTS))
def test_pipeline_functions_have_exactly_the_reviewed_grants(audit: PolicyAudit, function: str) -> None:
    assert data_plane(audit, function) == REVIEWED_GRANTS[function]


def test_ingest_cannot_read_reads_alerts_or_hotlists(audit: PolicyAudit) -> None:
    for function in ("ingest", "ingest-uploads"):
        for table in (schema.READS, schema.ALERTS, schema.HOTLIST, schema.ACCESS_LOG):
            for action in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"):
                assert not audit.can(function, action, audit.table(table)), (function, action, table)


def test_nothing_but_purge_can_delete_images(audit: PolicyAudit) -> None:
    for area in (schema.BUCKET.frames, schema.BUCKET.evidence):
        image = f"{images_bucket(audit)}/{area}x.jpg"
        assert audit.who_can(DELETE_ACTIONS, image) <= {"purge"}, area
    assert audit.can("purge", "s3:DeleteObjectVersion", f"{images_bucket(audit)}/{schema.BUCKET.frames}x.jpg")


def test_readers_cannot_delete_or_change(audit: PolicyAudit) -> None:
    readers = {"search", "share"} & audit.principals
    assert readers, "no read-only function found"
    for reader in readers:
        for table in (schema.READS, schema.ALERTS, schema.HOTLIST, schema.FRAMES):
            for action in ("dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:BatchWriteItem"):
                assert not audit.can(reader, action, audit.table(table)), (reader, action, table)


def test_nobody_can_update_or_delete_access_records(audit: PolicyAudit) -> None:
    access = audit.table(schema.ACCESS_LOG)
    changes = ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate")
    assert audit.who_can(changes, access) == set()


def test_a_widened_grant_is_caught() -> None:
    """The rules are not vacuous: widen three grants on a copy of the stack and each is reported."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stack import AlprStack

    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    stack = AlprStack(app, "WidenedStack", prefix="alpr")
    functions = stack.functions
    stack.data.table(schema.READS).grant_read_data(functions.of(schema.INGEST_FUNCTION))
    stack.data.images.grant_delete(functions.of(schema.SHARE_FUNCTION))
    stack.data.table(schema.ACCESS_LOG).grant_read_write_data(functions.of(schema.MATCH_FUNCTION))
    violations = "\n".join(PolicyAudit(dict(Template.from_stack(stack).to_json())).violations())
    assert "ingest may dynamodb:GetItem on table:alpr-reads" in violations
    assert "share may delete" in violations
    assert "match may dynamodb:DeleteItem on append-only table:alpr-access-log" in violations


def test_the_historical_search_may_read_reads_and_write_hits_but_delete_nothing(audit: PolicyAudit) -> None:
    search, reads, alerts = "hotlist-search", audit.table(schema.READS), audit.table(schema.ALERTS)
    assert audit.can(search, "dynamodb:Scan", reads) and audit.can(search, "dynamodb:PutItem", alerts)
    for table in schema.TABLES:
        for action in (*DELETE_ACTIONS, "dynamodb:PutItem", "dynamodb:UpdateItem"):
            if table not in (schema.ALERTS, schema.HISTORICAL_SEARCHES):
                assert not audit.can(search, action, audit.table(table)), (action, table.logical_name)
    assert not audit.can(search, "dynamodb:UpdateItem", alerts), "hits are added, never rewritten"
    bucket = images_bucket(audit)
    assert not {a for a, r in audit.of(search) if r.startswith(bucket) or a.startswith("s3:")}


def test_the_hotlist_functions_delete_old_snapshots_and_no_other_object(audit: PolicyAudit) -> None:
    bucket = images_bucket(audit)
    for function in ("hotlist-import", "hotlist-api"):
        deletes = {r for a, r in audit.of(function) if a in DELETE_ACTIONS and a.startswith("s3:")}
        assert deletes == {f"{bucket}/{schema.BUCKET.hotlist_snapshots}*"}, function


def test_ncric_delivery_reads_one_error_report_at_a_time_and_changes_no_administration_record(
    audit: PolicyAudit,
) -> None:
    admin_log = audit.table(schema.ADMIN_LOG)
    assert {a for a, r in audit.of("ncric-deliver") if r.startswith(admin_log)} == {"dynamodb:GetItem"}
    for action in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
        assert audit.who_can((action,), admin_log) == set(), action


def test_administration_deletes_nothing_and_creates_no_reads(audit: PolicyAudit) -> None:
    assert not [g for g in audit.of("admin-api") if g[0] in DELETE_ACTIONS]
    assert not audit.can("admin-api", "dynamodb:PutItem", audit.table(schema.READS))
    assert not audit.can("admin-api", "cognito-idp:AdminAddUserToGroup", "*")
