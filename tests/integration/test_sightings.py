"""Several frames of one passing car through the local stack end as one sighting with the right plate."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import cv2

from alpr.clock import FixedClock
from alpr.domain.sightings import Sighting
from alpr.local.demo import DEMO_PLATE, render_plate_photo
from alpr.local.stack import LocalStack
from tests.integration.helpers import push, table_items

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
