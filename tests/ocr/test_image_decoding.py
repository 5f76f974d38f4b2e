from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest
from synthetic import jpeg_bytes, png_bytes, with_exif_orientation

from alpr.ocr.reader import ImageDecodeError, decode_image


def gradient(width: int = 64, height: int = 32) -> np.ndarray:
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, :, 2] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    return image


def test_decodes_jpeg_to_bgr() -> None:
    image = decode_image(jpeg_bytes(gradient()))
    assert image.shape == (32, 64, 3)
    assert image.dtype == np.uint8


def test_grayscale_becomes_three_channels() -> None:
    gray = np.full((20, 30), 128, dtype=np.uint8)
    assert decode_image(png_bytes(gray)).shape == (20, 30, 3)
    assert decode_image(jpeg_bytes(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)[:, :, 0])).shape == (20, 30, 3)


def test_png_alpha_is_composited_on_white() -> None:
    bgra = np.zeros((10, 10, 4), dtype=np.uint8)
    bgra[:, :5] = (0, 0, 255, 255)  # opaque red on the left, fully transparent black on the right
    image = decode_image(png_bytes(bgra))
    assert image.shape == (10, 10, 3)
    assert tuple(image[0, 0]) == (0, 0, 255)
    assert tuple(image[0, 9]) == (255, 255, 255)


def test_sixteen_bit_png() -> None:
    deep = np.full((8, 8, 3), 65535, dtype=np.uint16)
    image = decode_image(png_bytes(deep))
    assert image.dtype == np.uint8
    assert int(image.max()) == 255


def test_exif_rotation_is_applied() -> None:
    landscape = jpeg_bytes(gradient(64, 32))
    rotated = decode_image(with_exif_orientation(landscape, 6))  # 90 degrees clockwise
    assert rotated.shape[:2] == (64, 32)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, this is text", "not an image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "truncated JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, "truncated PNG"),
    ],
)
def test_bad_bytes_raise_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(ImageDecodeError, match=message):
        decode_image(data)


def test_truncated_jpeg() -> None:
    data = jpeg_bytes(gradient(256, 256))
    with pytest.raises(ImageDecodeError, match="truncated JPEG"):
        decode_image(data[: len(data) // 2])


def test_corrupt_jpeg_body() -> None:
    data = bytearray(jpeg_bytes(gradient(256, 256)))
    data[200:-200] = bytes(len(data) - 400)  # header and end marker intact, scan data zeroed
    try:
        image = decode_image(bytes(data))
    except ImageDecodeError:
        return
    assert image.ndim == 3  # OpenCV may still return a (garbled) picture: that is acceptable


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    ihdr = b"IHDR" + header
    chunk = struct.pack(">I", len(header)) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + chunk + end


def test_huge_dimensions_are_refused_from_header() -> None:
    with pytest.raises(ImageDecodeError, match="image too large: 8000x8000 exceeds"):
        decode_image(_png_claiming(8000, 8000))


def test_real_8000_by_8000_image_is_refused() -> None:
    data = png_bytes(np.zeros((8000, 8000), dtype=np.uint8))
    with pytest.raises(ImageDecodeError, match="image too large: 8000x8000"):
        decode_image(data)


def test_not_bytes() -> None:
    with pytest.raises(ImageDecodeError):
        decode_image("a string")  # type: ignore[arg-type]
