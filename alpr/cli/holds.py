"""``alpr hold place|request|approve|release|book|list``: evidence holds (418.5)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from alpr.cli.common import acting_member, identity_options, print_json, runtime, stack_options


def register(commands: argparse._SubParsersAction) -> None:
    hold = commands.add_parser("hold", help="evidence holds (418.5)").add_subparsers(dest="hold_command", required=True)
    for name, help_text in (("place", "place a hold (administrator)"), ("request", "request a hold (officer)")):
        p = stack_options(hold.add_parser(name, help=help_text))
        p.add_argument("--case", required=True)
        p.add_argument("--reason", required=True)
        p.add_argument("--read", dest="read_ids", action="append", default=[], help="a read id (repeatable)")
        p.add_argument("--camera")
        p.add_argument("--from", dest="captured_from", help="capture window start, ISO 8601 UTC")
        p.add_argument("--to", dest="captured_to", help="capture window end, ISO 8601 UTC")
        identity_options(p, default_role="administrator" if name == "place" else "officer")
        p.set_defaults(func=cmd_hold_place if name == "place" else cmd_hold_request)
    for name, needs_reason in (("approve", False), ("release", True), ("book", False)):
        p = stack_options(hold.add_parser(name, help=f"{name} a hold (administrator)"))
        p.add_argument("hold_id")
        if needs_reason:
            p.add_argument("--reason", required=True)
        identity_options(p, default_role="administrator")
        p.set_defaults(func=cmd_hold_action, action=name)
    listing = stack_options(hold.add_parser("list", help="active and requested holds"))
    listing.set_defaults(func=cmd_hold_list)


def _scope(args: argparse.Namespace) -> Any:
    from alpr.domain.holds import HoldScope

    return HoldScope(
        read_ids=args.read_ids, camera_id=args.camera, captured_from=args.captured_from, captured_to=args.captured_to
    )


def _refusable(run: Callable[[], None]) -> int:
    """Runs the command; a refusal propagates to the CLI gate (alpr/cli/common.py), which records and prints it."""
    run()
    return 0


def cmd_hold_place(args: argparse.Namespace) -> int:
    def run() -> None:
        outcome = runtime(args).holds.place(acting_member(args), args.case, args.reason, _scope(args))
        print_json(
            {"hold_id": outcome.hold.hold_id, "held": outcome.held_reads, "refused": outcome.refused_reads}, args.json
        )

    return _refusable(run)


def cmd_hold_request(args: argparse.Namespace) -> int:
    def run() -> None:
        hold = runtime(args).holds.request(acting_member(args), args.case, args.reason, _scope(args))
        print_json({"hold_id": hold.hold_id, "status": hold.status.value}, args.json)

    return _refusable(run)


def cmd_hold_action(args: argparse.Namespace) -> int:
    def run() -> None:
        service, actor = runtime(args).holds, acting_member(args)
        if args.action == "approve":
            outcome = service.approve(actor, args.hold_id)
            print_json({"hold_id": args.hold_id, "held": outcome.held_reads}, args.json)
        elif args.action == "release":
            print_json(
                {"hold_id": args.hold_id, "status": service.release(actor, args.hold_id, args.reason).status},
                args.json,
            )
        else:
            print_json({"hold_id": args.hold_id, "manifest": service.book(actor, args.hold_id)}, args.json)

    return _refusable(run)


def cmd_hold_list(args: argparse.Namespace) -> int:
    service = runtime(args).holds
    for hold in service.active() + service.requested():
        print_json(hold.model_dump(mode="json", exclude_none=True), args.json)
    return 0
