"""Registers ``alpr agent ...`` and ``alpr bench agent`` with the ``alpr`` command."""

from __future__ import annotations

import argparse
from typing import Any

from alpr.agent.cli import add_agent_commands


def register(commands: Any, bench_commands: Any) -> None:
    add_agent_commands(commands)
    bench = bench_commands.add_parser("agent", help="the edge agent on a rendered 1080p stream into the local stack")
    bench.add_argument("--seconds", type=float, default=20.0, help="length of the rendered stream")
    bench.add_argument("--width", type=int, default=1920)
    bench.add_argument("--height", type=int, default=1080)
    bench.add_argument("--fps", type=int, default=10)
    bench.add_argument("--plates", type=int, default=4, help="cars passing during the stream")
    bench.add_argument("--plate-gate", action="store_true", help="also run the plate detector on the box")
    bench.set_defaults(func=cmd_bench_agent)


def cmd_bench_agent(args: argparse.Namespace) -> int:
    from alpr.agent.bench import run_bench

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
