"""Grouping reads into sightings and the frames' character vote (pure domain logic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alpr.clock import iso
from alpr.domain.records import PlateRead
from alpr.domain.sightings import (
    belongs_to,
    choose_sighting,
    confusion_key,
    consensus_is_new,
    joined,
    merged,
    open_sighting,
    plates_agree,
    same_car,
    survivor_of,
    vote,
)
from alpr.schema import SourceClass

T0 = datetime(2026, 11, 2, 17, 0, 0, tzinfo=UTC)
NOW = iso(T0 + timedelta(minutes=1))


def read(
    plate: str,
    seconds: float = 0.0,
    confidence: float = 0.9,
    camera: str = "cam-1",
    frame: str | None = None,
    expires_at: int = 2_000_000_000,
) -> PlateRead:
    frame_id = frame or f"frame-{plate}-{seconds}"
    return PlateRead(
        read_id=f"{frame_id}#0",
        frame_id=frame_id,
        camera_id=camera,
        source=SourceClass.FIXED,
        plate=plate,
        raw_text=plate,
        confidence=confidence,
        box=[0, 0, 10, 5],
        captured_at=iso(T0 + timedelta(seconds=seconds)),
        image_key=f"frames/{frame_id}.jpg",
        created_at=NOW,
        expires_at=expires_at,
    )


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("7ABC123", "7ABC123", True),
        ("7ABC123", "7ABG123", True),  # one substitution
        ("7ABC123", "ABC123", True),  # first character lost
        ("8OB5", "B0B5", True),  # two look-alikes: same confusion key
        ("7ABC123", "7XYZ123", False),
        ("7ABC123", "7ABC12", True),
        ("ABC1234", "XYZ9876", False),
    ],
)
def test_plates_agree(a: str, b: str, agree: bool) -> None:
    assert plates_agree(a, b) is agree


def test_confusion_key_folds_look_alikes_only() -> None:
    assert confusion_key("B0O8S5") == confusion_key("8D08S5")
    assert confusion_key("7ABC123") != confusion_key("7XBC123")


def test_vote_majority_fixes_a_corrupted_character() -> None:
    consensus = vote([("7ABC123", 0.8), ("7ABC123", 0.7), ("7ABX123", 0.9)])
    assert consensus.plate == "7ABC123"
    assert 0.0 < consensus.confidence < 0.8  # the dissenting frame lowers it


def test_vote_weighs_by_confidence() -> None:
    assert vote([("7ABC123", 0.3), ("7ABG123", 0.95)]).plate == "7ABG123"


def test_vote_aligns_a_read_that_lost_a_character() -> None:
    # The short read still votes for the 5th character through the alignment.
    consensus = vote([("CCLVN3", 0.6), ("CLVN3", 0.9), ("CCLVW3", 0.5)])
    assert consensus.plate == "CCLVN3"


def test_agreeing_frames_raise_the_confidence() -> None:
    one = vote([("7ABC123", 0.7)])
    three = vote([("7ABC123", 0.7), ("7ABC123", 0.7), ("7ABC123", 0.7)])
    assert one.confidence == pytest.approx(0.7)
    assert three.confidence > 0.95


def test_vote_needs_a_plate() -> None:
    with pytest.raises(ValueError):
        vote([("", 0.9)])


def test_reads_within_the_window_join_and_vote() -> None:
    sighting = open_sighting(read("7ABC123", 0, 0.8), NOW)
    second = read("7ABX123", 3, 0.9)
    assert belongs_to(second, sighting)
    sighting = joined(sighting, second, NOW)
    sighting = joined(sighting, read("7ABC123", 6, 0.7), NOW)
    assert sighting.plate == "7ABC123"
    assert len(sighting.members) == 3
    assert sighting.first_seen == iso(T0) and sighting.last_seen == iso(T0 + timedelta(seconds=6))
    assert joined(sighting, second, NOW) == sighting  # a retried read changes nothing


def test_window_is_measured_from_the_sightings_frames() -> None:
    sighting = joined(open_sighting(read("7ABC123", 0), NOW), read("7ABC123", 8), NOW)
    assert belongs_to(read("7ABC123", 17), sighting)  # 9 s after the last frame
    assert not belongs_to(read("7ABC123", 19), sighting)
    assert not belongs_to(read("7ABC123", -11), sighting)


def test_other_camera_other_plate_or_same_frame_do_not_join() -> None:
    sighting = open_sighting(read("7ABC123", 0, frame="f1"), NOW)
    assert not belongs_to(read("7ABC123", 1, camera="cam-2"), sighting)
    assert not belongs_to(read("5XYZ987", 1), sighting)
    second_plate_same_frame = read("7ABC124", 0, frame="f1").model_copy(update={"read_id": "f1#1"})
    assert not belongs_to(second_plate_same_frame, sighting)


def test_choose_sighting_prefers_the_closest_plate() -> None:
    near = open_sighting(read("7ABC123", 0, frame="a"), NOW)
    other = open_sighting(read("7ABC128", 1, frame="b"), NOW)
    assert choose_sighting(read("7ABC128", 2), [near, other]) == other
    assert choose_sighting(read("9ZZZ999", 2), [near, other]) is None


def test_sighting_expires_with_its_earliest_read() -> None:
    sighting = open_sighting(read("7ABC123", 0, expires_at=2_000_000_500), NOW)
    sighting = joined(sighting, read("7ABC123", 2, expires_at=2_000_000_000), NOW)
    assert sighting.expires_at == 2_000_000_000


def test_a_consensus_is_new_only_when_no_frame_read_it_itself() -> None:
    sighting = open_sighting(read("7A8C123"), NOW)
    sighting = joined(sighting, read("7ABC1Z3", seconds=2), NOW)
    sighting = joined(sighting, read("74BC123", seconds=4), NOW)
    assert sighting.plate == "7ABC123"
    assert consensus_is_new(sighting)
    assert not consensus_is_new(joined(sighting, read("7ABC123", seconds=6, confidence=0.99), NOW))
    assert not consensus_is_new(open_sighting(read("7ABC123"), NOW))


def test_twin_sightings_of_one_car_are_recognised_and_merged_towards_the_lower_id() -> None:
    a = open_sighting(read("7ABC123", seconds=0), NOW)
    b = open_sighting(read("7ABC128", seconds=1), NOW)
    assert same_car(a, b) and same_car(b, a)
    kept, absorbed = survivor_of(b, a)
    assert kept.sighting_id == min(a.sighting_id, b.sighting_id) and absorbed.sighting_id != kept.sighting_id
    both = merged(kept, absorbed, NOW)
    assert sorted(both.read_ids) == sorted(a.read_ids + b.read_ids) and both.sighting_id == kept.sighting_id
    assert not same_car(a, a)
    assert not same_car(a, open_sighting(read("7ABC123", seconds=30), NOW))  # a later pass
    assert not same_car(a, open_sighting(read("7ABC123", seconds=1, camera="cam-2"), NOW))
    assert not same_car(a, open_sighting(read("5XYZ999", seconds=1), NOW))
    other_car_same_frame = read("7ABC124", frame=a.members[0].frame_id).model_copy(update={"read_id": "x#1"})
    assert not same_car(a, open_sighting(other_car_same_frame, NOW))
