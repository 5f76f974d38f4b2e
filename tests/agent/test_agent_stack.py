"""The agent against the local stack: a real RTSP stream (Debian's ffmpeg publishing a rendered street), and the
faults of a real link: the API unreachable and back, the agent killed mid-upload, a full spool. Afterwards every
selected frame is accounted for: uploaded once, or counted as dropped by the stated policy; none twice."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import pytest

from alpr.agent.runner import Agent, AgentSettings
from alpr.agent.selection import MotionGate, RateLimit, Selector
from alpr.agent.spool import Spool
from alpr.agent.uploader import Backoff
from alpr.clock import FixedClock
from alpr.domain.records import FrameStatus
from alpr.local.demo_video import Pass, RtspPublisher, render_passing_cars
from alpr.local.stack import LocalStack, free_port
from tests.agent.exif import with_exif
from tests.agent.mjpeg_server import MjpegCamera, Part
from tests.agent.proxy import FaultyLink
from tests.integration.helpers import bucket_keys, table_items

CAMERA = "demo-fixed-1"
PLATES = ["7ABC123", "4XYZ567", "8KLM901"]


@pytest.fixture(scope="module")
def street(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Pass]]:
    video = tmp_path_factory.mktemp("video") / "street.mp4"
    return video, render_passing_cars(video, PLATES, size=(960, 540), fps=10, pass_s=2.0, gap_s=1.0, lead_in_s=1.0)


@pytest.fixture
def live_stack(stack: LocalStack) -> LocalStack:
    """The agent stamps frames with the real clock (the box's), so the stack's clock is the real time too."""
    assert isinstance(stack.clock, FixedClock)
    stack.clock.set(datetime.now(UTC))
    return stack


@pytest.fixture
def link(live_stack: LocalStack) -> Iterator[FaultyLink]:
    assert live_stack.api is not None
    host, port = live_stack.api.server.server_address[:2]
    faulty = FaultyLink((str(host), int(port)))
    yield faulty
    faulty.release.set()
    faulty.close()


def make_agent(stack: LocalStack, api_url: str, source: str, spool: Path, **settings: object) -> Agent:
    agent = Agent(
        AgentSettings(
            source=source,
            api_url=api_url,
            camera_id=CAMERA,
            key=stack.demo_keys[CAMERA],
            spool_dir=spool,
            exit_when_done=True,
            heartbeat_s=1,
            **settings,  # type: ignore[arg-type]
        ),
        Selector(RateLimit(2.0), motion=MotionGate()),
    )
    agent.sender.backoff = Backoff(base_s=0.05, cap_s=0.5)
    return agent


def assert_accounted_once(stack: LocalStack, spool: Spool) -> None:
    """Every selected frame: uploaded once or counted dropped; the server has each exactly once."""
    counters = spool.counters
    assert spool.depth() == 0
    assert counters.frames_selected == counters.frames_sent + counters.frames_dropped + counters.frames_refused
    assert counters.frames_refused == 0
    frames = table_items(stack, "frames")
    client_ids = [f["client_frame_id"] for f in frames]
    assert len(client_ids) == len(set(client_ids)) == counters.frames_sent
    assert len(bucket_keys(stack)) == len(frames)


@pytest.mark.timeout(240)
def test_an_rtsp_stream_every_passing_plate_ends_as_a_read(
    live_stack: LocalStack, street: tuple[Path, list[Pass]], tmp_path: Path
) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("Debian's ffmpeg is not installed: apt-get install ffmpeg (.ci/run does)")
    video, passes = street
    assert live_stack.api is not None
    url = f"rtsp://127.0.0.1:{free_port()}/live"
    agent = make_agent(live_stack, live_stack.api.url, url, tmp_path / "spool", rtsp_listen=True)
    publisher = RtspPublisher(video, url)
    publisher.start()
    agent.run()
    publisher.stop()
    assert publisher.returncode == 0
    counters = agent.spool.counters
    assert counters.frames_read >= 80  # 90 frames published; the first may go before the decoder has a key frame
    assert 0 < counters.frames_selected < counters.frames_read  # motion gating and 2 fps dropped most
    # Stamped by the stream's own presentation times (anchored at its first frame), not the box's clock.
    assert counters.last_clock == "stream" and counters.frames_box_clock == 0
    assert_accounted_once(live_stack, agent.spool)
    live_stack.drain()
    plates = {r["plate"] for r in table_items(live_stack, "reads")}
    assert plates >= {p.plate for p in passes}
    statuses = {f["status"] for f in table_items(live_stack, "frames")}
    assert statuses <= {FrameStatus.READ.value, FrameStatus.NO_PLATE.value}
    # the heartbeat reached the server: the camera is reporting
    [health] = [h for h in live_stack.runtime.camera_health.report() if h.camera_id == CAMERA]
    assert health.state.value == "ok" and health.agent_version and health.spool_depth == 0
    # and it says which clock stamped the frames (a last beat, after the stream ended, for certain)
    assert agent.heartbeat()
    [health] = [h for h in live_stack.runtime.camera_health.report() if h.camera_id == CAMERA]
    assert (health.last_clock, health.frames_box_clock) == ("stream", 0), health


@pytest.mark.timeout(180)
def test_the_api_unreachable_then_back(
    live_stack: LocalStack, street: tuple[Path, list[Pass]], link: FaultyLink, tmp_path: Path
) -> None:
    """The agent starts before the API is reachable (the link's port is closed), then the port opens."""
    video, _ = street
    agent = make_agent(live_stack, link.url, str(video), tmp_path / "spool")
    runner = threading.Thread(target=agent.run)
    runner.start()
    assert agent.source_done.wait(60)
    assert agent.spool.depth() == agent.spool.counters.frames_selected > 0  # all waiting on disk
    assert "ConnectionError" in (agent.spool.counters.last_error or "")
    link.open()
    runner.join(60)
    assert not runner.is_alive()
    assert_accounted_once(live_stack, agent.spool)
    assert agent.spool.counters.frames_dropped == 0


@pytest.mark.timeout(180)
def test_a_full_spool_drops_the_oldest_and_counts_them(
    live_stack: LocalStack, street: tuple[Path, list[Pass]], link: FaultyLink, tmp_path: Path
) -> None:
    video, _ = street
    agent = make_agent(live_stack, link.url, str(video), tmp_path / "spool", spool_max_frames=3)
    runner = threading.Thread(target=agent.run)
    runner.start()
    assert agent.source_done.wait(60)
    selected = agent.spool.counters.frames_selected
    assert selected > 3 and agent.spool.depth() == 3
    assert agent.spool.counters.frames_dropped == selected - 3
    link.open()
    runner.join(60)
    assert_accounted_once(live_stack, agent.spool)
    assert agent.spool.counters.frames_sent == 3


@pytest.mark.timeout(240)
def test_the_agent_killed_mid_upload_and_restarted(
    live_stack: LocalStack, street: tuple[Path, list[Pass]], link: FaultyLink, tmp_path: Path
) -> None:
    """kill -9 while a frame's 202 is on its way back: the server has the frame, the agent never heard. The
    restarted agent resends it under the same X-Client-Frame-Id and is told "duplicate": stored once."""
    video, _ = street
    spool = tmp_path / "spool"
    command = [sys.executable, "-m", "alpr.agent.cli", "run", "--source", str(video), "--api", link.url]
    command += ["--camera", CAMERA, "--spool", str(spool), "--exit-when-done", "--heartbeat-s", "1"]
    environment = {**os.environ, "ALPR_CAMERA_KEY": live_stack.demo_keys[CAMERA]}
    link.hold_answers.set()
    link.open()
    first = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert link.holding.wait(60), "no upload reached the server"
    time.sleep(0.5)  # let the capture thread spool more frames behind the held one
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    held_on_server = len(table_items(live_stack, "frames"))
    assert held_on_server >= 1
    link.hold_answers.clear()
    link.release.set()
    second = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    after = Spool(spool)
    assert after.counters.frames_duplicate >= 1
    assert_accounted_once(live_stack, after)


@pytest.mark.timeout(180)
def test_an_mjpeg_camera_its_own_jpegs_and_timestamps_reach_the_stack(
    live_stack: LocalStack, street: tuple[Path, list[Pass]], tmp_path: Path
) -> None:
    """An IP camera's HTTP MJPEG stream (served on 127.0.0.1 behind HTTP Basic, parts stamped with X-Timestamp)
    read by the agent into the stack: each selected frame arrives once, as the camera's own JPEG, with the
    camera's capture time."""
    video, _ = street
    capture = cv2.VideoCapture(str(video))
    jpegs: list[bytes] = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        jpegs.append(cv2.imencode(".jpg", image)[1].tobytes())
    capture.release()
    start = datetime.now(UTC) - timedelta(minutes=2)
    parts = [Part(data, timestamp=start.timestamp() + 0.1 * i) for i, data in enumerate(jpegs)]
    camera = MjpegCamera(parts)
    assert live_stack.api is not None
    with camera.serving() as url:
        agent = make_agent(live_stack, live_stack.api.url, url, tmp_path / "spool")
        agent.run()
    counters = agent.spool.counters
    assert counters.frames_read == len(jpegs)
    assert 0 < counters.frames_selected < counters.frames_read
    assert counters.last_clock == "stream" and counters.frames_box_clock == 0
    assert_accounted_once(live_stack, agent.spool)
    stamps = [p.timestamp or 0 for p in parts]
    for item in table_items(live_stack, "frames"):  # the server keeps milliseconds
        captured = datetime.fromisoformat(item["captured_at"]).timestamp()
        assert min(abs(captured - stamp) for stamp in stamps) < 0.001
    stored = {hashlib.sha256(b).hexdigest() for b in jpegs}
    s3, bucket = live_stack.session.client("s3"), live_stack.settings.images_bucket
    bodies = [s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in bucket_keys(live_stack)]
    assert {hashlib.sha256(b).hexdigest() for b in bodies} <= stored  # not re-encoded on the way


@pytest.mark.timeout(180)
def test_a_watched_folder_each_file_sent_once_across_restarts(
    live_stack: LocalStack, street: tuple[Path, list[Pass]], tmp_path: Path
) -> None:
    """A camera drops event JPEGs (with EXIF capture times) into a folder: each is sent once with its own time;
    a restarted agent sends only the files that arrived since."""
    video, passes = street
    capture = cv2.VideoCapture(str(video))
    images = []
    for index in range(passes[-1].last_frame + 1):
        ok, image = capture.read()
        assert ok
        if any(index == p.first_frame + 5 for p in passes):
            images.append(image)
    capture.release()
    folder, spool = tmp_path / "ftp", tmp_path / "spool"
    folder.mkdir()
    taken = [datetime(2026, 12, 6, 10, 0, second, tzinfo=UTC) for second in range(len(images))]

    def drop(index: int) -> None:
        jpeg = cv2.imencode(".jpg", images[index])[1].tobytes()
        stamp = taken[index].strftime("%Y:%m:%d %H:%M:%S")
        (folder / f"event-{index}.jpg").write_bytes(with_exif(jpeg, stamp, "+00:00"))

    def run_agent() -> Agent:
        assert live_stack.api is not None
        agent = make_agent(live_stack, live_stack.api.url, str(folder), spool)
        agent.selector = Selector(RateLimit(0))  # each event is a frame to send (--no-motion --max-fps 0)
        agent.run()
        return agent

    for index in range(len(images) - 1):
        drop(index)
    first = run_agent()
    assert first.spool.counters.frames_sent == len(images) - 1
    drop(len(images) - 1)
    second = run_agent()
    assert second.spool.counters.frames_sent == len(images)  # the counters span restarts: one more
    assert second.spool.counters.last_clock == "exif" and second.spool.counters.frames_box_clock == 0
    assert sorted(p.name for p in (folder / "done").iterdir()) == [f"event-{i}.jpg" for i in range(len(images))]
    assert_accounted_once(live_stack, second.spool)
    captured = sorted(datetime.fromisoformat(f["captured_at"]) for f in table_items(live_stack, "frames"))
    assert captured == taken
