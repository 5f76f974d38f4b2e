"""``alpr`` commands for the staff search: the search benchmark."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_bench_search(args: argparse.Namespace) -> int:
    from alpr.search_bench import run

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


def register(commands: Any, bench_commands: Any) -> None:
    bench = bench_commands.add_parser(
        "search", help="load reads into the local stack; items examined per item returned for each query shape"
    )
    bench.add_argument("--reads", type=int, default=1_000_000, help="how many reads to load (default 1,000,000)")
    bench.add_argument("--repeat", type=int, default=3, help="runs per query shape for the median")
    bench.add_argument("--json", action="store_true", help='one object: {"reads": N, "queries": {...}}')
    bench.set_defaults(func=cmd_bench_search)
