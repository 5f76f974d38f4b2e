"""``alpr bench <name>``: the benchmarks of ``alpr/bench/`` (ocr, hotlist, purge, search, pipeline, agent), each
printing its measured figures. The benchmarks themselves are imported only when one runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="benchmarks that print measured figures")
    benches = bench.add_subparsers(dest="bench_command", required=True)
    for add in (_ocr, _hotlist, _purge, _search, _pipeline, _agent):
        add(benches)


# --- ocr -------------------------------------------------------------------------------------------------


def _ocr(benches: argparse._SubParsersAction) -> None:
    bench = benches.add_parser("ocr", help="plate-reading accuracy and speed on an openalpr-format folder")
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
    bench.set_defaults(func=cmd_bench_ocr)


def cmd_bench_ocr(args: argparse.Namespace) -> int:
    from alpr.bench.ocr import benchmark, benchmark_sets, format_summary
    from alpr.bench.ocr_data import BenchmarkFormatError

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
    from alpr.bench.ocr import SUMMARY_KEYS

    ordered = {key: summary[key] for key in SUMMARY_KEYS}
    if "baseline" in summary:
        ordered["baseline"] = {key: summary["baseline"][key] for key in SUMMARY_KEYS}
    return ordered


# --- hotlist ---------------------------------------------------------------------------------------------


def _hotlist(benches: argparse._SubParsersAction) -> None:
    bench = benches.add_parser("hotlist", help="hotlist import, snapshot, load and match speed at scale")
    bench.add_argument("--entries", type=int, default=1_000_000)
    bench.add_argument("--patterns", type=int, default=10_000)
    bench.add_argument("--reads", type=int, default=20_000)
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(func=cmd_bench_hotlist)


def cmd_bench_hotlist(args: argparse.Namespace) -> int:
    from alpr.bench.hotlist import format_summary, run_benchmark

    summary = run_benchmark(entries=args.entries, patterns=args.patterns, reads=args.reads)
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0


# --- purge -----------------------------------------------------------------------------------------------


def _purge(benches: argparse._SubParsersAction) -> None:
    bench = benches.add_parser("purge", help="purge N expired reads on an embedded AWS and time it")
    bench.add_argument("--reads", type=int, default=100_000)
    bench.add_argument("--alerts-every", type=int, default=200, help="one read in N has an alert")
    bench.add_argument("--target", type=int, default=10_000_000, help="table size to plan the fan-out for")
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(func=cmd_bench_purge)


def cmd_bench_purge(args: argparse.Namespace) -> int:
    from alpr.bench.purge import bench_purge

    result = bench_purge(args.reads, args.alerts_every, args.target)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:34} {value}")
    return 0


# --- search ----------------------------------------------------------------------------------------------


def _search(benches: argparse._SubParsersAction) -> None:
    bench = benches.add_parser(
        "search", help="load reads into the local stack; items examined per item returned for each query shape"
    )
    bench.add_argument("--reads", type=int, default=1_000_000, help="how many reads to load (default 1,000,000)")
    bench.add_argument("--repeat", type=int, default=3, help="runs per query shape for the median")
    bench.add_argument("--json", action="store_true", help='one object: {"reads": N, "queries": {...}}')
    bench.set_defaults(func=cmd_bench_search)


def cmd_bench_search(args: argparse.Namespace) -> int:
    from alpr.bench.search import run

    def progress(line: str) -> None:
        if not args.json:
            print(line, file=sys.stderr, flush=True)

    result = run(args.reads, repeat=args.repeat, progress=progress)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['reads']} reads loaded")
    print(f"{'query':8} {'returned':>9} {'examined':>9} {'examined/returned':>18} {'median ms':>10}")
    for name, q in result["queries"].items():
        print(f"{name:8} {q['returned']:>9} {q['examined']:>9} {q['examined_per_returned']!s:>18} {q['median_ms']:>10}")
    return 0


# --- pipeline --------------------------------------------------------------------------------------------


def _pipeline(benches: argparse._SubParsersAction) -> None:
    bench = benches.add_parser(
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
    bench.set_defaults(func=cmd_bench_pipeline)


def cmd_bench_pipeline(args: argparse.Namespace) -> int:
    from alpr.bench.pipeline import DEFAULT_CAMERA_FPS, run_bench

    camera_fps = DEFAULT_CAMERA_FPS if args.camera_fps is None else args.camera_fps
    result = run_bench(args.frames, args.cameras, args.reader, args.seed, camera_fps)
    if args.json:
        print(json.dumps(result))
    else:
        print(_pipeline_table(result))
    ok = all(result[run]["lost"] == 0 and result[run]["duplicated"] == 0 for run in ("clean", "faulty"))
    return 0 if ok else 1


def _pipeline_table(result: dict[str, Any]) -> str:
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


# --- agent -----------------------------------------------------------------------------------------------


def _agent(benches: argparse._SubParsersAction) -> None:
    bench = benches.add_parser("agent", help="the edge agent on a rendered 1080p stream into the local stack")
    bench.add_argument("--seconds", type=float, default=20.0, help="length of the rendered stream")
    bench.add_argument("--width", type=int, default=1920)
    bench.add_argument("--height", type=int, default=1080)
    bench.add_argument("--fps", type=int, default=10)
    bench.add_argument("--plates", type=int, default=4, help="cars passing during the stream")
    bench.add_argument("--plate-gate", action="store_true", help="also run the plate detector on the box")
    bench.set_defaults(func=cmd_bench_agent)


def cmd_bench_agent(args: argparse.Namespace) -> int:
    from alpr.bench.agent import run_bench

    figures = run_bench(
        seconds=args.seconds,
        size=(args.width, args.height),
        fps=args.fps,
        plates=args.plates,
        plate_gate=args.plate_gate,
    )
    for name, value in figures.items():
        print(f"{name:32} {value}")
    return 0
