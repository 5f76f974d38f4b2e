"""The spool's promises: written before sending, removed only after the server took the frame, bounded with a
counted policy, and the counters add up after a crash at any point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alpr.agent.spool import FRAME_SUFFIX, STATE_FILE, Spool, exclusive

JPEG = b"\xff\xd8\xff" + b"x" * 100


def balanced(spool: Spool) -> bool:
    c = spool.counters
    return c.frames_selected == c.frames_sent + c.frames_refused + c.frames_dropped + spool.depth()


def test_frames_wait_on_disk_until_removed_with_their_outcome(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    for i in range(3):
        assert spool.add(JPEG, f"cam:{i}", "2026-12-01T10:00:00+00:00", latitude=37.7, longitude=-122.1)
    assert spool.depth() == 3
    first = spool.oldest()
    assert first is not None and first.client_frame_id == "cam:0" and first.read_image() == JPEG
    assert (first.latitude, first.longitude) == (37.7, -122.1)
    spool.remove(first, "sent", "t")
    second = spool.oldest()
    assert second is not None
    spool.remove(second, "refused", "t")
    assert spool.depth() == 1
    assert (spool.counters.frames_sent, spool.counters.frames_refused) == (1, 1)
    assert balanced(spool)
    # the counters survive a restart
    again = Spool(tmp_path)
    assert again.counters.frames_sent == 1 and again.depth() == 1 and balanced(again)


@pytest.mark.parametrize("policy", ["drop-oldest", "drop-newest"])
def test_a_full_spool_drops_by_its_policy_and_counts_every_drop(tmp_path: Path, policy: str) -> None:
    spool = Spool(tmp_path, max_frames=3, policy=policy)
    results = [spool.add(JPEG, f"cam:{i}", "2026-12-01T10:00:00+00:00") for i in range(5)]
    kept = [f.client_frame_id for f in spool.pending()]
    if policy == "drop-oldest":
        assert results == [True] * 5 and kept == ["cam:2", "cam:3", "cam:4"]
    else:
        assert results == [True, True, True, False, False] and kept == ["cam:0", "cam:1", "cam:2"]
    assert spool.counters.frames_dropped == 2 and spool.counters.frames_selected == 5
    assert balanced(spool)


def test_a_byte_bound_is_honoured_too(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_frames=100, max_bytes=450)
    for i in range(5):
        spool.add(JPEG, f"cam:{i}", "2026-12-01T10:00:00+00:00")
    assert sum(p.stat().st_size for p in tmp_path.glob(f"*{FRAME_SUFFIX}")) <= 450
    assert balanced(spool)


def test_a_crash_after_the_frame_was_written_but_before_the_counters(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.add(JPEG, "cam:0", "2026-12-01T10:00:00+00:00")
    state = json.loads((tmp_path / STATE_FILE).read_text())
    spool.add(JPEG, "cam:1", "2026-12-01T10:00:01+00:00")
    # kill -9 here: the frame file is committed, the counters still the old ones
    (tmp_path / STATE_FILE).write_text(json.dumps(state))
    recovered = Spool(tmp_path)
    assert recovered.counters.frames_selected == 2 and recovered.depth() == 2 and balanced(recovered)


def test_a_crash_after_the_outcome_was_counted_but_before_the_file_went(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.add(JPEG, "cam:0", "2026-12-01T10:00:00+00:00")
    frame = spool.oldest()
    assert frame is not None
    image = frame.path.read_bytes()
    spool.remove(frame, "sent", "t")
    # kill -9 between the counters and the unlink: the file is still there, the counters say sent
    frame.path.write_bytes(image)
    state = json.loads((tmp_path / STATE_FILE).read_text())
    state["removing"] = frame.path.name
    (tmp_path / STATE_FILE).write_text(json.dumps(state))
    recovered = Spool(tmp_path)
    assert recovered.depth() == 0 and recovered.counters.frames_sent == 1 and balanced(recovered)


def test_half_written_files_are_not_frames(tmp_path: Path) -> None:
    Spool(tmp_path).add(JPEG, "cam:0", "2026-12-01T10:00:00+00:00")
    (tmp_path / f"000000000002-cam_1{FRAME_SUFFIX}.tmp").write_bytes(b"{trunc")
    spool = Spool(tmp_path)
    assert spool.depth() == 1 and not list(tmp_path.glob("*.tmp"))


def test_one_agent_per_spool(tmp_path: Path) -> None:
    with exclusive(tmp_path), pytest.raises(RuntimeError, match="another agent"), exclusive(tmp_path):
        pass
