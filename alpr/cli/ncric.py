"""``alpr ncric failures|replay|reconcile|deliveries``: forwarding of vehicle-mounted reads to NCRIC (418.5).

An operator's commands (no plate data is shown): the CLI gate lets them through without a member.
"""

from __future__ import annotations

import argparse
import json

from alpr.cli.common import member_options, print_rows, runtime


def register(commands: argparse._SubParsersAction) -> None:
    ncric = commands.add_parser("ncric", help="forwarding of vehicle-mounted reads to NCRIC (418.5)").add_subparsers(
        dest="ncric_command", required=True
    )
    member_options(ncric.add_parser("failures", help="reads waiting in the dead-letter queue")).set_defaults(
        func=cmd_ncric_failures
    )
    member_options(ncric.add_parser("replay", help="send every dead letter through delivery again")).set_defaults(
        func=cmd_ncric_replay
    )
    member_options(
        ncric.add_parser(
            "reconcile", help="queue again every vehicle read in retention that NCRIC has not acknowledged"
        )
    ).set_defaults(func=cmd_ncric_reconcile)
    deliveries = member_options(ncric.add_parser("deliveries", help="the delivery log"))
    deliveries.add_argument("--status", default="delivered", choices=["delivered", "failing"])
    deliveries.set_defaults(func=cmd_ncric_deliveries)


def cmd_ncric_failures(args: argparse.Namespace) -> int:
    rt = runtime(args)
    rows = []
    for parked in rt.ncric.failures():
        recorded = rt.repos.ncric_deliveries.get(parked.read_id)
        rows.append(
            {
                "read_id": parked.read_id,
                "tries": parked.receive_count,
                "last_error": recorded.last_error if recorded else "",
                "message_id": parked.message_id,
            }
        )
    print_rows(rows, args.json)
    return 0


def cmd_ncric_replay(args: argparse.Namespace) -> int:
    moved = runtime(args).ncric.replay()
    print(json.dumps({"replayed": moved}) if args.json else f"{len(moved)} read(s) sent back for delivery")
    return 0


def cmd_ncric_reconcile(args: argparse.Namespace) -> int:
    result = runtime(args).ncric.reconcile()
    print(
        json.dumps(result.__dict__)
        if args.json
        else f"{result.checked} vehicle read(s) in retention; {len(result.requeued)} unacknowledged, queued again"
    )
    return 0


def cmd_ncric_deliveries(args: argparse.Namespace) -> int:
    found = runtime(args).repos.ncric_deliveries.with_status(args.status)
    keys = ("read_id", "status", "attempts", "updated_at", "receipt", "last_error")
    print_rows([{k: getattr(d, k) for k in keys} for d in found], args.json)
    return 0
