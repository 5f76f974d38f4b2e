"""``alpr bench pipeline`` on a few frames: the accounting closes, clean and with every fault injected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {
    "frames",
    "cameras",
    "throughput_fps",
    "latency_median_ms",
    "latency_p95_ms",
    "reads",
    "no_plate",
    "dead_letter",
    "lost",
    "duplicated",
}


@pytest.mark.timeout(240)
def test_every_frame_is_accounted_for_with_and_without_faults() -> None:
    # A separate process: the bench starts its own embedded AWS and would replace the suite's.
    alpr = Path(sys.executable).parent / "alpr"
    done = subprocess.run(
        [str(alpr), "bench", "pipeline", "--frames", "120", "--cameras", "3", "--camera-fps", "20", "--json"],
        capture_output=True,
        text=True,
        timeout=230,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    for run in ("clean", "faulty"):
        figures = result[run]
        assert set(figures) == KEYS
        assert figures["frames"] == 120 and figures["cameras"] == 3
        assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
        assert figures["throughput_fps"] > 0 and figures["latency_p95_ms"] >= figures["latency_median_ms"] > 0
    assert result["clean"]["dead_letter"] == 0
    # One frame in fifty always fails OCR: those, and only a few more, end as dead letters, not lost.
    assert result["faulty"]["dead_letter"] >= 120 // 50
    # Each camera uploads on a schedule; the rate offered is printed with the figures.
    assert result["offered"] == {"per_camera_fps": 20.0, "total_fps": 60.0}
    injected = result["injected"]
    assert injected["ocr_failures"] > 0 and injected["throttled_writes"] > 0 and injected["duplicate_events"] > 0
