"""``alpr purge`` (what retention says must be gone, 418.5) and ``alpr compliance`` (the records custodian's
retention and holds report). The purge benchmark is ``alpr bench purge``."""

from __future__ import annotations

import argparse
from typing import Any

from alpr.cli.common import acting_member, identity_options, print_json, runtime, stack_options


def register(commands: argparse._SubParsersAction) -> None:
    purge = stack_options(commands.add_parser("purge", help="purge what retention says must be gone (418.5)"))
    purge.add_argument("--segments", type=int, default=1, help="parallel-scan segments, run one after the other")
    purge.set_defaults(func=cmd_purge)

    compliance = stack_options(
        commands.add_parser("compliance", help="the records custodian's retention and holds report")
    )
    identity_options(compliance, default_role="auditor")
    compliance.set_defaults(func=cmd_compliance)


def cmd_purge(args: argparse.Namespace) -> int:
    reports = runtime(args).purge.run_all(args.segments)
    for report in reports:
        print_json(report.summary(), args.json)
    return 1 if any(r.failures for r in reports) else 0


def cmd_compliance(args: argparse.Namespace) -> int:
    report = runtime(args).compliance.report(acting_member(args))
    if args.json:
        print_json(report, True)
    else:
        print(format_compliance(report))
    return 0 if report["within_policy"] else 1


def format_compliance(report: dict[str, Any]) -> str:
    lines = [f"Compliance report {report['generated_at']} ({report['time_zone']})", ""]
    lines.append(f"{'class':8} {'days':>4}  {'oldest unheld read':32} {'oldest unheld image':32} {'held':>4}  ok")
    for source, c in report["classes"].items():

        def show(f: dict[str, Any] | None) -> str:
            return "(none)" if f is None else f"{f['captured_at']} day {f['age_days']}"

        lines.append(
            f"{source:8} {c['retention_days']:>4}  {show(c['oldest_unheld_read']):32} "
            f"{show(c['oldest_unheld_image']):32} {c['held_reads']:>4}  {'yes' if c['within_policy'] else 'NO'}"
        )
    lines += ["", f"holds ({len(report['holds'])}):"]
    lines += [
        f"  {h['case_number']:16} {h['status']:9} {h['reads']:>5} read(s)  {h['age_days']:>4} days  {h['hold_id']}"
        for h in report["holds"]
    ] or ["  (none)"]
    lines += ["", "last purge runs:"]
    lines += [
        f"  {r['started_at']}  segment {r['segment']}/{r['total_segments']}  deleted {r['deleted']}  "
        f"held {r['skipped_held']}  failures {r['failure_count']}"
        for r in report["purge_runs"]
    ] or ["  (none)"]
    lines += ["", "WITHIN POLICY" if report["within_policy"] else "NOT WITHIN POLICY: see the classes marked NO"]
    return "\n".join(lines)
