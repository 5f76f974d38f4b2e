"""``alpr alerts list|review|verify|not-confirmed|close|mute|misreads``: hotlist alerts and their review.

Who you are comes from ``--member``/``--role``, as for ``alpr hotlist``; refusals propagate to the CLI gate
(alpr/cli/common.py), which records them, prints their reason and exits 3.
"""

from __future__ import annotations

import argparse
from typing import Any

from alpr.cli.common import acting_member, justification_options, member_options, print_rows, runtime


def register(commands: argparse._SubParsersAction) -> None:
    from alpr.domain.records import ReviewOutcome

    alerts = commands.add_parser("alerts", help="hotlist alerts").add_subparsers(dest="alerts_command", required=True)
    alist = member_options(alerts.add_parser("list", help="alerts, high priority first (writes an access record)"))
    justification_options(alist)
    alist.add_argument("--status", choices=["new", "verified", "not_confirmed", "closed"])
    alist.add_argument("--entry", help="only alerts for this hotlist entry (e.g. its historical hits)")
    alist.set_defaults(func=cmd_alerts_list)
    review = member_options(alerts.add_parser("review", help="say what the image shows"))
    review.add_argument("alert_id")
    review.add_argument("--outcome", required=True, choices=[o.value for o in ReviewOutcome])
    review.add_argument("--note", default="")
    review.set_defaults(func=cmd_review)
    for name, status, needs_clets in (
        ("verify", "verified", True),
        ("not-confirmed", "not_confirmed", True),
        ("close", "closed", False),
    ):
        move = member_options(alerts.add_parser(name, help=f"mark an alert {status}"))
        move.add_argument("alert_id")
        move.add_argument("--clets", required=needs_clets, default="", help="CLETS inquiry reference (418.4(f))")
        move.add_argument("--note", default="")
        move.set_defaults(func=cmd_move, status=status)
    mute = member_options(alerts.add_parser("mute", help="silence further alerts for this alert's entry"))
    mute.add_argument("alert_id")
    mute.add_argument("--everyone", action="store_true", help="for all members (administrators)")
    mute.add_argument("--reason", default="")
    mute.set_defaults(func=cmd_mute)
    misreads = member_options(
        alerts.add_parser("misreads", help="review outcomes per camera (reader error statistics)")
    )
    justification_options(misreads)
    misreads.set_defaults(func=cmd_misreads)


def _alert_row(alert: Any) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "priority": alert.priority,
        "match": alert.match_kind,
        "plate": alert.plate,
        "listed": alert.hotlist_value,
        "reason": alert.reason.value,
        "case": alert.case_number,
        "status": alert.status.value,
        "review": alert.review.outcome.value if alert.review else "",
        "camera": alert.camera_id,
        "captured_at": alert.captured_at,
        "historical": alert.historical,
    }


def cmd_alerts_list(args: argparse.Namespace) -> int:
    from alpr.domain.records import AlertStatus

    alerts = runtime(args).alerts.list(
        acting_member(args),
        args.purpose,
        args.case,
        "cli",
        status=AlertStatus(args.status) if args.status else None,
        entry_id=args.entry,
    )
    print_rows([_alert_row(a) for a in alerts], args.json)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    alert = runtime(args).alerts.review(acting_member(args), args.alert_id, args.outcome, args.note, client="cli")
    print_rows([_alert_row(alert)], args.json)
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    alert = runtime(args).alerts.move(
        acting_member(args), args.alert_id, args.status, args.note, args.clets, client="cli"
    )
    print_rows([_alert_row(alert)], args.json)
    return 0


def cmd_mute(args: argparse.Namespace) -> int:
    mute = runtime(args).alerts.mute(acting_member(args), args.alert_id, args.everyone, args.reason)
    who = "everyone" if args.everyone else mute.member_id
    print(f"alerts for entry {mute.entry_id} muted for {who}")
    return 0


def cmd_misreads(args: argparse.Namespace) -> int:
    rows = runtime(args).alerts.misreads(acting_member(args), args.purpose, args.case, "cli")
    print_rows([{**r.__dict__, "misread_rate": r.misread_rate} for r in rows], args.json)
    return 0
