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
    bench.add_argument("--seed", type=int, default=418)
    bench.add_argument("--json", action="store_true", help='print one object: {"clean": {...}, "faulty": {...}}')
    bench.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alpr.ops.pipeline_bench import run_bench

    result = run_bench(args.frames, args.cameras, args.reader, args.seed)
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
    lines.append(f"faults injected in the faulty run: {injected}")
    return "\n".join(lines)
