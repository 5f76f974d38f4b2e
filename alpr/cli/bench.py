"""``alpr bench pipeline``: load and fault test of the local pipeline, with a frame-by-frame accounting."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: argparse._SubParsersAction, bench_subparsers: argparse._SubParsersAction) -> None:
    bench = bench_subparsers.add_parser(
        "pipeline",
        help="push frames through the local stack from concurrent cameras, clean and with faults",
        description=(
            "Prints throughput, upload-to-read latency and the accounting (reads, no-plate, dead-letter, lost, "
            "duplicated) for a clean run and for a run with injected faults. With --reader fast (default) a "
            "stand-in reader replaces OCR: the figures measure the pipeline, not plate reading."
        ),
    )
    bench.add_argument("--frames", type=int, default=10_000, help="frames per run (default 10000)")
    bench.add_argument("--cameras", type=int, default=8, help="concurrent cameras (default 8)")
    bench.add_argument(
        "--reader",
        choices=["fast", "real"],
        default="fast",
        help="fast: stand-in reader (measures the pipeline); real: the PP-OCR reader (~100+ ms a frame)",
    )
    bench.add_argument(
        "--camera-fps",
        type=float,
        default=None,
        help="frames a second each camera uploads (default 1.0, about what the local pipeline sustains with 8 "
        "cameras); 0 uploads as fast as the API answers, and latency then includes the queue that builds up",
    )
    bench.add_argument("--seed", type=int, default=418)
    bench.add_argument("--json", action="store_true", help='print one object: {"clean": {...}, "faulty": {...}}')
    bench.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alpr.ops.pipeline_bench import DEFAULT_CAMERA_FPS, run_bench

    camera_fps = DEFAULT_CAMERA_FPS if args.camera_fps is None else args.camera_fps
    result = run_bench(args.frames, args.cameras, args.reader, args.seed, camera_fps)
    if args.json:
        print(json.dumps(result))
    else:
        print(_table(result))
    ok = all(result[run]["lost"] == 0 and result[run]["duplicated"] == 0 for run in ("clean", "faulty"))
    return 0 if ok else 1


def _table(result: dict[str, Any]) -> str:
    keys = list(result["clean"])
    lines = [f"{'':20}{'clean':>12}{'faulty':>12}"]
    lines += [f"{key:20}{result['clean'][key]!s:>12}{result['faulty'][key]!s:>12}" for key in keys]
    injected = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result["injected"].items())
    offered = result["offered"]
    lines.append(
        f"offered: {offered['per_camera_fps']} frames/s per camera, {offered['total_fps']} frames/s in all"
        if offered["per_camera_fps"]
        else "offered: as fast as the API answers (latency includes the queue that builds up)"
    )
    lines.append(f"faults injected in the faulty run: {injected}")
    return "\n".join(lines)
