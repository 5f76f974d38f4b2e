"""Turns untrusted bytes into a BGR frame, or a clear ImageDecodeError.

Dimensions are read from the header before any pixel is decoded, so a small
file that claims to be 8000x8000 (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np

MAX_INPUT_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 8K UHD (33 MP) fits; 8000x8000 does not
MAX_SIDE = 12_000


class ImageDecodeError(ValueError):
    """The bytes are not a usable image; the message says why."""


def decode_image(data: bytes) -> np.ndarray:
    """Decodes JPEG/PNG/BMP/WebP/TIFF... bytes into an 8-bit BGR array.

    Grayscale becomes 3 channels, alpha is composited on white, 16-bit is
    scaled to 8-bit and the JPEG EXIF orientation is applied.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageDecodeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageDecodeError("empty input: 0 bytes")
    if len(data) > MAX_INPUT_BYTES:
        raise ImageDecodeError(f"input too large: {len(data)} bytes exceeds {MAX_INPUT_BYTES}")
    kind = _sniff(data)
    if kind is None:
        raise ImageDecodeError("not an image: unrecognised format")
    _check_complete(kind, data)
    size = _header_size(kind, data)
    if size is not None:
        _check_dimensions(*size)

    buffer = np.frombuffer(data, dtype=np.uint8)
    # IMREAD_COLOR applies the EXIF orientation; for PNG (no EXIF) IMREAD_UNCHANGED
    # keeps alpha so that it can be composited on white instead of dropped.
    image = _imdecode(buffer, cv2.IMREAD_UNCHANGED if kind == "png" else cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ImageDecodeError(f"not an image: could not decode {kind.upper()} data")
    _check_dimensions(image.shape[1], image.shape[0])
    return to_bgr(image)


def _imdecode(buffer: np.ndarray, flags: int) -> np.ndarray | None:
    try:
        return cv2.imdecode(buffer, flags)
    except cv2.error:
        return None


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Normalises any decoded array (gray, BGRA, 16-bit, float) to BGR uint8."""
    if image.dtype == np.uint16:
        image = (image // 257).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim != 3:
        raise ImageDecodeError(f"unsupported image shape {image.shape}")
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if channels == 3:
        return image
    if channels == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        white = np.full_like(image[:, :, :3], 255, dtype=np.float32)
        blended = image[:, :, :3].astype(np.float32) * alpha + white * (1.0 - alpha)
        return blended.round().astype(np.uint8)
    raise ImageDecodeError(f"unsupported number of channels: {channels}")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"BM"):
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:2] in (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6"):
        return "pnm"
    return None


def _check_complete(kind: str, data: bytes) -> None:
    # OpenCV decodes a cut-off JPEG/PNG into a half-grey picture with only a
    # warning; catching it here gives a clear error instead.
    if kind == "jpeg" and b"\xff\xd9" not in data[-1024:]:
        raise ImageDecodeError("truncated JPEG: end-of-image marker missing")
    if kind == "png" and b"IEND" not in data[-64:]:
        raise ImageDecodeError("truncated PNG: IEND chunk missing")


def _check_dimensions(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"invalid image dimensions: {width}x{height}")
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ImageDecodeError(
            f"image too large: {width}x{height} exceeds {MAX_PIXELS // 1_000_000} megapixels or {MAX_SIDE} px per side"
        )


def _header_size(kind: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header, or None where it is not parsed here."""
    try:
        if kind == "png":
            if data[12:16] != b"IHDR":
                raise ImageDecodeError("not an image: PNG without IHDR header")
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if kind == "jpeg":
            return _jpeg_size(data)
        if kind == "bmp":
            width, height = struct.unpack("<ii", data[18:26])
            return abs(int(width)), abs(int(height))
    except struct.error as error:
        raise ImageDecodeError(f"truncated {kind.upper()} header") from error
    return None


_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            position += 1
            continue
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return int(width), int(height)
        position += 2 + length
    raise ImageDecodeError("truncated JPEG: no frame header")
