"""Retention on the local stack (policy 418.5): boundaries, expired-but-present items, purge, holds,
evidence, crash safety, the TTL sweep and the compliance report. Clocks move; nothing sleeps."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from alpr import schema
from alpr.clock import FixedClock
from alpr.domain.errors import Forbidden
from alpr.domain.holds import HoldScope, HoldStatus, InvalidHold
from alpr.domain.records import PlateRead
from alpr.local.retention_seed import SeedSpec, seed_reads
from alpr.local.stack import LocalStack
from alpr.schema import Role, SourceClass
from alpr.services.holds import StaffMember
from tests.integration.helpers import table_items

PACIFIC = ZoneInfo("America/Los_Angeles")
OFFICER = StaffMember("officer-7", "Officer Seven", frozenset({Role.OFFICER}))
ADMIN = StaffMember("admin-1", "ALPR Administrator", frozenset({Role.ADMINISTRATOR}))
AUDITOR = StaffMember("auditor-1", "Records Custodian", frozenset({Role.AUDITOR}))


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PACIFIC)


def seed(stack: LocalStack, camera_id: str, captured: datetime, **kw: object) -> PlateRead:
    rt = stack.runtime
    camera = rt.repos.cameras.get(camera_id)
    assert camera is not None
    [read] = seed_reads(rt.repos, rt.retention, stack.clock.now(), [SeedSpec(camera, captured, **kw)])  # type: ignore[arg-type]
    return read


def visible_everywhere(stack: LocalStack, read: PlateRead) -> bool:
    """Every read path a person can reach: search by plate, by camera, and the alerts list."""
    reads = stack.runtime.repos.reads
    now = stack.clock.now()
    by_plate = read.read_id in {r.read_id for r in reads.by_plate(read.plate, now)}
    by_camera = read.read_id in {r.read_id for r in reads.by_camera(read.camera_id, now)}
    assert by_plate == by_camera
    return by_plate


def image_versions(stack: LocalStack, key: str) -> list[dict]:
    s3 = stack.session.client("s3")
    listing = s3.list_object_versions(Bucket=stack.settings.images_bucket, Prefix=key)
    return [v for v in listing.get("Versions", []) if v["Key"] == key]


def assert_consistent(stack: LocalStack) -> None:
    """No visible read points at a missing image; no image without a read or ledger entry to purge it."""
    now = stack.clock.now()
    reads = [PlateRead.model_validate(i) for i in _plain(table_items(stack, "reads"))]
    frames = {i["frame_id"] for i in table_items(stack, "frames")}
    s3 = stack.session.client("s3")
    listing = s3.list_object_versions(Bucket=stack.settings.images_bucket, Prefix="frames/")
    stored = {v["Key"] for v in listing.get("Versions", [])}
    for read in reads:
        if not stack.runtime.retention.is_expired(read.expires_at, now):
            assert read.image_key in stored, f"visible read {read.read_id} points at a missing image"
    carried = {r.image_key for r in reads} | {
        i["image_key"] for i in table_items(stack, "frames") if i["frame_id"] in frames
    }
    assert stored <= carried, f"images nothing will purge: {stored - carried}"


def _plain(items: list[dict]) -> list[dict]:
    from alpr.repositories.dynamo import plain

    return [plain(i) for i in items]


# --- boundaries, stated in the policy's own words -----------------------------------------------------


def test_fixed_read_is_visible_on_day_30_and_gone_once_30_calendar_days_have_passed(
    stack: LocalStack, clock: FixedClock
) -> None:
    """ "deleted in 30 calendar days": captured 23:50 on 1 Oct Pacific (already 2 Oct in UTC)."""
    captured = local(2026, 10, 1, 23, 50)
    assert captured.astimezone(UTC).day == 2
    clock.set(captured)
    read = seed(stack, "demo-fixed-1", captured, with_alert=True)
    clock.set(local(2026, 10, 30, 23, 59))  # day 30, 29 days after capture
    assert visible_everywhere(stack, read)
    assert stack.runtime.repos.alerts.recent(clock.now())
    clock.set(local(2026, 10, 31, 0, 0))  # day 31 begins: 30 calendar days have passed
    # still in the table (DynamoDB's TTL is lazy), never shown
    assert any(i["read_id"] == read.read_id for i in table_items(stack, "reads"))
    assert not visible_everywhere(stack, read)
    assert not stack.runtime.repos.alerts.recent(clock.now())
    report = stack.runtime.purge.run()
    assert report.deleted["fixed"]["reads"] == 1 and report.deleted["fixed"]["alerts"] == 1
    assert table_items(stack, "reads") == [] and table_items(stack, "alerts") == []
    assert image_versions(stack, read.image_key) == []
    assert read.frame_id not in {i["frame_id"] for i in table_items(stack, "frames")}


def test_vehicle_read_is_kept_through_day_365_and_purged_on_the_366th_day(stack: LocalStack, clock: FixedClock) -> None:
    """ "stored for one year ... purged on the 366th day"."""
    captured = local(2026, 1, 10, 8, 0)
    clock.set(captured)
    read = seed(stack, "demo-car-1", captured)
    clock.set(local(2027, 1, 9, 23, 59))  # day 365
    assert visible_everywhere(stack, read)
    assert stack.runtime.purge.run().deleted == {}
    assert image_versions(stack, read.image_key)
    clock.set(local(2027, 1, 10, 0, 0))  # day 366
    assert not visible_everywhere(stack, read)
    assert stack.runtime.purge.run().deleted["vehicle"]["reads"] == 1
    assert image_versions(stack, read.image_key) == []


def test_axon_follows_fixed(stack: LocalStack, clock: FixedClock) -> None:
    captured = local(2026, 6, 1, 12)
    clock.set(captured)
    read = seed(stack, "demo-axon-1", captured)
    clock.set(local(2026, 6, 30, 23, 59))
    assert visible_everywhere(stack, read)
    clock.set(local(2026, 7, 1))
    assert not visible_everywhere(stack, read)


def test_a_shortened_class_purges_data_captured_before_the_change(stack: LocalStack, clock: FixedClock) -> None:
    from alpr.domain.retention import RetentionPolicy
    from alpr.services.purge import PurgeService

    captured = local(2026, 9, 1, 12)
    clock.set(captured)
    read = seed(stack, "demo-fixed-1", captured)
    clock.set(local(2026, 9, 20))
    shortened = PurgeService(stack.runtime.repos, RetentionPolicy({SourceClass.FIXED: 14}), clock)
    assert shortened.run().deleted["fixed"]["reads"] == 1
    assert image_versions(stack, read.image_key) == []


# --- evidence holds -------------------------------------------------------------------------------------


def test_a_held_read_survives_its_date_its_image_refuses_deletion_and_release_purges_it(
    stack: LocalStack, clock: FixedClock
) -> None:
    captured = local(2026, 10, 1, 9)
    clock.set(captured)
    read = seed(stack, "demo-fixed-1", captured, with_alert=True)
    clock.advance(days=3)
    outcome = stack.runtime.holds.place(
        ADMIN, "SLPD-26-0042", "hit-and-run suspect vehicle", HoldScope(read_ids=[read.read_id])
    )
    assert outcome.held_reads == [read.read_id]
    [item] = table_items(stack, "reads")
    assert "expires_at" not in item and item["held_by_case"] == "SLPD-26-0042"

    clock.set(local(2026, 12, 1))  # long past 30 days
    report = stack.runtime.purge.run()
    assert report.deleted == {} and report.held == {"fixed": 1}
    assert visible_everywhere(stack, read), "held reads are evidence and stay visible to authorized users"
    [version] = image_versions(stack, read.image_key)
    s3 = stack.session.client("s3")
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=stack.settings.images_bucket, Key=read.image_key, VersionId=version["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    with pytest.raises(InvalidHold):
        stack.runtime.holds.release(ADMIN, outcome.hold.hold_id, "ok")  # a reason is required
    with pytest.raises(Forbidden):
        stack.runtime.holds.release(OFFICER, outcome.hold.hold_id, "case closed, no charges filed")
    stack.runtime.holds.release(ADMIN, outcome.hold.hold_id, "case closed, no charges filed")
    # counted from capture, that is long past: purged at once
    assert table_items(stack, "reads") == [] and table_items(stack, "alerts") == []
    assert image_versions(stack, read.image_key) == []
    events = stack.runtime.repos.hold_events.for_hold(outcome.hold.hold_id)
    assert [(e.action.value, e.member_id) for e in events] == [
        ("requested", "admin-1"),
        ("placed", "admin-1"),
        ("released", "admin-1"),
    ]
    assert stack.runtime.repos.holds.get(outcome.hold.hold_id).status is HoldStatus.RELEASED


def test_release_before_the_date_restores_normal_retention(stack: LocalStack, clock: FixedClock) -> None:
    captured = local(2026, 10, 1, 9)
    clock.set(captured)
    read = seed(stack, "demo-fixed-1", captured)
    hold = stack.runtime.holds.place(ADMIN, "SLPD-26-7", "possible witness vehicle", HoldScope(read_ids=[read.read_id]))
    clock.advance(days=5)
    stack.runtime.holds.release(ADMIN, hold.hold.hold_id, "not needed for the case")
    [item] = table_items(stack, "reads")
    assert int(item["expires_at"]) == stack.runtime.retention.expires_epoch(SourceClass.FIXED, captured)
    assert not stack.runtime.repos.image_versions.legally_held(read.image_key)


def test_an_officer_may_request_but_only_an_administrator_places(stack: LocalStack, clock: FixedClock) -> None:
    read = seed(stack, "demo-fixed-1", clock.now())
    scope = HoldScope(read_ids=[read.read_id])
    with pytest.raises(Forbidden):
        stack.runtime.holds.place(OFFICER, "SLPD-26-1", "suspect vehicle in robbery", scope)
    requested = stack.runtime.holds.request(OFFICER, "SLPD-26-1", "suspect vehicle in robbery", scope)
    assert "held_by_case" not in table_items(stack, "reads")[0]  # a request protects nothing yet
    with pytest.raises(Forbidden):
        stack.runtime.holds.approve(OFFICER, requested.hold_id)
    stack.runtime.holds.approve(ADMIN, requested.hold_id)
    assert table_items(stack, "reads")[0]["held_by_case"] == "SLPD-26-1"
    with pytest.raises(Forbidden):
        stack.runtime.holds.request(AUDITOR, "SLPD-26-1", "suspect vehicle in robbery", scope)


def test_a_camera_time_window_hold_takes_only_reads_in_the_window(stack: LocalStack, clock: FixedClock) -> None:
    now = clock.now()
    inside = seed(stack, "demo-fixed-1", now - timedelta(hours=2))
    outside = seed(stack, "demo-fixed-1", now - timedelta(days=2))
    scope = HoldScope(
        camera_id="demo-fixed-1",
        captured_from=(now - timedelta(hours=3)).isoformat().replace("+00:00", "Z"),
        captured_to=now.isoformat().replace("+00:00", "Z"),
    )
    outcome = stack.runtime.holds.place(ADMIN, "SLPD-26-9", "shooting on E 14th St", scope)
    assert outcome.held_reads == [inside.read_id]
    held = {i["read_id"] for i in table_items(stack, "reads") if "held_by_case" in i}
    assert held == {inside.read_id} and outside.read_id not in held


def test_expired_reads_cannot_be_held(stack: LocalStack, clock: FixedClock) -> None:
    captured = clock.now()
    read = seed(stack, "demo-fixed-1", captured)
    clock.advance(days=40)
    with pytest.raises(InvalidHold):
        stack.runtime.holds.place(ADMIN, "SLPD-26-3", "too late for this one", HoldScope(read_ids=[read.read_id]))
    assert not stack.runtime.repos.image_versions.legally_held(read.image_key)


def test_booking_into_evidence_copies_under_compliance_lock_with_digests(stack: LocalStack, clock: FixedClock) -> None:
    read = seed(stack, "demo-fixed-1", clock.now())
    outcome = stack.runtime.holds.place(
        ADMIN, "SLPD-26-0042", "hit-and-run suspect vehicle", HoldScope(read_ids=[read.read_id])
    )
    with pytest.raises(Forbidden):
        stack.runtime.holds.book(OFFICER, outcome.hold.hold_id)
    manifest_key = stack.runtime.holds.book(ADMIN, outcome.hold.hold_id)
    assert manifest_key.startswith("evidence/SLPD-26-0042/")
    s3 = stack.session.client("s3")
    bucket = stack.settings.images_bucket
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    assert manifest["booked_by"] == "admin-1" and manifest["case_number"] == "SLPD-26-0042"
    kinds = sorted(item["kind"] for item in manifest["items"])
    assert kinds == ["image", "read"]
    for item in manifest["items"]:
        body = s3.get_object(Bucket=bucket, Key=item["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == item["sha256"]
        mode, until = stack.runtime.repos.image_versions.retention_of(item["key"])
        assert mode == "COMPLIANCE" and until > datetime.now(UTC) + timedelta(days=365)
        with pytest.raises(ClientError):
            s3.delete_object(Bucket=bucket, Key=item["key"], VersionId=item["version_id"])
    image = next(i for i in manifest["items"] if i["kind"] == "image")
    assert (
        image["sha256"] == hashlib.sha256(s3.get_object(Bucket=bucket, Key=read.image_key)["Body"].read()).hexdigest()
    )
    [booked] = [e for e in stack.runtime.repos.hold_events.for_hold(outcome.hold.hold_id) if e.action.value == "booked"]
    assert booked.member_id == "admin-1" and manifest_key in booked.details


def test_a_frame_with_a_held_and_an_unheld_read_keeps_its_image(stack: LocalStack, clock: FixedClock) -> None:
    captured = clock.now()
    read = seed(stack, "demo-fixed-1", captured)
    sibling = read.model_copy(update={"read_id": "sibling-read", "plate": "8XYZ999"})
    from alpr.repositories.dynamo import to_item

    stack.runtime.repos.table(__import__("alpr").schema.READS).put_item(Item=to_item(sibling))
    stack.runtime.holds.place(ADMIN, "SLPD-26-5", "the other car is the suspect", HoldScope(read_ids=["sibling-read"]))
    clock.advance(days=45)
    report = stack.runtime.purge.run()
    assert report.deleted["fixed"]["reads"] == 1 and not report.failures
    assert [i["read_id"] for i in table_items(stack, "reads")] == ["sibling-read"]
    assert image_versions(stack, read.image_key), "the held sibling still needs the image"
    assert_consistent(stack)


# --- crash safety -----------------------------------------------------------------------------------------


class SimulatedCrash(BaseException):
    """Not an Exception: like a Lambda timeout or OOM, nothing inside the run can catch it."""


@pytest.mark.parametrize(
    ("target", "method"),
    [
        ("image_versions", "delete_all_versions"),
        ("retention", "delete_alerts"),
        ("retention", "delete_frames"),
        ("retention", "delete_reads"),
    ],
)
def test_a_purge_that_crashes_at_any_step_and_runs_again_leaves_a_consistent_store(
    stack: LocalStack, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, target: str, method: str
) -> None:
    captured = clock.now()
    reads = [seed(stack, "demo-fixed-1", captured + timedelta(minutes=i), with_alert=True) for i in range(3)]
    keeper = seed(stack, "demo-car-1", captured)
    clock.advance(days=31)
    repos = stack.runtime.repos
    original = getattr(getattr(repos, target), method)

    def crash(*args: object, **kwargs: object) -> object:
        original(*args, **kwargs)  # the step completes, then the process dies before the next one
        raise SimulatedCrash(method)

    monkeypatch.setattr(getattr(repos, target), method, crash)
    with pytest.raises(SimulatedCrash):
        stack.runtime.purge.run()
    assert_consistent(stack)
    assert not any(visible_everywhere(stack, r) for r in reads)
    monkeypatch.undo()

    report = stack.runtime.purge.run()
    assert not report.failures
    assert_consistent(stack)
    assert [i["read_id"] for i in table_items(stack, "reads")] == [keeper.read_id]
    assert table_items(stack, "alerts") == []
    assert {i["frame_id"] for i in table_items(stack, "frames")} == {keeper.frame_id}
    for read in reads:
        assert image_versions(stack, read.image_key) == []


def test_segments_and_resume_purge_everything(stack: LocalStack, clock: FixedClock) -> None:
    captured = clock.now()
    camera = stack.runtime.repos.cameras.get("demo-fixed-1")
    seed_reads(stack.runtime.repos, stack.runtime.retention, captured, [SeedSpec(camera, captured) for _ in range(30)])
    clock.advance(days=31)
    purge = stack.runtime.purge
    first = purge.run(segment=0, total_segments=3, page_limit=4, deadline_ms=0)
    assert not first.complete and first.resume_key
    resumed = purge.run(segment=0, total_segments=3, start_key=first.resume_key)
    rest = [purge.run(segment=s, total_segments=3) for s in (1, 2)]
    total = sum(r.deleted.get("fixed", {}).get("reads", 0) for r in (first, resumed, *rest))
    assert total == 30 and table_items(stack, "reads") == []
    assert len(stack.runtime.repos.purge_reports.latest(10)) == 4


def test_each_run_writes_a_report(stack: LocalStack, clock: FixedClock) -> None:
    now = clock.now()
    old = seed(stack, "demo-fixed-1", now)
    seed(stack, "demo-car-1", now + timedelta(days=20))
    clock.advance(days=35)
    stack.runtime.purge.run()
    [report] = stack.runtime.repos.purge_reports.latest(1)
    assert report["deleted"] == {"fixed": {"images": 1, "reads": 1}}
    assert report["oldest_unheld"]["vehicle"]["age_days"] == 16
    assert report["oldest_unheld"]["vehicle"]["within_policy"] is True
    assert "fixed" not in report["oldest_unheld"]
    assert report["complete"] is True and report["failures"] == []
    assert old.read_id not in {i["read_id"] for i in table_items(stack, "reads")}


# --- DynamoDB's own TTL -----------------------------------------------------------------------------------


def test_the_ttl_sweep_deletes_lazily_and_the_removal_stream_purges_the_rest(
    stack: LocalStack, clock: FixedClock
) -> None:
    captured = clock.now()
    read = seed(stack, "demo-fixed-1", captured, with_alert=True)
    stack.drain()
    clock.advance(days=31)
    assert len(table_items(stack, "reads")) == 1, "expired, but nothing has swept it yet"
    stack.drain()  # the sweeper deletes as DynamoDB's TTL does; its REMOVE records reach the purge
    assert table_items(stack, "reads") == []
    assert table_items(stack, "alerts") == [] and table_items(stack, "frames") == []
    assert image_versions(stack, read.image_key) == []


def test_the_ttl_sweep_leaves_held_reads(stack: LocalStack, clock: FixedClock) -> None:
    read = seed(stack, "demo-fixed-1", clock.now())
    stack.runtime.holds.place(ADMIN, "SLPD-26-11", "evidence in a burglary", HoldScope(read_ids=[read.read_id]))
    clock.advance(days=100)
    stack.drain()
    assert [i["read_id"] for i in table_items(stack, "reads")] == [read.read_id]
    assert image_versions(stack, read.image_key)


# --- the compliance report -------------------------------------------------------------------------------


def test_compliance_report_shows_oldest_items_holds_and_purge_runs(stack: LocalStack, clock: FixedClock) -> None:
    start = clock.now()
    fixed_old = seed(stack, "demo-fixed-1", start)
    seed(stack, "demo-car-1", start)
    held = seed(stack, "demo-fixed-1", start)
    stack.runtime.holds.place(ADMIN, "SLPD-26-0042", "hit-and-run suspect vehicle", HoldScope(read_ids=[held.read_id]))
    clock.advance(days=40)
    with pytest.raises(Forbidden):
        stack.runtime.compliance.report(OFFICER)
    before = stack.runtime.compliance.report(AUDITOR)
    assert before["within_policy"] is False, "an expired fixed read is still in the store"
    assert before["classes"]["fixed"]["oldest_unheld_read"]["read_id"] == fixed_old.read_id
    assert before["classes"]["fixed"]["oldest_unheld_read"]["age_days"] == 41

    stack.runtime.purge.run()
    report = stack.runtime.compliance.report(AUDITOR)
    assert report["within_policy"] is True
    fixed = report["classes"]["fixed"]
    assert fixed["oldest_unheld_read"] is None and fixed["oldest_unheld_image"] is None
    assert fixed["held_reads"] == 1
    vehicle = report["classes"]["vehicle"]
    assert vehicle["oldest_unheld_read"]["age_days"] == 41 and vehicle["oldest_unheld_read"]["within_policy"]
    assert vehicle["oldest_unheld_image"]["within_policy"]
    [hold] = report["holds"]
    assert hold["case_number"] == "SLPD-26-0042" and hold["age_days"] == 40 and hold["status"] == "active"
    assert report["purge_runs"][0]["skipped_held"] == {"fixed": 1}
    # How long a purged read stays restorable: the tables' point-in-time recovery window (issue 13, finding 11).
    assert report["backups"]["point_in_time_recovery_days"] == schema.BACKUP_RECOVERY_DAYS <= 7
