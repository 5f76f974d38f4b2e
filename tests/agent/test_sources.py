"""The agent's sources without a camera: an HTTP MJPEG stream served on 127.0.0.1, a watched folder of JPEGs,
V4L2 (opening and its errors only: see the last tests), and each frame's capture time from its own clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from alpr.agent import sources
from alpr.agent.runner import client_frame_id
from alpr.agent.sources import Frame, SourceError, StreamClock
from tests.agent.exif import with_exif
from tests.agent.mjpeg_server import MjpegCamera, Part

BOX_NOW = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)


def jpeg(shade: int, size: tuple[int, int] = (64, 48)) -> bytes:
    image = np.full((size[1], size[0], 3), shade, np.uint8)
    cv2.putText(image, str(shade), (4, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255 - shade,) * 3, 2)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


# --- capture time from the frame's own clock ---------------------------------------------------------------


def test_exif_capture_time_with_and_without_its_offset() -> None:
    plain = jpeg(80)
    assert sources.exif_capture_time(plain) is None
    pacific = sources.exif_capture_time(with_exif(plain, "2026:12:06 04:05:06", "-08:00"))
    assert pacific == datetime(2026, 12, 6, 4, 5, 6, tzinfo=timezone(timedelta(hours=-8)))
    assert pacific.astimezone(UTC) == datetime(2026, 12, 6, 12, 5, 6, tzinfo=UTC)
    assert sources.exif_capture_time(with_exif(plain, "2026:12:06 04:05:06")) == datetime(
        2026, 12, 6, 4, 5, 6, tzinfo=UTC
    )
    assert sources.exif_capture_time(with_exif(plain, "not a date")) is None
    assert sources.exif_capture_time(b"\xff\xd8\xff\xe1\x00\x08Exif\x00\x00") is None  # cut short
    assert sources.exif_capture_time(b"GIF89a") is None


def test_a_stream_is_stamped_by_its_presentation_times_anchored_at_the_first_frame() -> None:
    now = [BOX_NOW]
    clock = StreamClock(lambda: now[0])
    assert clock.stamp(0.0) == (BOX_NOW, "stream")
    # The decoder fell 2 s behind and catches up in a burst: the frames keep their 100 ms spacing.
    now[0] = BOX_NOW + timedelta(seconds=2.3)
    stamps = [clock.stamp(ms)[0] for ms in (100.0, 200.0, 300.0)]
    assert stamps == [BOX_NOW + timedelta(milliseconds=ms) for ms in (100, 200, 300)]
    # The camera restarted its stream (PTS back to 0): re-anchored to the box's clock.
    assert clock.stamp(0.0) == (now[0], "stream")
    # A stream running ahead of real time never stamps a frame in the box's future.
    assert clock.stamp(5000.0)[0] <= now[0]
    # No presentation time: the box's clock, said so.
    assert clock.stamp(None) == (now[0], "box")
    assert clock.stamp(float("nan")) == (now[0], "box")


# --- HTTP MJPEG ----------------------------------------------------------------------------------------------


def read_all(url: str, **kwargs: object) -> list[Frame]:
    frames: list[Frame] = []
    with pytest.raises(SourceError, match="stopped sending frames"):  # the camera closes after its last part
        for frame in sources.mjpeg_frames(url, now=lambda: BOX_NOW, **kwargs):  # type: ignore[arg-type]
            frames.append(frame)
    return frames


def test_an_mjpeg_stream_with_and_without_content_length_and_timestamps() -> None:
    stamped = BOX_NOW - timedelta(seconds=3.25)
    parts = [
        Part(jpeg(40), timestamp=stamped.timestamp()),
        Part(jpeg(90), with_length=False),  # some cameras leave the length out
        Part(with_exif(jpeg(140), "2026:12:06 03:59:58", "-08:00")),
        Part(b"\xff\xd8 not a jpeg \xff\xd9"),  # skipped, not fatal
        Part(jpeg(200), timestamp=None, with_length=False),
    ]
    camera = MjpegCamera(parts)
    with camera.serving() as url:
        frames = read_all(url)
    assert [f.jpeg for f in frames] == [parts[i].jpeg for i in (0, 1, 2, 4)]  # the camera's own bytes, as sent
    assert all(f.image is not None and f.image.shape == (48, 64, 3) for f in frames)
    assert [f.clock for f in frames] == ["stream", "box", "exif", "box"]
    assert frames[0].captured_at == stamped
    assert frames[1].captured_at == BOX_NOW
    assert frames[2].captured_at == datetime(2026, 12, 6, 11, 59, 58, tzinfo=UTC)
    assert camera.requests[0].startswith("Basic ")  # the URL's credentials went as HTTP Basic


def test_mjpeg_errors_are_clear_and_never_show_the_password() -> None:
    camera = MjpegCamera([Part(jpeg(1))])
    with camera.serving() as url:
        wrong = url.replace(camera.password, "wrong-password")
        with pytest.raises(SourceError, match="answered HTTP 401") as refused:
            next(sources.mjpeg_frames(wrong))
        assert "wrong-password" not in str(refused.value)
    with (
        MjpegCamera([Part(jpeg(1))], content_type="image/jpeg").serving() as url,
        pytest.raises(SourceError, match="not multipart/x-mixed-replace"),
    ):
        next(sources.mjpeg_frames(url))
    with pytest.raises(SourceError, match="cannot open mjpeg source"):
        next(sources.mjpeg_frames(url))  # the camera is gone
    assert sources.classify("http://cam.local/mjpg/video.cgi") == ("mjpeg", "http://cam.local/mjpg/video.cgi")


def test_an_mjpeg_camera_that_stalls_is_a_source_error_after_the_read_timeout() -> None:
    camera = MjpegCamera([Part(jpeg(10))], stall_s=3.0)
    with camera.serving() as url:
        frames = sources.mjpeg_frames(url, timeout_s=0.5)
        assert next(frames).jpeg == camera.parts[0].jpeg
        with pytest.raises(SourceError, match=r"broke off: .*Timeout"):
            next(frames)


# --- a watched folder ----------------------------------------------------------------------------------------


def watch(folder: Path, polls: int, **kwargs: object) -> list[Frame]:
    """What ``watch_folder`` yields in ``polls`` looks at the folder (each frame is handled before the next)."""
    looks = iter(range(polls))

    def stop() -> bool:
        return next(looks, None) is None

    return list(sources.watch_folder(folder, poll_s=0.001, stop=stop, now=lambda: BOX_NOW, **kwargs))  # type: ignore[arg-type]


def test_new_files_are_picked_up_each_once_with_their_own_clock(tmp_path: Path) -> None:
    first = with_exif(jpeg(60), "2026:12:06 11:58:00", "+00:00")
    (tmp_path / "a.jpg").write_bytes(first)
    (tmp_path / "notes.txt").write_text("not a frame")
    frames = watch(tmp_path, 4)
    assert [(f.jpeg, f.clock, f.captured_at) for f in frames] == [
        (first, "exif", datetime(2026, 12, 6, 11, 58, tzinfo=UTC))
    ]
    assert (tmp_path / "done" / "a.jpg").read_bytes() == first
    second = jpeg(120)
    (tmp_path / "b.jpg").write_bytes(second)
    frames = watch(tmp_path, 4)  # a restarted agent: only the new file
    assert [(f.jpeg, f.clock, f.captured_at) for f in frames] == [(second, "box", BOX_NOW)]
    assert watch(tmp_path, 4) == []
    assert (tmp_path / "notes.txt").exists()


def test_a_partly_written_file_is_not_read_early(tmp_path: Path) -> None:
    data = jpeg(30, (320, 240))
    path = tmp_path / "event.jpg"
    path.write_bytes(data[: len(data) // 2])  # the camera's FTP upload is half way, and stalls
    assert watch(tmp_path, 10) == []  # its size stays put, but it has no JPEG end marker yet
    assert path.exists()
    with path.open("ab") as handle:
        handle.write(data[len(data) // 2 :])
    [frame] = watch(tmp_path, 10)
    assert frame.jpeg == data


def test_a_file_that_stays_broken_goes_to_failed_after_it_settled(tmp_path: Path) -> None:
    (tmp_path / "cut.jpg").write_bytes(jpeg(30)[:100])
    assert watch(tmp_path, 4, settle_s=0.0) == []
    assert (tmp_path / "failed" / "cut.jpg").exists()


def test_a_crash_between_spooling_and_the_move_resends_the_same_frame_id(tmp_path: Path) -> None:
    """The file moves to done/ only after the agent has spooled its frame. Killed in between, the agent reads it
    again on restart, under the same X-Client-Frame-Id, which the server answers ``duplicate`` (stored once;
    tests/agent/test_agent_stack.py kills an agent mid-upload to show that)."""
    (tmp_path / "a.jpg").write_bytes(with_exif(jpeg(70), "2026:12:06 11:00:00"))

    def first_frame() -> Frame:
        frames = sources.watch_folder(tmp_path, poll_s=0.001)
        frame = next(frames)
        frames.close()  # the agent dies here: spooled, not yet moved
        return frame

    before, after = first_frame(), first_frame()
    assert (tmp_path / "a.jpg").exists()
    assert before.jpeg is not None and after.jpeg is not None
    assert client_frame_id("cam", before.captured_at, before.jpeg) == client_frame_id(
        "cam", after.captured_at, after.jpeg
    )


# --- V4L2 -------------------------------------------------------------------------------------------------------
# This container has no /dev/video* and cannot load v4l2loopback (no kernel modules), so a real capture is not
# tested here: these tests cover how a device is named and opened, and its errors.


def test_v4l2_names() -> None:
    assert sources.classify("v4l2:0") == ("v4l2", "0")
    assert sources.classify("/dev/video2") == ("v4l2", "/dev/video2")
    assert sources.v4l2_device("0") == "/dev/video0"
    assert sources.v4l2_device("/dev/video2") == "/dev/video2"


def test_v4l2_errors_say_what_is_wrong(tmp_path: Path) -> None:
    missing = "/dev/video-not-here"
    assert not os.path.exists(missing)
    with pytest.raises(SourceError, match="no V4L2 device /dev/video-not-here"):
        next(sources.open_source(missing))
    not_a_device = tmp_path / "video9"
    not_a_device.write_bytes(b"")
    with pytest.raises(SourceError, match="cannot open v4l2 source"):
        next(sources.open_source(f"v4l2:{not_a_device}"))


def test_a_streams_ffmpeg_options_are_not_left_for_the_next_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenCV reads FFmpeg's options from the environment: a stream's (probe size, listen mode) once leaked into
    every later video file opened in the process, whose frames then came out shifted."""
    from alpr.local.stack import free_port

    monkeypatch.delenv(sources.FFMPEG_OPTIONS_ENV, raising=False)
    capture = sources._capture("rtsp", f"rtsp://127.0.0.1:{free_port()}/nobody", rtsp_listen=False)
    capture.release()
    assert sources.FFMPEG_OPTIONS_ENV not in os.environ
    monkeypatch.setenv(sources.FFMPEG_OPTIONS_ENV, "the operator's own")
    sources._capture("rtsp", f"rtsp://127.0.0.1:{free_port()}/nobody", rtsp_listen=False).release()
    assert os.environ[sources.FFMPEG_OPTIONS_ENV] == "the operator's own"
