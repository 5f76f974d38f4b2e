"""Synthetic images for the OCR tests (no benchmark photos)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def plate_scene(
    text: str = "7ABC123", width: int = 1280, height: int = 720
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A white plate with a dark border and black registration on a grey background."""
    scene = np.full((height, width, 3), 110, dtype=np.uint8)
    # A darker "bumper" band gives the plate some context, like a real car.
    cv2.rectangle(scene, (width // 2 - 260, height // 2 - 90), (width // 2 + 260, height // 2 + 110), (60, 60, 60), -1)
    plate_w, plate_h = 300, 150
    x, y = width // 2 - plate_w // 2, height // 2 - plate_h // 2
    cv2.rectangle(scene, (x, y), (x + plate_w, y + plate_h), (245, 245, 245), -1)
    cv2.rectangle(scene, (x, y), (x + plate_w, y + plate_h), (30, 30, 30), 4)
    font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, 2.0, 5
    (text_w, text_h), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = (x + (plate_w - text_w) // 2, y + (plate_h + text_h) // 2)
    cv2.putText(scene, text, origin, font, scale, (20, 20, 20), thickness, cv2.LINE_AA)
    return scene, (x, y, plate_w, plate_h)


def write_jpeg(path: Path, image: np.ndarray) -> Path:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    path.write_bytes(encoded.tobytes())
    return path


def jpeg_bytes(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return encoded.tobytes()


def png_bytes(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    assert ok
    return encoded.tobytes()


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """Inserts a minimal EXIF APP1 segment carrying only the Orientation tag."""
    tiff = (
        b"MM\x00\x2a\x00\x00\x00\x08"  # big-endian TIFF header, IFD at offset 8
        + b"\x00\x01"  # one entry
        + b"\x01\x12\x00\x03\x00\x00\x00\x01"  # tag 0x0112 Orientation, SHORT, count 1
        + orientation.to_bytes(2, "big")
        + b"\x00\x00"
        + b"\x00\x00\x00\x00"  # no next IFD
    )
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]
