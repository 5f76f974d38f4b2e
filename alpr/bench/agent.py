"""``alpr bench agent``: a rendered stream (1080p by default) published over RTSP by Debian's ffmpeg, read by the
agent into a local stack with its event pumps running; prints frames read, selected, sent, spooled and dropped,
the agent's CPU per selected frame, and seconds from capture to read."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alpr.agent.runner import Agent, AgentSettings
from alpr.agent.selection import MotionGate, PlateGate, RateLimit, Selector
from alpr.clock import SystemClock, parse_timestamp
from alpr.local.demo_video import RtspPublisher, render_passing_cars
from alpr.local.pumps import PumpThread
from alpr.local.stack import LocalConfig, LocalStack, free_port
from alpr.schema import SourceClass
from alpr.services.cameras import register_camera

BENCH_PLATES = ("7ABC123", "4XYZ567", "8KLM901", "5DEF234", "6GHJ345", "3NPR456", "2STU567", "9VWX678")
BENCH_CAMERA = "bench-agent-1"


def run_bench(
    seconds: float = 20.0,
    size: tuple[int, int] = (1920, 1080),
    fps: int = 10,
    plates: int = 4,
    plate_gate: bool = False,
    max_fps: float = 2.0,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="alpr-bench-agent-") as work:
        root = Path(work)
        per_plate = seconds / max(1, plates)
        wanted = [BENCH_PLATES[i % len(BENCH_PLATES)] for i in range(plates)]
        video = root / "street.mp4"
        render_passing_cars(
            video, wanted, size=size, fps=fps, pass_s=per_plate * 2 / 3, gap_s=per_plate / 3, lead_in_s=1.0
        )
        stack = LocalStack(
            LocalConfig(
                moto_port=free_port(),
                api_port=free_port(),
                prefix=f"bench{uuid.uuid4().hex[:6]}",
                state_dir=root / "state",
                visibility_timeout_s=20,
            ),
            clock=SystemClock(),
        )
        stack.start(run_pumps=False)
        try:
            return _run(stack, root, video, wanted, plate_gate, max_fps)
        finally:
            stack.stop()


def _run(
    stack: LocalStack, root: Path, video: Path, wanted: list[str], plate_gate: bool, max_fps: float
) -> dict[str, Any]:
    assert stack.api is not None
    key = register_camera(stack.runtime.repos.cameras, BENCH_CAMERA, SourceClass.FIXED, "bench", 37.72, -122.15)
    rtsp = shutil.which("ffmpeg") is not None
    source = f"rtsp://127.0.0.1:{free_port()}/live" if rtsp else str(video)
    settings = AgentSettings(
        source=source,
        api_url=stack.api.url,
        camera_id=BENCH_CAMERA,
        key=key,
        spool_dir=root / "spool",
        max_fps=max_fps,
        rtsp_listen=rtsp,
        exit_when_done=True,
        heartbeat_s=5,
    )
    gate = PlateGate() if plate_gate else None
    selector = Selector(RateLimit(max_fps), motion=MotionGate(), plates=gate)
    agent = Agent(settings, selector)
    publisher = RtspPublisher(video, source) if rtsp else None
    pumps = PumpThread(stack.pumps, idle_sleep_s=0.02)
    pumps.start()
    started = time.monotonic()
    if publisher is not None:
        publisher.start()
    runner = threading.Thread(target=agent.run, name="bench-agent")
    runner.start()
    runner.join()
    if publisher is not None:
        publisher.stop()
    stack.drain(timeout_s=600)
    pumps.stop()
    pumps.join(timeout=30)
    wall_s = time.monotonic() - started
    counters = agent.spool.counters
    reads = stack.runtime.repos.reads.by_camera(BENCH_CAMERA, datetime.now(UTC))
    latencies = sorted((parse_timestamp(r.created_at) - parse_timestamp(r.captured_at)).total_seconds() for r in reads)
    found = {r.plate for r in reads}
    selected = max(1, counters.frames_selected)
    cpu = agent.cpu_s.get("capture", 0.0) + agent.cpu_s.get("send", 0.0)
    figures: dict[str, Any] = {
        "source": "rtsp (ffmpeg publish, agent listens)" if rtsp else "video file",
        "frame_size": f"{_size(video)}",
        "frames_read": counters.frames_read,
        "frames_selected": counters.frames_selected,
        "frames_spooled": counters.frames_spooled,
        "frames_sent": counters.frames_sent,
        "frames_dropped": counters.frames_dropped,
        "frames_refused": counters.frames_refused,
        "spool_depth_after": agent.spool.depth(),
        "agent_cpu_s_per_read_frame": round(agent.cpu_s.get("capture", 0.0) / max(1, counters.frames_read), 4),
        "agent_cpu_s_per_selected_frame": round(cpu / selected, 4),
        "plate_detector_cpu_s_per_frame": round(gate.cpu_s / gate.frames, 4) if gate and gate.frames else None,
        "frames_checked_by_plate_gate": gate.frames if gate else None,
        "capture_clock": counters.last_clock,
        "frames_box_clock": counters.frames_box_clock,
        "capture_to_read_median_s": round(statistics.median(latencies), 2) if latencies else None,
        "capture_to_read_max_s": round(latencies[-1], 2) if latencies else None,
        "plates_passing": len(wanted),
        "plates_read": len(found & set(wanted)),
        "wall_s": round(wall_s, 1),
        "cpus": os.cpu_count(),
    }
    return figures


def _size(video: Path) -> str:
    import cv2

    capture = cv2.VideoCapture(str(video))
    try:
        return f"{int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))}"
    finally:
        capture.release()
