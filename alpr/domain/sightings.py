"""Sightings: the frames one camera took of one passing car, read as one plate.

A camera sends several frames of a passing car, and each frame's read can lose
or confuse a character. Reads of one camera that are close in time (within
``SIGHTING_WINDOW`` of the sighting's frames) and whose plates agree or nearly
agree (one edit apart, or equal once look-alikes such as 0/O/D or 8/B are
folded) are grouped into one sighting. The frames then vote character by
character, weighted by their confidence, for the sighting's consensus plate.

Plain Python: no storage here (see ``alpr.services.sightings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field

from alpr.domain.alignment import aligned_positions, edit_distance
from alpr.domain.records import PlateRead, Record
from alpr.schema import SourceClass

SIGHTING_WINDOW = timedelta(seconds=10)
MAX_EDITS = 1
# Commonest US plate length: breaks ties between equally supported lengths.
_TYPICAL_LENGTH = 7

# Characters that blur into each other on plates; one key character per class.
_LOOK_ALIKE_CLASSES = ("0OQDU", "1IL", "2Z", "5S", "8B", "6G", "4A", "VY", "NW", "EF", "MH")
_KEY_OF = {char: group[0] for group in _LOOK_ALIKE_CLASSES for char in group}


def confusion_key(plate: str) -> str:
    """The plate with every look-alike replaced by its class's key: 8OB5 and B0B5 share one key."""
    return "".join(_KEY_OF.get(char, char) for char in plate)


def consensus_is_new(sighting: Sighting) -> bool:
    """True when no frame read the consensus plate itself, so matching each frame's read did not cover it."""
    return sighting.plate not in {m.plate for m in sighting.members}


def plates_agree(a: str, b: str) -> bool:
    return edit_distance(a, b) <= MAX_EDITS or confusion_key(a) == confusion_key(b)


class SightingMember(Record):
    """One frame's read, as the sighting keeps it to recompute the vote."""

    read_id: str
    frame_id: str
    plate: str
    confidence: float = Field(ge=0, le=1)
    captured_at: str


class Sighting(Record):
    sighting_id: str
    camera_id: str
    source: SourceClass
    plate: str  # consensus of the members' plates
    confidence: float = Field(ge=0, le=1)
    first_seen: str
    last_seen: str
    members: list[SightingMember]
    created_at: str
    updated_at: str
    # Gone when its earliest frame's read is: a sighting never outlives the data it came from.
    expires_at: int | None = None
    # Optimistic locking: a writer only replaces the version it read.
    version: int = 0

    @property
    def read_ids(self) -> list[str]:
        return [m.read_id for m in self.members]


@dataclass(frozen=True)
class Consensus:
    plate: str
    confidence: float


def sighting_id_for(first_read_id: str) -> str:
    """Named after the read that opened it, so a retried OCR step opens the same sighting."""
    return f"sighting#{first_read_id}"


def member_of(read: PlateRead) -> SightingMember:
    return SightingMember(
        read_id=read.read_id,
        frame_id=read.frame_id,
        plate=read.plate,
        confidence=read.confidence,
        captured_at=read.captured_at,
    )


def belongs_to(read: PlateRead, sighting: Sighting) -> bool:
    """Same camera, within the window of the sighting's frames, no other read of the same frame, plates agree."""
    if read.camera_id != sighting.camera_id:
        return False
    earliest = capture_time(sighting.first_seen) - SIGHTING_WINDOW
    latest = capture_time(sighting.last_seen) + SIGHTING_WINDOW
    if not earliest <= capture_time_of(read) <= latest:
        return False
    # Two plates in one frame are two cars.
    if any(m.frame_id == read.frame_id and m.read_id != read.read_id for m in sighting.members):
        return False
    return any(plates_agree(read.plate, m.plate) for m in sighting.members) or plates_agree(read.plate, sighting.plate)


def same_car(a: Sighting, b: Sighting) -> bool:
    """Two sightings that concurrent frames of one passing car opened at the same moment, to be merged.

    The same test a read passes to join a sighting, applied between the two sightings' frames.
    """
    if a.sighting_id == b.sighting_id or a.camera_id != b.camera_id:
        return False
    if capture_time(a.first_seen) - SIGHTING_WINDOW > capture_time(b.last_seen):
        return False
    if capture_time(b.first_seen) - SIGHTING_WINDOW > capture_time(a.last_seen):
        return False
    reads_by_frame = {m.frame_id: m.read_id for m in a.members}
    if any(reads_by_frame.get(m.frame_id, m.read_id) != m.read_id for m in b.members):
        return False  # two plates in one frame are two cars
    return plates_agree(a.plate, b.plate) or any(plates_agree(x.plate, y.plate) for x in a.members for y in b.members)


