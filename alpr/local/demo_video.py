"""A rendered street video for the agent's tests and benchmark: cars (the demo photo's car and plate, made here,
so no licence issue) pass one after another, panned across the frame and growing as they approach, with an empty
street between them (which motion gating should drop)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from alpr.local.demo import render_plate_photo


@dataclass(frozen=True)
class Pass:
    plate: str
    first_frame: int
    last_frame: int


def _street(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    street = np.full((height, width, 3), 95, np.uint8)
    street[: height // 2] = (175, 160, 140)
    noise = rng.integers(0, 12, street.shape, dtype=np.uint8)
    return np.asarray(cv2.add(street, noise), dtype=np.uint8)


def render_passing_cars(
    path: Path,
    plates: list[str],
    size: tuple[int, int] = (1280, 720),
    fps: int = 10,
    pass_s: float = 2.0,
    gap_s: float = 1.0,
) -> list[Pass]:
    """Writes ``path`` (MPEG-4 in .mp4, or MJPEG in .avi) and returns when each plate is in view."""
    width, height = size
    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if path.suffix == ".avi" else "mp4v"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    street = _street(width, height)
    passes: list[Pass] = []
    frame_number = 0
    pass_frames, gap_frames = max(2, round(pass_s * fps)), round(gap_s * fps)
    try:
        for plate in plates:
            car = render_plate_photo(plate, 1280, 720)
            first = frame_number
            for step in range(pass_frames):
                progress = step / (pass_frames - 1)
                # Approaching: 75% of the frame's width growing to 95%, panned from right of centre to left.
                scale = (0.75 + 0.2 * progress) * width / car.shape[1]
                scaled = cv2.resize(car, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                frame = street.copy()
                h, w = scaled.shape[:2]
                x = int((width - w) / 2 + (0.12 - 0.24 * progress) * width)
                y = height - h
                left, right = max(0, x), min(width, x + w)
                frame[max(0, y) : height, left:right] = scaled[max(0, -y) :, left - x : right - x]
                writer.write(frame)
                frame_number += 1
            passes.append(Pass(plate, first, frame_number - 1))
            for _ in range(gap_frames):
                writer.write(street)
                frame_number += 1
    finally:
        writer.release()
    return passes


class RtspPublisher(threading.Thread):
    """Debian's ffmpeg publishing ``video`` in real time (``-re``) as H.264 over RTSP/TCP to ``url``, where the
    agent listens (``--rtsp-listen``; FFmpeg's ``-rtsp_flags listen`` on the receiving side). ffmpeg exits at
    once when nothing listens yet, so it is retried until the listener takes the stream."""

    def __init__(self, video: Path, url: str, attempts: int = 100) -> None:
        super().__init__(daemon=True, name="rtsp-publisher")
        self.video, self.url, self.attempts = video, url, attempts
        self.returncode: int | None = None
        self._stopped = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise FileNotFoundError("ffmpeg (Debian package ffmpeg; .ci/run installs it)")
        command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-i", str(self.video)]
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10"]
        command += ["-f", "rtsp", "-rtsp_transport", "tcp", self.url]
        for _ in range(self.attempts):
            if self._stopped.is_set():
                return
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
            self.returncode = self._process.wait()
            if self.returncode == 0:
                return
            self._stopped.wait(0.3)

    def stop(self) -> None:
        self._stopped.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
