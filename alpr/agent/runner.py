"""The agent: a capture thread (source -> selection -> spool), a sending thread (spool -> API) and a heartbeat."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import requests

from alpr.agent import AGENT_VERSION
from alpr.agent.gps import Position
from alpr.agent.selection import Selector
from alpr.agent.sources import Frame, SourceError, classify, open_source
from alpr.agent.spool import Spool, exclusive
from alpr.agent.uploader import Backoff, Credentials, Sender, Uploader

log = logging.getLogger("alpr.agent")
JPEG_QUALITY = 90


@dataclass
class AgentSettings:
    source: str
    api_url: str
    camera_id: str
    key: str
    spool_dir: Path
    max_fps: float = 2.0
    motion: bool = True
    plate_gate: bool = False
    position: Position | None = None
    heartbeat_s: float = 60.0
    rtsp_listen: bool = False
    spool_max_frames: int = 10_000
    spool_max_bytes: int = 2 * 1024**3
    spool_policy: str = "drop-oldest"
    # Leave once the source has ended and the spool is empty (a video file, tests, the benchmark).
    exit_when_done: bool = False
    reconnect_s: float = 2.0
    extra: dict[str, Any] = field(default_factory=dict)


def client_frame_id(camera_id: str, captured_at: datetime, jpeg: bytes) -> str:
    """Stable for one frame (its capture time and bytes), so every resend of it names the same frame."""
    millis = int(captured_at.timestamp() * 1000)
    return f"{camera_id}:{millis}:{hashlib.sha256(jpeg).hexdigest()[:16]}"


def encode_jpeg(frame: Frame) -> bytes:
    if frame.jpeg is not None:
        return frame.jpeg
    assert frame.image is not None
    ok, data = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise SourceError("could not encode a frame as JPEG")
    return data.tobytes()


class Agent:
    def __init__(self, settings: AgentSettings, selector: Selector, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.selector = selector
        self.spool = Spool(
            settings.spool_dir, settings.spool_max_frames, settings.spool_max_bytes, settings.spool_policy
        )
        self.stop = threading.Event()
        self.source_done = threading.Event()
        self.uploader = Uploader(settings.api_url, Credentials(settings.camera_id, settings.key), self.spool, session)
        self.sender = Sender(self.uploader, self.stop, Backoff())
        # Seconds from capture to 202, per frame sent in this run (the benchmark's end-to-end figure starts here).
        self.capture_times: dict[str, datetime] = {}
        # CPU seconds of the capture thread (decode, selection, JPEG encoding, spool) and the sending thread.
        self.cpu_s: dict[str, float] = {}

    # --- capture -----------------------------------------------------------------------------------------

    def capture(self) -> None:
        settings = self.settings
        while not self.stop.is_set():
            try:
                frames = open_source(
                    settings.source,
                    rtsp_listen=settings.rtsp_listen,
                    stop=self.stop.is_set,
                    until_empty=settings.exit_when_done,
                )
                for frame in frames:
                    self.spool.count(save=False, frames_read=1)
                    if self.selector.select(frame.image, frame.captured_at):
                        self._spool(frame)
                self.spool.save_counters()
                if settings.exit_when_done or classify(settings.source)[0] == "file":
                    break
            except SourceError as exc:
                log.warning("source: %s", exc)
                self.spool.note_error(f"source: {exc}", datetime.now(UTC).isoformat())
                if settings.exit_when_done:
                    break
            self.stop.wait(settings.reconnect_s)
        self.cpu_s["capture"] = time.thread_time()
        self.source_done.set()

    def _spool(self, frame: Frame) -> None:
        jpeg = encode_jpeg(frame)
        position = self.settings.position.current() if self.settings.position else None
        frame_id = client_frame_id(self.settings.camera_id, frame.captured_at, jpeg)
        self.capture_times[frame_id] = frame.captured_at
        self.spool.add(
            jpeg,
            frame_id,
            frame.captured_at.isoformat(),
            latitude=position[0] if position else None,
            longitude=position[1] if position else None,
            clock=frame.clock,
        )
        self.sender.wake.set()

    # --- heartbeat ---------------------------------------------------------------------------------------

    def heartbeat(self) -> bool:
        status = self.spool.status()
        body = {
            "agent_version": AGENT_VERSION,
            "spool_depth": status["spool_depth"],
            "oldest_unsent": status["oldest_unsent"],
            "last_error": status["last_error"],
            "frames_sent": status["frames_sent"],
            "frames_dropped": status["frames_dropped"],
            "frames_refused": status["frames_refused"],
            "clock_skew_s": status["clock_skew_s"],
            "last_clock": status["last_clock"],
            "frames_box_clock": status["frames_box_clock"],
            "source": self.settings.source.split("@")[-1][:200],  # never the stream's password
        }
        try:
            response = self.uploader.session.post(
                f"{self.uploader.api_url}/v1/cameras/heartbeat",
                json=body,
                headers=self.uploader.credentials.headers(),
                timeout=10,
            )
        except requests.RequestException as exc:
            log.info("heartbeat not delivered: %s", exc)
            return False
        return response.status_code == 200

    def _heartbeats(self) -> None:
        while not self.stop.is_set():
            self.heartbeat()
            self.stop.wait(self.settings.heartbeat_s)

    # --- run ---------------------------------------------------------------------------------------------

    def run(self) -> int:
        with exclusive(self.settings.spool_dir):
            threads = [
                threading.Thread(target=self.capture, name="agent-capture", daemon=True),
                threading.Thread(target=self._heartbeats, name="agent-heartbeat", daemon=True),
            ]
            for thread in threads:
                thread.start()
            sending_cpu = time.thread_time()
            try:
                self.sender.run(until_empty=lambda: self.settings.exit_when_done and self.source_done.is_set())
            except KeyboardInterrupt:
                pass
            finally:
                self.cpu_s["send"] = time.thread_time() - sending_cpu
                self.stop.set()
                for thread in threads:
                    thread.join(timeout=5)
                self.spool.save_counters()
            self.heartbeat()
        return 0
