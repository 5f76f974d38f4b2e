"""The ``alpr`` command: the local stack, camera pushes, and what staff and administrators look at."""

from __future__ import annotations

import argparse
import sys

from alpr.cli import (
    admin,
    agent,
    alerts,
    audits,
    bench,
    cameras,
    common,
    holds,
    hotlist,
    local,
    ncric,
    ocr,
    reads,
    retention,
    sharing,
)

# Each area adds its top-level commands with ``register(commands)``, in the order ``alpr --help`` lists them.
AREAS = (local, cameras, reads, bench, ocr, hotlist, alerts, retention, holds, sharing, ncric, audits, admin, agent)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alpr", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(commands)
    common.gate_commands(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    from alpr.domain.errors import DomainError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as refused:
        # Staff commands are recorded by the gate (alpr/cli/common.py); operator commands only print it.
        print(f"refused: {refused.message}", file=sys.stderr)
        return 3
