"""Forwarding vehicle-mounted reads to NCRIC (policy 418.5) against the local stack and its stand-in receiver."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from alpr.local.ncric import point_destination
from alpr.local.stack import LocalStack
from alpr.schema import SourceClass
from alpr.services.ncric import NcricForwarder, Outcome, retry_delay_s
from tests.integration.helpers import push
from tests.integration.share_helpers import photo, write_read


def delivery(stack: LocalStack, read_id: str) -> Any:
    return stack.runtime.repos.ncric_deliveries.get(read_id)


def test_a_vehicle_photo_reaches_ncric_once_and_fixed_and_axon_photos_never_do(
    stack: LocalStack, demo_photo: Path
) -> None:
    for camera in ("demo-car-1", "demo-fixed-1", "demo-axon-1"):
        response = push(stack, demo_photo, camera=camera, X_Latitude="37.72", X_Longitude="-122.15")
        assert response.status_code == 202, response.text
    stack.drain()

    reads = {r.source: r for r in stack.runtime.repos.reads.all()}
    assert set(reads) == set(SourceClass)
    vehicle = reads[SourceClass.VEHICLE]
    assert set(stack.ncric.received) == {vehicle.read_id}
    assert stack.ncric.posts == {vehicle.read_id: 1}
    payload = stack.ncric.received[vehicle.read_id]
    assert payload["read"]["plate"] == vehicle.plate and payload["read"]["camera_id"] == "demo-car-1"
    assert base64.b64decode(payload["image_base64"]) == demo_photo.read_bytes()
    recorded = delivery(stack, vehicle.read_id)
    assert (recorded.status, recorded.attempts, recorded.destination) == ("delivered", 1, stack.ncric.url)
    assert recorded.receipt == "https 200 stored" and recorded.expires_at == vehicle.expires_at
    for source in (SourceClass.FIXED, SourceClass.AXON):
        assert delivery(stack, reads[source].read_id) is None


def test_a_read_written_while_ncric_is_down_arrives_once_when_it_comes_back(stack: LocalStack) -> None:
    stack.ncric.fail_next(2)
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert set(stack.ncric.received) == {read.read_id}
    assert stack.ncric.posts[read.read_id] == 3
    recorded = delivery(stack, read.read_id)
    assert (recorded.status, recorded.attempts, recorded.last_error) == ("delivered", 3, "")


def test_reads_that_outlast_the_retries_wait_in_the_dead_letter_queue_and_replay(stack: LocalStack) -> None:
    stack.ncric.available = False
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    assert stack.ncric.received == {}
    [parked] = stack.runtime.ncric.failures()
    assert parked.read_id == read.read_id
    failing = delivery(stack, read.read_id)
    assert failing.status == "failing" and "503" in failing.last_error
    assert [p.read_id for p in stack.runtime.ncric.failures()] == [read.read_id], "listing leaves them parked"

    stack.ncric.available = True
    assert stack.runtime.ncric.replay() == [read.read_id]
    stack.drain()
    assert set(stack.ncric.received) == {read.read_id}
    assert stack.runtime.ncric.failures() == []
    assert delivery(stack, read.read_id).status == "delivered"


class ForwarderCrashed(BaseException):
    """The Lambda container dying mid-batch: nothing in the batch is acknowledged to the queue."""


def test_a_forwarder_that_crashes_mid_batch_delivers_each_read_once(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = [write_read(stack, SourceClass.VEHICLE, plate) for plate in ("1AAA111", "2BBB222", "3CCC333")]
    real_deliver = NcricForwarder.deliver
    calls: list[str] = []

    def crash_on_third(self: NcricForwarder, read_id: str) -> Outcome:
        calls.append(read_id)
        if len(calls) == 3:
            raise ForwarderCrashed()
        return real_deliver(self, read_id)

    monkeypatch.setattr(NcricForwarder, "deliver", crash_on_third)
    with pytest.raises(ForwarderCrashed):
        stack.drain()
    assert len(stack.ncric.received) == 2
    monkeypatch.setattr(NcricForwarder, "deliver", real_deliver)
    stack.drain()
    assert set(stack.ncric.received) == {r.read_id for r in reads}
    assert set(stack.ncric.posts.values()) == {1}, "the two delivered before the crash were not sent again"


def test_fixed_and_axon_reads_are_never_forwarded(stack: LocalStack) -> None:
    fixed = write_read(stack, SourceClass.FIXED)
    axon = write_read(stack, SourceClass.AXON)
    stack.drain()
    assert stack.ncric.received == {} and stack.ncric.posts == {}
    assert stack.runtime.ncric.reconcile().checked == 0
    for read in (fixed, axon):
        with pytest.raises(ValueError, match="never forwarded"):
            stack.runtime.ncric.deliver(read.read_id)
    assert stack.ncric.posts == {}


def test_reconcile_requeues_a_vehicle_read_whose_message_was_lost(stack: LocalStack) -> None:
    read = write_read(stack, SourceClass.VEHICLE)
    reader = next(p for p in stack.pumps if p.name == "match")  # the stream's reader queues it for NCRIC
    reader.poll_once()
    stack.session.client("sqs").purge_queue(QueueUrl=stack.runtime.repos.ncric_queue.url)
    stack.drain()
    assert stack.ncric.received == {}

    assert stack.runtime.ncric.reconcile().requeued == [read.read_id]
    stack.drain()
    assert set(stack.ncric.received) == {read.read_id}
    assert stack.runtime.ncric.reconcile().requeued == []


def test_the_destination_can_be_an_s3_bucket_in_ncrics_account(stack: LocalStack) -> None:
    s3 = stack.session.client("s3")
    s3.create_bucket(Bucket="ncric-alpr-intake", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    role = "arn:aws:iam::210987654321:role/ncric-alpr-intake-writer"
    destination = {"kind": "s3", "bucket": "ncric-alpr-intake", "prefix": "slpd/", "role_arn": role}
    point_destination(stack.session, stack.settings, destination)
    read = write_read(stack, SourceClass.VEHICLE)
    stack.drain()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="ncric-alpr-intake")["Contents"])
    day = read.captured_at[:10]
    assert keys == [f"slpd/{day}/{read.read_id}.img", f"slpd/{day}/{read.read_id}.json"]
    image = s3.get_object(Bucket="ncric-alpr-intake", Key=f"slpd/{day}/{read.read_id}.img")["Body"].read()
    assert image == photo()
    assert delivery(stack, read.read_id).receipt.startswith("s3 etag")
    assert stack.ncric.posts == {}


def test_retry_back_off_doubles_up_to_a_cap() -> None:
    assert [retry_delay_s(30, n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay_s(30, 20) == 900
    assert retry_delay_s(0, 5) == 0
