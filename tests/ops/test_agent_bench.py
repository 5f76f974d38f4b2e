"""``alpr bench agent`` at a tiny size, with the plate gate: the figures are printed and the accounting closes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.timeout(300)
def test_the_agent_benchmark_at_a_tiny_size() -> None:
    # A separate process: the bench starts its own embedded AWS and would replace the suite's.
    alpr = Path(sys.executable).parent / "alpr"
    done = subprocess.run(
        [
            str(alpr),
            "bench",
            "agent",
            "--seconds",
            "3",
            "--width",
            "640",
            "--height",
            "360",
            "--plates",
            "2",
            "--plate-gate",
        ],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(line.split(None, 1) for line in done.stdout.splitlines() if line.strip())
    read, selected = int(figures["frames_read"]), int(figures["frames_selected"])
    assert read >= 25 and 0 < selected <= read
    assert int(figures["frames_sent"]) + int(figures["frames_dropped"]) == selected
    assert int(figures["spool_depth_after"]) == 0
    assert float(figures["agent_cpu_s_per_selected_frame"]) > 0
    assert figures["capture_to_read_median_s"] != "None"
    # The plate gate ran on the box: frames that passed motion and rate were checked, only plates were sent,
    # and both passing plates were read.
    checked = int(figures["frames_checked_by_plate_gate"])
    assert selected <= checked and float(figures["plate_detector_cpu_s_per_frame"]) > 0
    assert int(figures["plates_read"]) == int(figures["plates_passing"]) == 2
    # An RTSP stream is stamped by its own presentation times; without ffmpeg the bench reads the file.
    assert figures["capture_clock"] == ("stream" if shutil.which("ffmpeg") else "file")
    assert int(figures["frames_box_clock"]) == 0
