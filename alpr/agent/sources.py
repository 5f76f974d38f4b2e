"""Where frames come from: RTSP, HTTP MJPEG, a video file, a folder watched for new JPEGs, a V4L2 device.

Each frame carries its capture time from the frame's own clock where it has one, and says which clock that was
(``Frame.clock``): ``exif`` (a JPEG's DateTimeOriginal, with OffsetTimeOriginal when present), ``stream`` (the
stream's presentation times, anchored to the box's clock at the first frame; or an MJPEG part's
``X-Timestamp``), ``file`` (a video file's timeline from its start) or ``box`` (no clock of its own: stamped by
the box's clock as decoded). The agent checks the box's clock against the server's ``Date`` header, see
``uploader``.

RTSP, video files and V4L2 are read through OpenCV (the opencv-python-headless wheel carries FFmpeg and V4L2);
HTTP MJPEG is parsed here with requests, so the camera's own JPEGs are sent as they came (no re-encoding).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

import cv2
import numpy as np
import requests
import urllib3

from alpr.schema import CaptureClock

JPEG_SUFFIXES = (".jpg", ".jpeg", ".JPG", ".JPEG")
JPEG_END = b"\xff\xd9"
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_OFFSET_TIME_ORIGINAL = 0x9011
EXIF_DATETIME = 0x0132
EXIF_IFD = 0x8769
# A folder's file that has not grown for this long is taken even without a JPEG end marker (and fails to decode
# if it really was cut short: it is then moved to failed/, not retried for ever).
FOLDER_SETTLE_S = 30.0
MJPEG_MAX_PART = 32 * 1024 * 1024


ByteOrder = Literal["little", "big"]


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


def box_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Frame:
    image: np.ndarray | None  # decoded (BGR), for motion and plate gating
    captured_at: datetime
    jpeg: bytes | None = None  # the camera's own JPEG, sent as it came when there is one
    origin: str = ""
    clock: CaptureClock = CaptureClock.BOX  # which clock stamped captured_at


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


def open_source(
    spec: str,
    *,
    rtsp_listen: bool = False,
    stop: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = box_clock,
    until_empty: bool = False,
) -> Iterator[Frame]:
    """``until_empty``: a folder source ends once it is empty (streams end when they stop, files at their end)."""
    kind, target = classify(spec)
    if kind == "folder":
        return watch_folder(Path(target), stop=stop, now=now, until_empty=until_empty)
    if kind == "mjpeg":
        return mjpeg_frames(target, stop=stop, now=now)
    return video_frames(kind, target, rtsp_listen=rtsp_listen, stop=stop, now=now)


def v4l2_device(target: str) -> str:
    """``v4l2:0``, ``v4l2:/dev/video2`` or ``/dev/video2`` as a device path."""
    return f"/dev/video{target}" if target.isdigit() else target


# OpenCV's variable for FFmpeg options (not ours: alpr.schema names only the platform's own variables).
FFMPEG_OPTIONS_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"


def _capture(kind: str, target: str, rtsp_listen: bool) -> cv2.VideoCapture:
    if kind == "v4l2":
        device = v4l2_device(target)
        # OpenCV answers a missing device with a warning on stderr and an unopened capture; say which and why.
        if not os.path.exists(device):
            raise SourceError(f"no V4L2 device {device} (is the camera plugged in, or v4l2loopback loaded?)")
        if not os.access(device, os.R_OK | os.W_OK):
            raise SourceError(f"no permission to open {device} (add the agent's user to the 'video' group)")
        return cv2.VideoCapture(device, cv2.CAP_V4L2)
    if kind != "rtsp":
        return cv2.VideoCapture(target, cv2.CAP_FFMPEG)
    # TCP interleaving survives NAT and lossy radio links better than UDP. With rtsp_listen the agent is the
    # RTSP server and the camera (or an encoder) publishes to it (FFmpeg's "rtsp_flags listen").
    # (listen_timeout in seconds: FFmpeg's default of -1 is refused by the tcp protocol in OpenCV's build.)
    # FFmpeg probes a stream (analyzeduration, 5 s by default) before it hands out the first frame; half a
    # second is enough for H.264, so frames start sooner after a camera connects.
    options = "rtsp_transport;tcp|analyzeduration;500000"
    if rtsp_listen:
        options += "|rtsp_flags;listen|listen_timeout;120"
    # OpenCV reads its FFmpeg options from the environment when a capture opens: set them for this capture only,
    # or every later capture in the process (a video file) would be opened with a stream's options.
    saved = os.environ.get(FFMPEG_OPTIONS_ENV)
    os.environ[FFMPEG_OPTIONS_ENV] = options
    try:
        return cv2.VideoCapture(target, cv2.CAP_FFMPEG)
    finally:
        if saved is None:
            os.environ.pop(FFMPEG_OPTIONS_ENV, None)
        else:
            os.environ[FFMPEG_OPTIONS_ENV] = saved


@dataclass
class StreamClock:
    """Capture times from a live stream's own timeline: each frame's presentation time (PTS, OpenCV's
    CAP_PROP_POS_MSEC) relative to the first frame's, anchored to the box's clock when the first frame was
    decoded. A decoder that falls behind and catches up in a burst then keeps the frames' true spacing. A PTS
    that goes backwards or jumps by more than ``max_jump_s`` (the camera restarted its stream) re-anchors; a
    stamp can never be later than the box's clock. Without a PTS the box's clock stamps the frame (``box``)."""

    now: Callable[[], datetime] = box_clock
    max_jump_s: float = 10.0
    _anchor: datetime | None = field(default=None, repr=False)
    _last_ms: float = 0.0

    def stamp(self, pts_ms: float | None) -> tuple[datetime, CaptureClock]:
        now = self.now()
        if pts_ms is None or not math.isfinite(pts_ms) or pts_ms < 0:
            return now, CaptureClock.BOX
        jumped = pts_ms < self._last_ms or pts_ms - self._last_ms > self.max_jump_s * 1000
        if self._anchor is None or jumped:
            self._anchor = now - timedelta(milliseconds=pts_ms)
        self._last_ms = pts_ms
        stamped = self._anchor + timedelta(milliseconds=pts_ms)
        if stamped > now:  # the stream runs faster than real time: follow the box
            self._anchor -= stamped - now
            stamped = now
        return stamped, CaptureClock.STREAM


def video_frames(
    kind: str,
    target: str,
    *,
    rtsp_listen: bool = False,
    stop: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = box_clock,
) -> Iterator[Frame]:
    capture = _capture(kind, target, rtsp_listen)
    if not capture.isOpened():
        raise SourceError(f"cannot open {kind} source {_without_password(target)}")
    # A file's frames carry their presentation time from the file's start; a stream's, its PTS (StreamClock);
    # a V4L2 device's driver timestamps are not exposed by OpenCV, so the box's clock stamps them.
    started = now()
    clock = StreamClock(now)
    try:
        while not stop():
            ok, image = capture.read()
            if not ok:
                if kind == "file":
                    return
                raise SourceError(f"the {kind} source {_without_password(target)} stopped sending frames")
            position_ms = float(capture.get(cv2.CAP_PROP_POS_MSEC))
            if kind == "file":
                captured_at, stamped_by = started + timedelta(milliseconds=position_ms), CaptureClock.FILE
            elif kind == "rtsp":
                captured_at, stamped_by = clock.stamp(position_ms)
            else:
                captured_at, stamped_by = now(), CaptureClock.BOX
            yield Frame(image=image, captured_at=captured_at, origin=target, clock=stamped_by)
    finally:
        capture.release()


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rsplit('@', 1)[-1]}" if sep else url


def mjpeg_frames(
    url: str,
    *,
    stop: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = box_clock,
    session: requests.Session | None = None,
    timeout_s: float = 15.0,
) -> Iterator[Frame]:
    """An HTTP MJPEG stream (``multipart/x-mixed-replace``, what IP cameras serve at e.g. ``/axis-cgi/mjpg/
    video.cgi`` or ``/Streaming/channels/1/httppreview``). Credentials in the URL go as HTTP Basic. Each part's
    capture time: its ``X-Timestamp`` header (seconds since the epoch, as mjpg-streamer sends), else the JPEG's
    EXIF time, else the box's clock as the part arrived."""
    http = session or requests.Session()
    try:
        response = http.get(url, stream=True, timeout=timeout_s)
    except requests.RequestException as exc:
        raise SourceError(f"cannot open mjpeg source {_without_password(url)}: {type(exc).__name__}") from exc
    with response:
        if response.status_code != 200:
            raise SourceError(f"mjpeg source {_without_password(url)} answered HTTP {response.status_code}")
        content_type = response.headers.get("Content-Type", "")
        boundary = _boundary(content_type)
        if boundary is None:
            raise SourceError(
                f"mjpeg source {_without_password(url)} is not multipart/x-mixed-replace: {content_type!r}"
            )
        try:
            for headers, data in _multipart_parts(response.raw, boundary):
                if stop():
                    return
                image = decode_jpeg(data)
                if image is None:
                    continue
                captured_at, stamped_by = _part_time(headers, data, now)
                yield Frame(image=image, captured_at=captured_at, jpeg=data, origin=url, clock=stamped_by)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:  # read timeout, reset
            raise SourceError(f"the mjpeg source {_without_password(url)} broke off: {type(exc).__name__}") from exc
    raise SourceError(f"the mjpeg source {_without_password(url)} stopped sending frames")