def survivor_of(a: Sighting, b: Sighting) -> tuple[Sighting, Sighting]:
    """(kept, absorbed): the lower id is kept, so two writers merging the same pair agree on the direction."""
    return (a, b) if a.sighting_id < b.sighting_id else (b, a)


def merged(kept: Sighting, absorbed: Sighting, now_iso: str) -> Sighting:
    members = [*kept.members, *(m for m in absorbed.members if m.read_id not in kept.read_ids)]
    expiries = [e for e in (kept.expires_at, absorbed.expires_at) if e is not None]
    return with_members(kept, members, min(expiries) if expiries else None, now_iso)


def choose_sighting(read: PlateRead, open_sightings: Iterable[Sighting]) -> Sighting | None:
    """The sighting the read joins: among those it belongs to, the closest plate, then the latest."""
    fitting = [s for s in open_sightings if belongs_to(read, s)]
    if not fitting:
        return None
    return min(fitting, key=lambda s: (edit_distance(read.plate, s.plate), _negated_time(s.last_seen)))


def _negated_time(text: str) -> float:
    return -capture_time(text).timestamp()


def capture_time_of(read: PlateRead) -> datetime:
    return capture_time(read.captured_at)


def capture_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def open_sighting(read: PlateRead, now_iso: str) -> Sighting:
    return with_members(
        Sighting(
            sighting_id=sighting_id_for(read.read_id),
            camera_id=read.camera_id,
            source=read.source,
            plate=read.plate,
            confidence=read.confidence,
            first_seen=read.captured_at,
            last_seen=read.captured_at,
            members=[],
            created_at=now_iso,
            updated_at=now_iso,
            expires_at=read.expires_at,
        ),
        [member_of(read)],
        read.expires_at,
        now_iso,
    )


def joined(sighting: Sighting, read: PlateRead, now_iso: str) -> Sighting:
    """The sighting with the read added (or unchanged if it is already a member)."""
    if read.read_id in sighting.read_ids:
        return sighting
    expiries = [e for e in (sighting.expires_at, read.expires_at) if e is not None]
    return with_members(sighting, [*sighting.members, member_of(read)], min(expiries) if expiries else None, now_iso)


def with_members(sighting: Sighting, members: list[SightingMember], expires_at: int | None, now_iso: str) -> Sighting:
    consensus = vote([(m.plate, m.confidence) for m in members])
    times = sorted(members, key=lambda m: capture_time(m.captured_at))
    return sighting.model_copy(
        update={
            "members": members,
            "plate": consensus.plate,
            "confidence": consensus.confidence,
            "first_seen": times[0].captured_at,
            "last_seen": times[-1].captured_at,
            "expires_at": expires_at,
            "updated_at": now_iso,
        }
    )


def vote(reads: Sequence[tuple[str, float]]) -> Consensus:
    """Character-by-character vote of (plate, confidence) reads, weighted by confidence.

    The length with the most confidence behind it wins; reads of that length vote
    position by position, reads one character longer or shorter vote through an
    edit alignment with the most confident read of the winning length. The
    consensus confidence is, at its weakest position, the lower of the winner's
    share of the votes and the chance that at least one of the frames voting for
    it is right (so agreeing frames raise it, disagreeing ones lower it).
    """
    usable = [(plate, max(confidence, 1e-3)) for plate, confidence in reads if plate]
    if not usable:
        raise ValueError("a vote needs at least one non-empty plate")
    support: dict[int, float] = {}
    for plate, confidence in usable:
        support[len(plate)] = support.get(len(plate), 0.0) + confidence
    length = max(support, key=lambda n: (support[n], -abs(n - _TYPICAL_LENGTH)))
    pivot = max((r for r in usable if len(r[0]) == length), key=lambda r: r[1])[0]
    ballots: list[dict[str, list[float]]] = [{} for _ in range(length)]
    for plate, confidence in usable:
        pairs = [(i, i) for i in range(length)] if len(plate) == length else aligned_positions(pivot, plate)
        for i, j in pairs:
            ballots[i].setdefault(plate[j], []).append(confidence)
    text = []
    confidence = 1.0
    for position, ballot in enumerate(ballots):
        if not ballot:  # only reachable for a pivot position no aligned read covers: the pivot itself votes
            ballot = {pivot[position]: [1e-3]}
        winner = max(ballot, key=lambda c: (sum(ballot[c]), c == pivot[position]))
        total = sum(sum(v) for v in ballot.values())
        share = sum(ballot[winner]) / total
        at_least_one_right = 1.0
        for c in ballot[winner]:
            at_least_one_right *= 1.0 - c
        confidence = min(confidence, share, 1.0 - at_least_one_right)
        text.append(winner)
    return Consensus("".join(text), round(confidence, 4))
