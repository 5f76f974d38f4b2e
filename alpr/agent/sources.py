"""Where frames come from: RTSP, HTTP MJPEG, a video file, a folder watched for new JPEGs, a V4L2 device.

Streams and devices are read through OpenCV (the opencv-python-headless wheel carries FFmpeg and V4L2). Each
frame carries its capture time from the frame's own clock where it has one: a JPEG's EXIF DateTimeOriginal,
a video file's presentation time from its start; a live stream's frames are stamped by the box's clock as
they are decoded (the agent checks that clock against the server's ``Date`` header, see ``uploader``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

JPEG_SUFFIXES = (".jpg", ".jpeg", ".JPG", ".JPEG")
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_IFD = 0x8769


@dataclass(frozen=True)
class Frame:
    image: np.ndarray | None  # decoded (BGR), for motion and plate gating
    captured_at: datetime
    jpeg: bytes | None = None  # the camera's own JPEG, sent as it came when there is one
    origin: str = ""


class SourceError(RuntimeError):
    pass


def describe(spec: str) -> str:
    kind, _ = classify(spec)
    return kind


def classify(spec: str) -> tuple[str, str]:
    """(kind, target): rtsp, mjpeg, v4l2, folder or file."""
    lowered = spec.lower()
    if lowered.startswith(("rtsp://", "rtsps://")):
        return "rtsp", spec
    if lowered.startswith(("http://", "https://")):
        return "mjpeg", spec
    if lowered.startswith("v4l2:"):
        return "v4l2", spec[5:]
    if spec.startswith("/dev/video"):
        return "v4l2", spec
    if Path(spec).is_dir() or spec.endswith("/"):
        return "folder", spec
    return "file", spec


def open_source(spec: str, *, rtsp_listen: bool = False, stop: Callable[[], bool] = lambda: False) -> Iterator[Frame]:
    kind, target = classify(spec)
    if kind == "folder":
        return watch_folder(Path(target), stop=stop)
    return video_frames(kind, target, rtsp_listen=rtsp_listen, stop=stop)


def _capture(kind: str, target: str, rtsp_listen: bool) -> cv2.VideoCapture:
    if kind == "v4l2":
        device: int | str = int(target) if target.isdigit() else target
        return cv2.VideoCapture(device, cv2.CAP_V4L2)
    if kind == "rtsp":
        # TCP interleaving survives NAT and lossy radio links better than UDP. With rtsp_listen the agent is the
        # RTSP server and the camera (or an encoder) publishes to it (FFmpeg's "rtsp_flags listen").
        # (listen_timeout in seconds: FFmpeg's default of -1 is refused by the tcp protocol in OpenCV's build.)
        options = "rtsp_transport;tcp"
        if rtsp_listen:
            options += "|rtsp_flags;listen|listen_timeout;120"
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = options
    return cv2.VideoCapture(target, cv2.CAP_FFMPEG)


def video_frames(
    kind: str, target: str, *, rtsp_listen: bool = False, stop: Callable[[], bool] = lambda: False
) -> Iterator[Frame]:
    capture = _capture(kind, target, rtsp_listen)
    if not capture.isOpened():
        raise SourceError(f"cannot open {kind} source {target}")
    # A file's frames carry their presentation time from the file's start; live frames are stamped as decoded.
    started = datetime.now(UTC)
    try:
        while not stop():
            ok, image = capture.read()
            if not ok:
                if kind == "file":
                    return
                raise SourceError(f"the {kind} source {target} stopped sending frames")
            if kind == "file":
                captured_at = started + timedelta(milliseconds=float(capture.get(cv2.CAP_PROP_POS_MSEC)))
            else:
                captured_at = datetime.now(UTC)
            yield Frame(image=image, captured_at=captured_at, origin=target)
    finally:
        capture.release()


def watch_folder(folder: Path, poll_s: float = 0.5, stop: Callable[[], bool] = lambda: False) -> Iterator[Frame]:
    """New JPEGs dropped into ``folder`` (an FTP or SMB share a camera writes to). A file is taken once it has
    stopped growing; each is moved into ``folder/done/`` after it is read, so a restart does not read it again."""
    done = folder / "done"
    done.mkdir(parents=True, exist_ok=True)
    sizes: dict[Path, int] = {}
    while not stop():
        found = False
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in JPEG_SUFFIXES):
            size = path.stat().st_size
            if sizes.get(path) != size:
                sizes[path] = size
                continue
            found = True
            data = path.read_bytes()
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            captured_at = exif_capture_time(data) or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            os.replace(path, done / path.name)
            sizes.pop(path, None)
            if image is not None:
                yield Frame(image=image, captured_at=captured_at, jpeg=data, origin=str(path))
        if not found:
            time.sleep(poll_s)


def exif_capture_time(data: bytes) -> datetime | None:
    """EXIF DateTimeOriginal (with OffsetTimeOriginal when present; else read as UTC, the usual camera setting)."""
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            sub = exif.get_ifd(EXIF_IFD)
            stamp = sub.get(EXIF_DATETIME_ORIGINAL) or exif.get(0x0132)
            offset = sub.get(0x9011)
    except Exception:
        return None
    if not stamp:
        return None
    try:
        when = datetime.strptime(str(stamp).strip(), "%Y:%m:%d %H:%M:%S")
        if offset:
            return datetime.fromisoformat(when.isoformat() + str(offset).strip())
        return when.replace(tzinfo=UTC)
    except ValueError:
        return None
