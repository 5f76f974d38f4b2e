"""JPEGs with a camera's EXIF capture time, written by Pillow (not by the agent, which parses EXIF itself)."""

from __future__ import annotations

import io

from PIL import Image

from alpr.agent import sources


def with_exif(data: bytes, original: str, offset: str | None = None) -> bytes:
    """The JPEG with EXIF DateTimeOriginal (and OffsetTimeOriginal), written by Pillow, not by the agent."""
    image = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    sub = exif.get_ifd(sources.EXIF_IFD)
    sub[sources.EXIF_DATETIME_ORIGINAL] = original
    if offset is not None:
        sub[sources.EXIF_OFFSET_TIME_ORIGINAL] = offset
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
