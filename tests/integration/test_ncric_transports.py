"""NCRIC transports however they are configured (issue 13, finding 12).

HTTPS: every request carries the credential from Secrets Manager (read through Powertools parameters); without one
nothing is sent, a refused one is retried and dead-lettered, and the secret never reaches a log or a record.
S3: writes go through the role NCRIC gives (sts:AssumeRole), so a bucket set later through the SSM parameter works
exactly like one given at deploy; cross-account writes need a grant on both sides, and a role of NCRIC's puts the
bucket side in NCRIC's account
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from alpr import schema
from alpr.local.ncric import point_credential, point_destination
from alpr.local.stack import LocalStack
from alpr.repositories.ncric import Credential
from alpr.schema import SourceClass
from tests.integration.share_helpers import photo, write_read

NCRIC_ROLE = "arn:aws:iam::210987654321:role/ncric-alpr-intake-writer"
INTAKE = "ncric-alpr-intake"


def delivery(stack: LocalStack, read_id: str) -> Any:
    return stack.runtime.repos.ncric_deliveries.get(read_id)


def parked(stack: LocalStack) -> list[str]:
    return [p.read_id for p in stack.runtime.ncric.failures()]


def assumed_roles() -> list[Any]:
    """What moto's STS handed out (the embedded server runs in this process)."""
    from moto.backends import get_backend

    return [role for backend in get_backend("sts").values() for role in backend["global"].assumed_roles]


def intake_bucket(stack: LocalStack) -> Any:
    s3 = stack.session.client("s3")
    s3.create_bucket(Bucket=INTAKE, CreateBucketConfiguration={"LocationConstraint": stack.config.region})
    return s3


def test_https_deliveries_carry_the_credential_and_a_rotated_one_is_used_without_a_deploy(stack: LocalStack) -> None:
    first = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert set(stack.ncric.received) == {first.read_id} and stack.ncric.unauthenticated == 0

    rotated = Credential("x-api-key", "rotated-key-2f9c1e")
    stack.ncric.credential = rotated
    point_credential(stack.session, stack.settings, rotated)
    second = write_read(stack, SourceClass.VEHICLE, "8DEF456")
    stack.drain()
    assert second.read_id in stack.ncric.received and stack.ncric.unauthenticated == 0


def test_without_a_credential_nothing_is_sent_and_the_reads_wait_for_one(stack: LocalStack) -> None:
    point_credential(stack.session, stack.settings, None)  # as deployed: the secret is "{}"
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert stack.ncric.posts == {} and stack.ncric.unauthenticated == 0, "no plate data left unauthenticated"
    failing = delivery(stack, read.read_id)
    assert failing.status == "failing" and "no NCRIC credential is set" in failing.last_error
    assert failing.attempts == schema.NCRIC_FORWARD_QUEUE.max_receive_count
    assert parked(stack) == [read.read_id]

    point_credential(stack.session, stack.settings, stack.ncric.credential)
    assert stack.runtime.ncric.replay() == [read.read_id]
    stack.drain()
    assert set(stack.ncric.received) == {read.read_id} and delivery(stack, read.read_id).status == "delivered"


def test_a_missing_secret_is_a_clear_failure_not_a_crash(stack: LocalStack) -> None:
    stack.session.client("secretsmanager").delete_secret(
        SecretId=schema.ncric_credential_secret(stack.settings.prefix), ForceDeleteWithoutRecovery=True
    )
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert stack.ncric.posts == {}
    assert "cannot be read" in delivery(stack, read.read_id).last_error
    assert parked(stack) == [read.read_id]


def test_a_refused_credential_is_retried_dead_lettered_and_never_logged(
    stack: LocalStack, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = Credential("Authorization", "Bearer wrong-token-7d41aa90")
    point_credential(stack.session, stack.settings, wrong)
    caplog.set_level(logging.INFO)  # (botocore at DEBUG prints response bodies, secrets included: never in Lambda)
    caplog.set_level(logging.DEBUG, logger="alpr")
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert stack.ncric.received == {}
    assert stack.ncric.unauthenticated == schema.NCRIC_FORWARD_QUEUE.max_receive_count, "each try was sent and refused"
    failing = delivery(stack, read.read_id)
    assert "refused our credential (401)" in failing.last_error
    assert parked(stack) == [read.read_id]

    point_credential(stack.session, stack.settings, stack.ncric.credential)
    stack.runtime.ncric.replay()
    stack.drain()
    assert delivery(stack, read.read_id).status == "delivered"
    logged = caplog.text + capsys.readouterr().out
    assert "NCRIC delivery failed" in logged, "the failures were logged"
    for secret in ("wrong-token-7d41aa90", stack.ncric.credential.value.split()[-1]):
        assert secret not in logged
        assert secret not in repr(delivery(stack, read.read_id))


@pytest.mark.parametrize("configured", ["at start (as at deploy)", "later through the SSM parameter"])
def test_an_s3_destination_is_written_as_the_role_ncric_gives(stack: LocalStack, configured: str) -> None:
    s3 = intake_bucket(stack)
    destination = {"kind": "s3", "bucket": INTAKE, "prefix": "slpd/", "role_arn": NCRIC_ROLE, "external_id": "slpd-7"}
    if configured.startswith("later"):
        early = write_read(stack, SourceClass.VEHICLE, "1EAR111")
        stack.drain()  # delivered over HTTPS, as configured then
        assert early.read_id in stack.ncric.received
    before = len(assumed_roles())
    point_destination(stack.session, stack.settings, destination)
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()

    day = read.captured_at[:10]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=INTAKE)["Contents"])
    assert keys == [f"slpd/{day}/{read.read_id}.img", f"slpd/{day}/{read.read_id}.json"]
    assert s3.get_object(Bucket=INTAKE, Key=keys[0])["Body"].read() == photo()
    [role] = assumed_roles()[before:]
    assert role.role_arn == NCRIC_ROLE and role.session_name == "alpr-ncric-deliver"
    assert read.read_id not in stack.ncric.received


def test_an_s3_destination_without_a_role_waits_with_the_reason(stack: LocalStack) -> None:
    intake_bucket(stack)
    point_destination(stack.session, stack.settings, {"kind": "s3", "bucket": INTAKE, "prefix": "slpd/"})
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert "needs the bucket and the role_arn" in delivery(stack, read.read_id).last_error
    assert parked(stack) == [read.read_id]


def test_a_refusing_bucket_is_retried_dead_lettered_and_replayed(stack: LocalStack) -> None:
    destination = {"kind": "s3", "bucket": INTAKE, "prefix": "slpd/", "role_arn": NCRIC_ROLE}
    point_destination(stack.session, stack.settings, destination)
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()  # the bucket does not exist yet
    failing = delivery(stack, read.read_id)
    assert failing.status == "failing" and "NoSuchBucket" in failing.last_error
    assert failing.attempts == schema.NCRIC_FORWARD_QUEUE.max_receive_count
    assert parked(stack) == [read.read_id]

    s3 = intake_bucket(stack)
    assert stack.runtime.ncric.replay() == [read.read_id]
    stack.drain()
    assert delivery(stack, read.read_id).status == "delivered"
    assert len(s3.list_objects_v2(Bucket=INTAKE)["Contents"]) == 2
