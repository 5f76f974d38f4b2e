"""A rendered street video for the agent's tests and benchmark: cars (drawn here, with a plate in a heavy font,
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
from PIL import Image, ImageDraw, ImageFont


@dataclass(frozen=True)
class Pass:
    plate: str
    first_frame: int
    last_frame: int


# A plate as the shipped detector (a YOLO trained on real photos) sees one: heavy sans-serif registration filling
# the plate, dark on white, a state name above, on a car's rear above its bumper. The earlier render (OpenCV's
# Hershey stroke font on a flat rectangle) scored 0.0001-0.01 with the detector, below its 0.1 threshold, so the
# plate gate dropped every frame. This one scores 0.65-0.89 (at 1080p and 360p) while the plate is 10-16 % of
# the frame's width.
PLATE_FONTS = (
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
)
# Width of the car and of its plate as fractions of the frame's width while it passes (approaching: it grows).
CAR_WIDTH = (0.42, 0.52)
PLATE_OF_CAR = 0.27


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in PLATE_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)  # Pillow's bundled scalable font


def render_plate(text: str, height: int = 150) -> np.ndarray:
    """A California-style plate (2:1, BGR) with ``text`` in a heavy font."""
    width = 2 * height
    plate = Image.new("RGB", (width, height), (245, 245, 245))
    draw = ImageDraw.Draw(plate)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(40, 40, 40), width=max(2, height // 40))
    for line, size, centre, colour in ((text, 0.62, 0.58, (20, 20, 20)), ("California", 0.16, 0.13, (200, 40, 40))):
        font = _font(int(height * size))
        left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        if right - left > 0.86 * width:  # fit the registration to the plate's width
            font = _font(int(height * size * 0.86 * width / (right - left)))
            left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        origin = ((width - (right - left)) // 2 - left, int(height * centre) - (bottom - top) // 2 - top)
        draw.text(origin, line, font=font, fill=colour)
    return cv2.cvtColor(np.asarray(plate), cv2.COLOR_RGB2BGR)


def _street(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    street = np.full((height, width, 3), 95, np.uint8)
    street[: height // 2] = (175, 160, 140)
    noise = rng.integers(0, 12, street.shape, dtype=np.uint8)
    return np.asarray(cv2.add(street, noise), dtype=np.uint8)


def draw_car(frame: np.ndarray, plate: np.ndarray, centre_x: int, car_width: int) -> None:
    """A car's rear (body, rear window, tail lights, bumper, plate) standing on the bottom of ``frame``."""
    height, width = frame.shape[:2]
    car_height = int(car_width * 0.75)
    left, top, bottom = centre_x - car_width // 2, height - car_height, height - car_width // 12

    def box(x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int]) -> None:
        cv2.rectangle(
            frame,
            (left + int(x0 * car_width), top + int(y0 * car_height)),
            (left + int(x1 * car_width), top + int(y1 * car_height)),
            colour,
            -1,
        )

    box(0.0, 0.0, 1.0, bottom / car_height - top / car_height, (40, 40, 140))  # body
    box(0.12, 0.05, 0.88, 0.38, (70, 55, 45))  # rear window
    box(0.03, 0.45, 0.17, 0.58, (30, 30, 200))  # tail lights
    box(0.83, 0.45, 0.97, 0.58, (30, 30, 200))
    box(-0.02, 0.72, 1.02, 0.86, (35, 35, 35))  # bumper
    plate_width = int(car_width * PLATE_OF_CAR)
    scaled = cv2.resize(plate, (plate_width, plate_width // 2), interpolation=cv2.INTER_AREA)
    x, y = centre_x - plate_width // 2, top + int(0.7 * car_height) - plate_width // 2
    x0, x1 = max(0, x), min(width, x + plate_width)
    if x1 > x0:
        frame[y : y + plate_width // 2, x0:x1] = scaled[:, x0 - x : x1 - x]


def render_passing_cars(
    path: Path,
    plates: list[str],
    size: tuple[int, int] = (1280, 720),
    fps: int = 10,
    pass_s: float = 2.0,
    gap_s: float = 1.0,
    lead_in_s: float = 0.0,
) -> list[Pass]:
    """Writes ``path`` (MPEG-4 in .mp4, or MJPEG in .avi) and returns when each plate is in view.

    ``lead_in_s`` of empty street come first: a receiver joins a live stream at its next key frame, so a car in the
    very first frames may never reach it (the agent's RTSP listener missed the first car of a 3 s stream)."""
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
        for _ in range(round(lead_in_s * fps)):
            writer.write(street)
            frame_number += 1
        for plate in plates:
            rendered = render_plate(plate)
            first = frame_number
            for step in range(pass_frames):
                progress = step / (pass_frames - 1)
                # Approaching: growing, panned from right of centre to left of it.
                frame = street.copy()
                car_width = int((CAR_WIDTH[0] + (CAR_WIDTH[1] - CAR_WIDTH[0]) * progress) * width)
                draw_car(frame, rendered, int(width * (0.62 - 0.24 * progress)), car_width)
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
            try:
                self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
            except OSError:  # a failed spawn (seen once: EFAULT from exec under load) is tried again like a refusal
                self._stopped.wait(0.3)
                continue
            self.returncode = self._process.wait()
            if self.returncode == 0:
                return
            self._stopped.wait(0.3)

    def stop(self) -> None:
        self._stopped.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
