"""A purge run that fans out (policy 418.5 at scale): the scheduled invocation queues one message per
segment, each invocation hands the rest of its segment on, and the run's reports add up to every read
purged exactly once."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from alpr.clock import FixedClock
from alpr.local.lambda_runtime import invoke, load_handler
from alpr.local.pumps import SqsPump
from alpr.local.retention_seed import SeedSpec, seed_reads
from alpr.local.stack import LocalStack
from alpr.services.purge import PurgeService, PurgeTuning, PurgeWork
from tests.integration.helpers import table_items

READS = 30


def deliver_purge_work(stack: LocalStack) -> int:
    """Only the purge-work queue, until it is empty: DynamoDB's TTL (the sweeper) stays out of the way."""
    [pump] = [p for p in stack.pumps if isinstance(p, SqsPump) and p.name == "purge"]
    invocations = 0
    while pump.poll_once():
        invocations += 1
    return invocations


@pytest.fixture
def small_pages(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> PurgeService:
    """10 reads a segment, 2-item scan pages, 2 pages an invocation: many invocations for 30 reads."""
    rt = stack.runtime
    service = PurgeService(rt.repos, rt.retention, rt.clock, PurgeTuning(10, 2, 2))
    monkeypatch.setattr(rt, "purge", service)
    return service


def test_a_fanned_out_run_purges_every_read_exactly_once(
    stack: LocalStack, clock: FixedClock, small_pages: PurgeService
) -> None:
    rt = stack.runtime
    camera = rt.repos.cameras.get("demo-fixed-1")
    reads = seed_reads(rt.repos, rt.retention, clock.now(), [SeedSpec(camera, clock.now()) for _ in range(READS)])
    keeper = seed_reads(
        rt.repos, rt.retention, clock.now(), [SeedSpec(rt.repos.cameras.get("demo-car-1"), clock.now())]
    )
    clock.advance(days=31)

    started = invoke(load_handler("functions.purge.handler.handler"), {"source": "aws.events"}, "purge")
    assert started["segments"] == 4  # 31 reads in the table, 10 planned per segment
    assert len(table_items(stack, "reads")) == READS + 1, "the schedule only queues the work"
    invocations = deliver_purge_work(stack)

    assert [i["read_id"] for i in table_items(stack, "reads")] == [keeper[0].read_id]
    s3 = stack.session.client("s3")
    for read in reads:
        with pytest.raises(ClientError):
            s3.head_object(Bucket=stack.settings.images_bucket, Key=read.image_key)
    run = small_pages.run_summary(started["run_prefix"])
    assert run["deleted"] == {"fixed": {"images": READS, "reads": READS}}
    assert run["complete"] and run["segments_finished"] == 4 and run["failure_count"] == 0
    assert run["invocations"] > 4, "segments handed the rest of their work on"
    assert len(run["report_ids"]) == run["invocations"] == invocations


def test_a_message_delivered_twice_purges_nothing_twice(
    stack: LocalStack, clock: FixedClock, small_pages: PurgeService
) -> None:
    rt = stack.runtime
    camera = rt.repos.cameras.get("demo-fixed-1")
    seed_reads(rt.repos, rt.retention, clock.now(), [SeedSpec(camera, clock.now()) for _ in range(12)])
    clock.advance(days=31)
    [work] = small_pages.plan(total_segments=1)
    rt.repos.purge_queue.send([work.model_dump_json(), work.model_dump_json()])  # SQS delivers at least once
    assert deliver_purge_work(stack) >= 2

    run = small_pages.run_summary(work.run_prefix)
    assert run["deleted"] == {"fixed": {"images": 12, "reads": 12}}
    assert table_items(stack, "reads") == []
    assert PurgeWork.model_validate_json(work.model_dump_json()) == work


def test_every_version_and_delete_marker_goes_without_listing_the_bucket(stack: LocalStack) -> None:
    """HeadObject finds the version on top; a key written twice, or under a delete marker, still loses all."""
    s3, bucket = stack.session.client("s3"), stack.settings.images_bucket
    once, twice, marked = (f"frames/fixed/cam/2026/10/0{i}/f.jpg" for i in range(3))
    for key in (once, twice, twice, marked):
        s3.put_object(Bucket=bucket, Key=key, Body=b"jpeg")
    s3.delete_object(Bucket=bucket, Key=marked)  # a delete marker on top of one version
    sibling = f"{once}.json"  # shares the key as a prefix; must stay
    s3.put_object(Bucket=bucket, Key=sibling, Body=b"{}")

    outcome = stack.runtime.repos.image_versions.delete_all_versions([once, twice, marked])

    assert outcome.deleted_versions == 5 and not outcome.failures and not outcome.locked
    left = s3.list_object_versions(Bucket=bucket, Prefix="frames/fixed/cam/")
    assert [v["Key"] for v in left.get("Versions", []) + left.get("DeleteMarkers", [])] == [sibling]