def _boundary(content_type: str) -> bytes | None:
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() not in ("multipart/x-mixed-replace", "multipart/mixed"):
        return None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value:
            value = value.strip().strip('"')
            return (value if value.startswith("--") else "--" + value).encode()
    return None


def _multipart_parts(stream: Readable, boundary: bytes) -> Iterator[tuple[dict[str, str], bytes]]:
    """(headers, body) of each part. With Content-Length the body is read exactly; without, up to the next
    boundary line (some cameras leave the length out)."""
    line = b""
    while True:
        # Find the boundary line (anything before it, e.g. the CRLF closing the previous part, is skipped).
        while line.rstrip(b"\r\n") != boundary:
            if line.rstrip(b"\r\n") == boundary + b"--":
                return
            line = stream.readline(65536)
            if not line:
                return
        headers: dict[str, str] = {}
        while True:
            line = stream.readline(65536)
            if not line:
                return
            if not line.strip():
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) <= MJPEG_MAX_PART:
            body = _read_exactly(stream, int(length))
            if body is None:
                return
            line = b""
        else:
            chunks: list[bytes] = []
            size = 0
            while True:
                line = stream.readline(65536)
                if not line or line.rstrip(b"\r\n") in (boundary, boundary + b"--"):
                    break
                chunks.append(line)
                size += len(line)
                if size > MJPEG_MAX_PART:
                    raise OSError("an MJPEG part without Content-Length ran past 32 MiB")
            body = b"".join(chunks).removesuffix(b"\n").removesuffix(b"\r")
            if not line:
                if body:
                    yield headers, body
                return
        yield headers, body


