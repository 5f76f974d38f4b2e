"""CLI: ``alpr read [--json] IMAGE...`` and ``alpr bench ocr DIR [--json] [--compare-baseline]``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from alpr.ocr.benchmark_data import BenchmarkFormatError


def register(subparsers: argparse._SubParsersAction, bench_subparsers: argparse._SubParsersAction) -> None:
    """Adds ``read`` to the top-level parser and ``ocr`` to ``alpr bench``."""
    read = subparsers.add_parser("read", help="read licence plates in image files")
    read.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, ...)")
    read.add_argument("--json", action="store_true", help="one JSON object per line per image")
    read.set_defaults(func=run_read)

    bench = bench_subparsers.add_parser("ocr", help="plate-reading accuracy and speed on an openalpr-format folder")
    bench.add_argument(
        "folder",
        metavar="DIR",
        type=Path,
        help="folder of NAME.jpg + NAME.txt (NAME.jpg\\tx\\ty\\tw\\th\\tPLATE)",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument(
        "--compare-baseline",
        action="store_true",
        help="also measure plain PP-OCRv4 full-frame reading in the same run",
    )
    bench.add_argument(
        "--sets",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="more folders to measure in the same run (e.g. US dev, EU-like, BR-like); results keyed by folder name",
    )
    bench.add_argument("--details", type=Path, help="write per-image results (JSON lines) to this file")
    bench.set_defaults(func=run_bench)


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


def run_bench(args: argparse.Namespace) -> int:
    from alpr.ocr.benchmark import benchmark, benchmark_sets, format_summary

    try:
        if args.sets:
            summary = benchmark_sets([args.folder, *args.sets], compare_baseline=args.compare_baseline)
        else:
            summary = benchmark(args.folder, compare_baseline=args.compare_baseline, details=args.details)
    except BenchmarkFormatError as error:
        print(f"alpr bench ocr: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary if args.sets else _ordered(summary)))
    else:
        print(format_summary(summary))
    return 0


def _ordered(summary: dict[str, Any]) -> dict[str, Any]:
    from alpr.ocr.benchmark import SUMMARY_KEYS

    ordered = {key: summary[key] for key in SUMMARY_KEYS}
    if "baseline" in summary:
        ordered["baseline"] = {key: summary["baseline"][key] for key in SUMMARY_KEYS}
    return ordered


def _standalone_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alpr")
    subparsers = parser.add_subparsers(dest="command", required=True)
    bench = subparsers.add_parser("bench", help="benchmarks")
    bench_subparsers = bench.add_subparsers(dest="bench_command", required=True)
    register(subparsers, bench_subparsers)
    return parser


if __name__ == "__main__":
    parsed = _standalone_parser().parse_args()
    raise SystemExit(parsed.func(parsed))
