"""The agent's smaller parts: GPS readers, frame selection, back-off, and its few dependencies."""

from __future__ import annotations

import random
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np
import pytest

from alpr import schema
from alpr.agent import gps, uploader
from alpr.agent.selection import MotionGate, PlateGate, RateLimit, Selector
from alpr.agent.spool import Spool
from alpr.local.demo_video import render_passing_cars


def _nmea(body: str) -> str:
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    return f"${body}*{checksum:02X}"


def test_nmea_rmc_and_gga_fixes_with_checksums() -> None:
    rmc = _nmea("GPRMC,123519,A,3743.494,N,12209.366,W,022.4,084.4,011226,003.1,W")
    assert gps.parse_nmea(rmc) == pytest.approx((37.7249, -122.1561), abs=1e-4)
    gga = _nmea("GNGGA,123519,3743.494,N,12209.366,W,1,08,0.9,545.4,M,46.9,M,,")
    assert gps.parse_nmea(gga) == pytest.approx((37.7249, -122.1561), abs=1e-4)
    assert gps.parse_nmea(rmc[:-2] + "00") is None  # bad checksum
    assert gps.parse_nmea(_nmea("GPRMC,123519,V,3743.494,N,12209.366,W,,,011226,,")) is None  # no fix
    assert gps.parse_nmea(_nmea("GNGGA,123519,3743.494,N,12209.366,W,0,00,,,M,,M,,")) is None


def test_gpsd_socket_reader() -> None:
    """A gpsd stand-in on a free port speaking gpsd's JSON protocol (VERSION, then TPV reports after ?WATCH)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(b'{"class":"VERSION","release":"3.22"}\n')
            assert b"?WATCH" in connection.recv(200)
            connection.sendall(b'{"class":"TPV","mode":1}\n{"class":"TPV","mode":3,"lat":37.72,"lon":-122.15}\n')
            time.sleep(2)

    threading.Thread(target=serve, daemon=True).start()
    reader = gps.position_from(f"gpsd:127.0.0.1:{port}")
    assert isinstance(reader, gps.GpsdPosition)
    deadline = time.monotonic() + 10
    while reader.current() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reader.current() == (37.72, -122.15)
    reader.close()
    server.close()


def test_nmea_device_reader(tmp_path) -> None:
    device = tmp_path / "ttyUSB0"
    device.write_text(_nmea("GPRMC,123519,A,3743.494,N,12209.366,W,022.4,084.4,011226,003.1,W") + "\r\n")
    reader = gps.position_from(f"nmea:{device}")
    deadline = time.monotonic() + 10
    while reader is not None and reader.current() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reader is not None and reader.current() == pytest.approx((37.7249, -122.1561), abs=1e-4)
    reader.close()


def test_fixed_position_and_bad_specs() -> None:
    fixed = gps.position_from("fixed:37.72,-122.15")
    assert fixed is not None and fixed.current() == (37.72, -122.15)
    with pytest.raises(ValueError):
        gps.position_from("fixed:95,0")
    with pytest.raises(ValueError):
        gps.position_from("glonass")


def test_motion_gate_passes_change_and_drops_a_still_street() -> None:
    rng = np.random.default_rng(0)
    street = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
    gate = MotionGate()
    assert gate.moved(street)  # the first frame has nothing to compare with
    assert not gate.moved(street.copy())
    car = street.copy()
    car[100:300, 200:500] = 30
    assert gate.moved(car)


def test_rate_limit_by_capture_time() -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    limit = RateLimit(max_fps=2)
    allowed = [limit.allows(start + timedelta(milliseconds=100 * i)) for i in range(20)]
    assert sum(allowed) == 4  # two seconds of frames at 10 fps, at most 2 a second
    selector = Selector(RateLimit(0))
    assert all(selector.select(None, start) for _ in range(5))


def test_backoff_grows_exponentially_with_full_jitter_under_a_cap() -> None:
    backoff = uploader.Backoff(base_s=0.5, cap_s=8, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(10)]
    for attempt, delay in enumerate(delays):
        assert 0 <= delay <= min(8, 0.5 * 2**attempt)
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_the_agent_knows_the_servers_direct_limit() -> None:
    assert uploader.MAX_DIRECT_FRAME_BYTES == schema.MAX_DIRECT_FRAME_BYTES


def test_the_agent_runs_without_the_platforms_packages() -> None:
    """``alpr agent`` on an edge box: OpenCV, NumPy and requests only (no boto3, pydantic, Powertools, moto,
    onnxruntime unless the plate gate is asked for, nor Pillow: EXIF is parsed by the agent)."""
    script = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"boto3", "botocore", "pydantic", "aws_lambda_powertools", "moto", "onnxruntime",
                                  "rapidocr", "rapidocr_onnxruntime", "jwt", "PIL"}:
            raise ImportError("not on the edge box: " + name)
sys.meta_path.insert(0, Block())
import alpr.agent.cli, alpr.agent.runner, alpr.agent.uploader, alpr.agent.gps, alpr.agent.sources
sys.exit(alpr.agent.cli.main(["status", "--spool", sys.argv[1]]))
"""
    done = subprocess.run([sys.executable, "-c", script, "/nonexistent-spool"], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "no agent spool" in done.stderr


def test_the_plate_gate_passes_frames_with_a_plate_and_drops_the_empty_street(tmp_path: Path) -> None:
    """The shipped detector on the rendered street (decoded from the video, as the agent sees it): every frame
    with a passing car's plate passes, every frame of the empty street between cars is dropped."""
    video = tmp_path / "street.mp4"
    passes = render_passing_cars(video, ["7ABC123", "4XYZ567"], size=(1280, 720), fps=4, pass_s=1.5, gap_s=1.0)
    with_plate = {n for p in passes for n in range(p.first_frame, p.last_frame + 1)}
    gate = PlateGate()
    capture = cv2.VideoCapture(str(video))
    verdicts: dict[int, bool] = {}
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            verdicts[len(verdicts)] = gate.has_plate(image)
    finally:
        capture.release()
    assert len(verdicts) > len(with_plate) > 0
    assert {n for n, passed in verdicts.items() if passed} == with_plate
    assert gate.frames == len(verdicts) and gate.cpu_s > 0


class _DateServer(BaseHTTPRequestHandler):
    """Accepts a frame with a 202; http.server sends the real ``Date`` header."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"frame_id": "f-1"}'
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize(("box_ahead_s", "warned"), [(0.0, False), (30.0, True), (-30.0, True)])
def test_the_clock_skew_check_against_the_servers_date_header(tmp_path: Path, box_ahead_s: float, warned: bool) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DateServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        spool = Spool(tmp_path / "spool")
        spool.add(b"\xff\xd8 frame \xff\xd9", "cam:1:abc", datetime.now(UTC).isoformat())
        sender = uploader.Uploader(
            f"http://{host!s}:{port}",
            uploader.Credentials("cam", "key"),
            spool,
            now=lambda: datetime.now(UTC) + timedelta(seconds=box_ahead_s),
        )
        frame = spool.oldest()
        assert frame is not None
        assert sender.send(frame) == "sent"
    finally:
        server.shutdown()
        server.server_close()
    skew = spool.counters.clock_skew_s
    assert skew is not None and abs(skew - box_ahead_s) <= 1.5  # Date has one-second resolution
    error = spool.counters.last_error or ""
    assert ("clock skew" in error) is warned
    if warned:
        said = re.search(r"this box is ([+-]\d+) s from the server's clock", error)
        assert said is not None and abs(int(said.group(1)) - box_ahead_s) <= 1.5
