"""``alpr read [--json] IMAGE...``: the plate reader on image files (its benchmark is ``alpr bench ocr``)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any


def register(commands: argparse._SubParsersAction) -> None:
    read = commands.add_parser("read", help="read licence plates in image files")
    read.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, ...)")
    read.add_argument("--json", action="store_true", help="one JSON object per line per image")
    read.set_defaults(func=run_read)


def run_read(args: argparse.Namespace) -> int:
    from alpr.ocr.reader import ImageDecodeError, decode_image, get_reader

    reader = get_reader()
    table_rows: list[tuple[str, str, str, str, str]] = []
    for image_path in args.images:
        record: dict[str, Any] = {"image": image_path}
        started = time.perf_counter()
        try:
            frame = decode_image(Path(image_path).read_bytes())
            plates = reader.read(frame)
        except (OSError, ImageDecodeError) as error:
            record["error"] = _describe(error)
            table_rows.append((image_path, "error: " + record["error"], "", "", ""))
        else:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            record["plates"] = [
                {"text": p.text, "confidence": p.confidence, "box": list(p.box), "format": p.format, "state": p.state}
                for p in plates
            ]
            record["ms"] = elapsed_ms
            if not plates:
                table_rows.append((image_path, "(no plate)", "", "", f"{elapsed_ms:.1f}"))
            for p in plates:
                table_rows.append(
                    (
                        image_path,
                        p.text,
                        f"{p.confidence:.2f}",
                        ",".join(map(str, p.box)),
                        f"{elapsed_ms:.1f}",
                    )
                )
        if args.json:
            print(json.dumps(record), flush=True)
    if not args.json:
        print(_table([("IMAGE", "PLATE", "CONF", "BOX x,y,w,h", "MS"), *table_rows]))
    return 0


def _describe(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)
