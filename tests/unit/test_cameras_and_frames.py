import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from alpr.domain import frames
from alpr.domain.cameras import Camera, Location, authenticate, hash_api_key, new_api_key
from alpr.domain.errors import Forbidden, FrameTooLarge, InvalidFrame, Unauthenticated
from alpr.domain.retention import RetentionPolicy
from alpr.schema import SourceClass

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


def camera(source: SourceClass = SourceClass.FIXED, active: bool = True) -> tuple[Camera, str]:
    key, salt, key_hash = new_api_key()
    fixed = source is SourceClass.FIXED
    cam = Camera(
        camera_id="cam-1",
        source=source,
        mobile=not fixed,
        location=Location(latitude=37.7, longitude=-122.1) if fixed else None,
        active=active,
        key_salt=salt,
        key_hash=key_hash,
    )
    return cam, key


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 128, np.uint8)).save(out, "JPEG")
    return out.getvalue()


class TestCameraAuthentication:
    def test_the_right_key_authenticates(self) -> None:
        cam, key = camera()
        assert authenticate(cam, "cam-1", key) is cam

    def test_only_a_salted_hash_is_stored(self) -> None:
        cam, key = camera()
        assert key not in cam.model_dump_json()
        assert cam.key_hash == hash_api_key(key, cam.key_salt)

    def test_wrong_key_is_refused(self) -> None:
        cam, key = camera()
        with pytest.raises(Unauthenticated):
            authenticate(cam, "cam-1", key + "x")

    def test_unknown_camera_is_refused(self) -> None:
        with pytest.raises(Unauthenticated, match="unknown camera"):
            authenticate(None, "nobody", "whatever")

    def test_missing_key_is_refused(self) -> None:
        cam, _ = camera()
        with pytest.raises(Unauthenticated, match="missing camera key"):
            authenticate(cam, "cam-1", None)

    def test_inactive_camera_is_forbidden_even_with_its_key(self) -> None:
        cam, key = camera(active=False)
        with pytest.raises(Forbidden, match="deactivated"):
            authenticate(cam, "cam-1", key)

    def test_fixed_camera_needs_a_location(self) -> None:
        with pytest.raises(ValueError, match="latitude"):
            Camera(camera_id="cam-2", source=SourceClass.FIXED, mobile=False, key_salt="s", key_hash="h")


class TestFrameChecks:
    def test_format_is_judged_by_bytes(self) -> None:
        assert frames.sniff_format(jpeg()) is frames.JPEG
        with pytest.raises(InvalidFrame, match="not a JPEG or PNG"):
            frames.sniff_format(b"GIF89a....")

    def test_empty_and_oversized_bodies(self) -> None:
        with pytest.raises(InvalidFrame, match="empty"):
            frames.check_size(0, 100)
        with pytest.raises(FrameTooLarge, match="presigned"):
            frames.check_size(101, 100)

    def test_truncated_jpeg_does_not_decode(self) -> None:
        data = jpeg(320, 240)
        with pytest.raises(InvalidFrame, match="does not decode"):
            frames.check_decodes(data[: len(data) // 2])

    def test_a_good_jpeg_decodes(self) -> None:
        assert frames.check_decodes(jpeg(320, 240)) == (320, 240)

    def test_capture_time_in_the_future_is_refused(self) -> None:
        cam, _ = camera()
        with pytest.raises(InvalidFrame, match="future"):
            frames.check_capture_time(NOW + timedelta(minutes=10), NOW, cam, RetentionPolicy())

    def test_capture_time_past_retention_is_refused(self) -> None:
        cam, _ = camera()
        with pytest.raises(InvalidFrame, match="retention"):
            frames.check_capture_time(NOW - timedelta(days=31), NOW, cam, RetentionPolicy())

    def test_vehicle_frames_may_arrive_late_within_their_year(self) -> None:
        cam, _ = camera(SourceClass.VEHICLE)
        frames.check_capture_time(NOW - timedelta(days=200), NOW, cam, RetentionPolicy())

    def test_frame_id_is_stable_for_retries(self) -> None:
        assert frames.frame_id_for("c", "f-1", "aa") == frames.frame_id_for("c", "f-1", "bb")
        assert frames.frame_id_for("c", None, "aa") == frames.frame_id_for("c", None, "aa")
        assert frames.frame_id_for("c", None, "aa") != frames.frame_id_for("c", None, "bb")
        assert frames.frame_id_for("c", "f-1", "aa") != frames.frame_id_for("d", "f-1", "aa")

    def test_frame_key_encodes_source_camera_and_date(self) -> None:
        cam, _ = camera(SourceClass.FIXED)
        key = frames.frame_key(cam, datetime(2026, 1, 2, tzinfo=UTC), "fid", frames.JPEG)
        assert key == "frames/fixed/cam-1/2026/01/02/fid.jpg"
