"""Several frames of one passing car through the local stack end as one sighting with the right plate."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import cv2

from alpr import schema
from alpr.clock import FixedClock, iso
from alpr.domain.records import PlateRead
from alpr.domain.search import PlatePattern, SearchCriteria
from alpr.domain.sightings import Sighting, open_sighting, sighting_id_for
from alpr.local.demo import DEMO_PLATE, render_plate_photo
from alpr.local.stack import LocalStack
from alpr.repositories.dynamo import from_item
from alpr.schema import SourceClass
from tests.integration.helpers import notifications, push, table_items

CORRUPTED = DEMO_PLATE[:-1] + "8"  # the last character misread, as a blurry frame would


def jpeg(plate: str, frame_number: int) -> bytes:
    """Each frame gets its own background noise, as consecutive camera frames do (identical bytes are one frame)."""
    photo = render_plate_photo(plate, seed_value=frame_number)
    ok, encoded = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return encoded.tobytes()


def test_three_frames_of_one_car_become_one_sighting(stack: LocalStack) -> None:
    start = stack.clock.now()
    # The corrupted frame comes first and opens the sighting: the later frames must outvote it.
    plates = [CORRUPTED, DEMO_PLATE, DEMO_PLATE]
    for offset, plate in enumerate(plates):
        response = push(stack, jpeg(plate, offset), captured_at=start + timedelta(seconds=2 * offset))
        assert response.status_code == 202, response.text
    # The same car seen again a minute later is a new pass, hence a new sighting.
    push(stack, jpeg(DEMO_PLATE, 3), captured_at=start + timedelta(seconds=60))
    stack.drain()

    reads = stack.runtime.repos.reads.all()
    assert sorted(r.plate for r in reads) == sorted([*plates, DEMO_PLATE])  # per-frame reads are kept as read
    later, passing = sorted(stack.runtime.repos.sightings.by_plate(DEMO_PLATE, stack.clock.now()), key=member_count)
    assert (member_count(later), member_count(passing)) == (1, 3)
    assert passing.plate == DEMO_PLATE
    assert 0 < passing.confidence <= 1
    assert passing.camera_id == "demo-fixed-1"
    first_three = sorted(reads, key=lambda r: r.captured_at)[:3]
    assert sorted(passing.read_ids) == sorted(r.read_id for r in first_three)
    assert {r.sighting_id for r in first_three} == {passing.sighting_id}
    assert sorted(reads, key=lambda r: r.captured_at)[3].sighting_id != passing.sighting_id
    # The sighting expires with its frames' reads.
    assert passing.expires_at == min(r.expires_at for r in first_three if r.expires_at is not None)
    assert len(table_items(stack, "sightings")) == 2


def member_count(sighting: Sighting) -> int:
    return len(sighting.members)


def test_grouping_a_read_twice_changes_nothing_and_stale_writes_are_refused(stack: LocalStack) -> None:
    push(stack, jpeg(DEMO_PLATE, 7))
    stack.drain()
    [read] = stack.runtime.repos.reads.all()
    first = stack.runtime.sightings.add(read)
    again = stack.runtime.sightings.add(read)  # a retried OCR message
    assert again == first and len(again.members) == 1
    repository = stack.runtime.repos.sightings
    stale = first.model_copy(update={"version": first.version - 1})
    assert repository.save(stale) is None  # another writer got there first: the caller re-reads and retries
    assert repository.get(first.sighting_id) == first


def test_purge_removes_a_sighting_with_its_reads(stack: LocalStack, clock: FixedClock, demo_photo: Path) -> None:
    push(stack, demo_photo)
    stack.drain()
    assert len(table_items(stack, "sightings")) == 1
    clock.advance(days=30)  # fixed data is gone once 30 calendar days have passed
    report = stack.runtime.purge.run()
    assert report.deleted["fixed"]["sightings"] == 1
    assert table_items(stack, "sightings") == []
    assert table_items(stack, "reads") == []


def test_a_consensus_that_no_frame_read_raises_one_alert_and_finds_the_frames(stack: LocalStack) -> None:
    assert DEMO_PLATE == "7ABC123"  # on the demo hotlist
    # Each frame confused a different look-alike; the three together read the plate.
    misreads = ("7A8C123", "7ABC1Z3", "74BC123")
    start = stack.clock.now()
    runtime = stack.runtime
    reads = [frame_read(stack, plate, start + timedelta(seconds=2 * n)) for n, plate in enumerate(misreads)]
    for read in reads:  # what the OCR step does once it has read a frame
        runtime.repos.reads.add(read)
        runtime.sightings.add(read)
    stack.drain()

    [sighting] = runtime.repos.sightings.by_plate(DEMO_PLATE, stack.clock.now())
    assert len(sighting.members) == 3
    alerts = runtime.repos.alerts.recent(stack.clock.now())
    [consensus] = [a for a in alerts if a.sighting_id is not None]
    assert (consensus.plate, consensus.match_kind, consensus.sighting_id) == (DEMO_PLATE, "match", sighting.sighting_id)
    assert "consensus of 3 frames" in consensus.why
    assert all(a.sighting_id is None and a.plate in misreads for a in alerts if a is not consensus)
    assert any(n["plate"] == DEMO_PLATE for n in notifications(stack))
    # The last frame's change delivered again (a retried stream batch) raises nothing more.
    assert runtime.match.on_sighting_joined(runtime.repos.reads.get(reads[-1].read_id, stack.clock.now())) == []

    found = runtime.search.search(SearchCriteria(plate=PlatePattern.parse(DEMO_PLATE)))
    assert sorted(r.plate for r in found.reads) == sorted(misreads)
    assert found.consensus == {r.read_id: DEMO_PLATE for r in reads}
    elsewhere = SearchCriteria(plate=PlatePattern.parse(DEMO_PLATE), camera_id="demo-car-1")
    assert runtime.search.search(elsewhere).reads == []


def frame_read(stack: LocalStack, plate: str, captured: datetime) -> PlateRead:
    frame_id = f"frame-{plate}-{captured.timestamp()}"
    return PlateRead(
        read_id=f"{frame_id}#0",
        frame_id=frame_id,
        camera_id="demo-fixed-1",
        source=SourceClass.FIXED,
        plate=plate,
        raw_text=plate,
        confidence=0.8,
        box=[0, 0, 100, 30],
        captured_at=iso(captured),
        image_key=f"{schema.BUCKET.frames}{frame_id}.jpg",
        created_at=iso(stack.clock.now()),
        expires_at=stack.runtime.retention.expires_epoch(SourceClass.FIXED, captured),
    )


def test_sightings_opened_side_by_side_by_concurrent_frames_are_merged_into_one(stack: LocalStack) -> None:
    start = stack.clock.now()
    runtime = stack.runtime
    first = frame_read(stack, DEMO_PLATE, start)
    second = frame_read(stack, CORRUPTED, start + timedelta(seconds=1))
    # Two OCR invocations read both frames at once: each saw no sighting and opened its own.
    for read in (first, second):
        runtime.repos.reads.add(read)
        runtime.repos.sightings.save(open_sighting(read, iso(stack.clock.now())))
        runtime.repos.reads.set_sighting(read.read_id, sighting_id_for(read.read_id))
    assert len(table_items(stack, "sightings")) == 2

    runtime.sightings.add(second)  # the next step that touches either merges them (here: a retried message)

    [kept] = [from_item(Sighting, item) for item in table_items(stack, "sightings")]
    assert kept.sighting_id == min(sighting_id_for(first.read_id), sighting_id_for(second.read_id))
    assert sorted(kept.read_ids) == sorted([first.read_id, second.read_id])
    now = stack.clock.now()
    assert {runtime.repos.reads.get(r.read_id, now).sighting_id for r in (first, second)} == {kept.sighting_id}
    third = frame_read(stack, DEMO_PLATE, start + timedelta(seconds=3))
    runtime.repos.reads.add(third)
    assert runtime.sightings.add(third).sighting_id == kept.sighting_id