def _read_exactly(stream: Readable, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _part_time(headers: dict[str, str], data: bytes, now: Callable[[], datetime]) -> tuple[datetime, CaptureClock]:
    stamp = headers.get("x-timestamp")
    if stamp:
        try:
            seconds = float(stamp)
            if math.isfinite(seconds) and seconds > 0:
                return datetime.fromtimestamp(seconds, UTC), CaptureClock.STREAM
        except (ValueError, OverflowError, OSError):
            pass
    exif = exif_capture_time(data)
    if exif is not None:
        return exif, CaptureClock.EXIF
    return now(), CaptureClock.BOX


def decode_jpeg(data: bytes) -> np.ndarray | None:
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def watch_folder(
    folder: Path,
    poll_s: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = box_clock,
    settle_s: float = FOLDER_SETTLE_S,
    until_empty: bool = False,
) -> Generator[Frame, None, None]:
    """New JPEGs dropped into ``folder`` (an FTP or SMB share a camera writes to).

    A file is taken once it is complete: its size has not changed since the previous look and it ends with the
    JPEG end marker (FF D9), or it has not grown for ``settle_s``. After the agent has spooled it (the consumer
    has handled the yielded frame), it is moved into ``folder/done/``; a file that does not decode goes to
    ``folder/failed/``. A restart therefore does not read a file again, except one whose move a crash
    interrupted: that frame has the same X-Client-Frame-Id (camera, capture time, content hash), so the server
    answers it ``duplicate`` and stores it once. Capture time: EXIF, else the box's clock (``box``) when the
    file was taken; a file's mtime is not used (FTP servers set it to the upload time, or to a client's).
    ``until_empty`` (``--exit-when-done``): return once a look finds no JPEG left in the folder."""
    done, failed = folder / "done", folder / "failed"
    done.mkdir(parents=True, exist_ok=True)
    failed.mkdir(parents=True, exist_ok=True)
    seen: dict[str, tuple[int, float]] = {}  # name -> (size, monotonic time it last changed)
    while not stop():
        taken = False
        names = sorted(p.name for p in folder.iterdir() if p.suffix in JPEG_SUFFIXES and not p.name.startswith("."))
        for name in [n for n in seen if n not in names]:
            del seen[name]
        for name in names:
            path = folder / name
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            previous = seen.get(name)
            if previous is None or previous[0] != size:
                seen[name] = (size, time.monotonic())
                continue
            if not _ends_a_jpeg(path) and time.monotonic() - previous[1] < settle_s:
                continue
            data = path.read_bytes()
            del seen[name]
            taken = True
            image = decode_jpeg(data)
            if image is None:
                os.replace(path, failed / name)
                continue
            exif = exif_capture_time(data)
            captured_at, stamped_by = (exif, CaptureClock.EXIF) if exif is not None else (now(), CaptureClock.BOX)
            yield Frame(image=image, captured_at=captured_at, jpeg=data, origin=str(path), clock=stamped_by)
            os.replace(path, done / name)
            if stop():
                return
        if not taken:
            if until_empty and not names:
                return
            time.sleep(poll_s)


def _ends_a_jpeg(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            handle.seek(-2, os.SEEK_END)
            return handle.read(2) == JPEG_END
    except OSError:
        return False


def exif_capture_time(data: bytes) -> datetime | None:
    """EXIF DateTimeOriginal (IFD0's DateTime when it is missing), with OffsetTimeOriginal when present; without
    an offset it is read as UTC (set the camera to UTC, or to send the offset). Parsed here (JPEG APP1, TIFF
    structure; CIPA DC-008 "Exif 2.32"), so the edge box needs no imaging library."""
    tiff = _exif_tiff(data)
    if tiff is None:
        return None
    try:
        if tiff[:2] not in (b"II", b"MM"):
            return None
        order: ByteOrder = "little" if tiff[:2] == b"II" else "big"
        ifd0 = _ifd(tiff, int.from_bytes(tiff[4:8], order), order)
        sub = _ifd(tiff, ifd0[EXIF_IFD][2], order) if EXIF_IFD in ifd0 else {}
        stamp = _ascii(tiff, sub.get(EXIF_DATETIME_ORIGINAL) or ifd0.get(EXIF_DATETIME))
        offset = _ascii(tiff, sub.get(EXIF_OFFSET_TIME_ORIGINAL))
        if not stamp:
            return None
        when = datetime.strptime(stamp.strip(), "%Y:%m:%d %H:%M:%S")
        if offset and offset.strip() not in ("", "   :  "):
            return datetime.fromisoformat(when.isoformat() + offset.strip())
        return when.replace(tzinfo=UTC)
    except (KeyError, ValueError, IndexError):
        return None


def _exif_tiff(data: bytes) -> bytes | None:
    """The TIFF block of a JPEG's APP1 Exif segment, or None."""
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xDA:  # start of scan: no metadata after this
            return None
        segment = data[at + 4 : at + 2 + length]
        if marker == 0xE1 and segment[:6] == b"Exif\x00\x00":
            return segment[6:]
        at += 2 + length
    return None


def _ifd(tiff: bytes, offset: int, order: ByteOrder) -> dict[int, tuple[int, int, int]]:
    """An IFD's entries: tag -> (type, count, value or offset)."""
    count = int.from_bytes(tiff[offset : offset + 2], order)
    entries = {}
    for index in range(count):
        entry = tiff[offset + 2 + 12 * index : offset + 14 + 12 * index]
        if len(entry) < 12:
            break
        tag, kind = int.from_bytes(entry[:2], order), int.from_bytes(entry[2:4], order)
        number, value = int.from_bytes(entry[4:8], order), int.from_bytes(entry[8:12], order)
        entries[tag] = (kind, number, value if not (kind == 2 and number <= 4) else offset + 2 + 12 * index + 8)
    return entries


def _ascii(tiff: bytes, entry: tuple[int, int, int] | None) -> str | None:
    """An ASCII entry's text (type 2; four bytes or fewer are stored in the entry itself)."""
    if entry is None or entry[0] != 2:
        return None
    _, count, offset = entry
    return tiff[offset : offset + count].split(b"\x00", 1)[0].decode("ascii", "replace")
