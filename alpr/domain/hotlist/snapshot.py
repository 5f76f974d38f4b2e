"""The compact, read-only form of an imported list that every match container loads once.

A million entries must load in well under a second, so the snapshot is a few flat arrays that numpy
maps straight out of the downloaded bytes (no parsing, no per-entry objects):

- ``folded``: each plate's confusion-folded key (``S8``), sorted, so one binary search finds every
  entry a read might be;
- ``plates``: the plate as listed, in the same row order, to tell a "match" from a "possible";
- ``details``: the rest of each row (record id, state, type, make, colour, reason) as tab-separated
  lines, zlib-compressed in chunks of ``CHUNK_ROWS`` rows, with their offsets. Only a hit opens a chunk.

Layout: ``MAGIC``, a little-endian uint32 header length, a JSON header naming each section's
offset, size and dtype, then the sections, each aligned to 8 bytes.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from alpr.domain.hotlist.confusion import fold
from alpr.domain.hotlist.imports import ImportedRecord
from alpr.domain.records import HotlistReason

MAGIC = b"ALPRHOT1"
CHUNK_ROWS = 256
PLATE_DTYPE = "S8"


class SnapshotError(ValueError):
    pass


def _details_line(record: ImportedRecord) -> bytes:
    fields = (record.record_id, record.state, record.plate_type, record.make, record.colour, record.reason.value)
    return "\t".join(fields).encode()


def build_snapshot(list_name: str, version: str, records: Sequence[ImportedRecord]) -> bytes:
    plates = np.array([r.plate.encode() for r in records], dtype=PLATE_DTYPE)
    folded = np.array([fold(r.plate).encode() for r in records], dtype=PLATE_DTYPE)
    order = np.argsort(folded, kind="stable")
    chunks: list[bytes] = []
    for start in range(0, len(order), CHUNK_ROWS):
        lines = b"\n".join(_details_line(records[i]) for i in order[start : start + CHUNK_ROWS].tolist())
        chunks.append(zlib.compress(lines, 6))
    offsets = np.zeros(len(chunks) + 1, dtype="<u8")
    offsets[1:] = np.cumsum([len(c) for c in chunks])
    sections: dict[str, tuple[bytes, str]] = {
        "folded": (folded[order].tobytes(), PLATE_DTYPE),
        "plates": (plates[order].tobytes(), PLATE_DTYPE),
        "chunk_offsets": (offsets.tobytes(), "<u8"),
        "details": (b"".join(chunks), "u1"),
    }
    layout: dict[str, list[Any]] = {}
    position = 0
    for name, (data, dtype) in sections.items():
        layout[name] = [position, len(data), dtype]
        position += len(data) + (-len(data)) % 8
    header = json.dumps(
        {
            "list_name": list_name,
            "version": version,
            "count": len(records),
            "chunk_rows": CHUNK_ROWS,
            "sections": layout,
        }
    ).encode()
    header += b" " * ((-(len(MAGIC) + 4 + len(header))) % 8)
    parts = [MAGIC, struct.pack("<I", len(header)), header]
    for data, _ in sections.values():
        parts += [data, b"\0" * ((-len(data)) % 8)]
    return b"".join(parts)


@dataclass(frozen=True)
class ListedVehicle:
    """An imported row, opened from its snapshot when a read hits it."""

    list_name: str
    plate: str
    record_id: str
    state: str
    plate_type: str
    make: str
    colour: str
    reason: HotlistReason


class ImportedIndex:
    """One imported list, ready to match: the arrays are views into the snapshot's bytes."""

    def __init__(self, data: bytes) -> None:
        if data[: len(MAGIC)] != MAGIC:
            raise SnapshotError("not a hotlist snapshot (bad magic)")
        (header_length,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + header_length])
        body = start + header_length
        self.list_name: str = header["list_name"]
        self.version: str = header["version"]
        self.count: int = header["count"]
        self._chunk_rows: int = header["chunk_rows"]

        def section(name: str) -> np.ndarray:
            offset, size, dtype = header["sections"][name]
            itemsize = np.dtype(dtype).itemsize
            return np.frombuffer(data, dtype=dtype, count=size // itemsize, offset=body + offset)

        self._folded = section("folded")
        self._plates = section("plates")
        self._offsets = section("chunk_offsets")
        self._details = section("details")
        if len(self._folded) != self.count or len(self._plates) != self.count:
            raise SnapshotError("snapshot sections disagree with its header")
        self._chunk = lru_cache(maxsize=8)(self._open_chunk)

    def rows(self, folded: bytes) -> range:
        """Rows whose folded key equals ``folded`` (an empty range when none)."""
        keys = self._folded
        first = int(np.searchsorted(keys, folded))
        last = first
        while last < self.count and keys[last] == folded:
            last += 1
        return range(first, last)

    def plate(self, row: int) -> str:
        return bytes(self._plates[row]).decode()

    def _open_chunk(self, chunk: int) -> list[bytes]:
        start, end = int(self._offsets[chunk]), int(self._offsets[chunk + 1])
        return zlib.decompress(self._details[start:end].tobytes()).split(b"\n")

    def vehicle(self, row: int) -> ListedVehicle:
        line = self._chunk(row // self._chunk_rows)[row % self._chunk_rows]
        record_id, state, plate_type, make, colour, reason = line.decode().split("\t")
        return ListedVehicle(
            self.list_name, self.plate(row), record_id, state, plate_type, make, colour, HotlistReason(reason)
        )
