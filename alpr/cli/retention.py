"""CLI: ``alpr purge``, ``alpr compliance``, ``alpr hold place|request|approve|release|book|list`` and
``alpr bench purge [--json]``."""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

# One Lambda invocation may run 15 minutes; a segment plans for this much work and keeps the rest as margin.
LAMBDA_BUDGET_S = 15 * 60 - 120


def register(commands: argparse._SubParsersAction, bench_commands: argparse._SubParsersAction) -> None:
    purge = _against_stack(commands.add_parser("purge", help="purge what retention says must be gone (418.5)"))
    purge.add_argument("--segments", type=int, default=1, help="parallel-scan segments, run one after the other")
    purge.set_defaults(func=cmd_purge)

    compliance = _against_stack(
        commands.add_parser("compliance", help="the records custodian's retention and holds report")
    )
    _identity(compliance, default_role="auditor")
    compliance.set_defaults(func=cmd_compliance)

    hold = commands.add_parser("hold", help="evidence holds (418.5)").add_subparsers(dest="hold_command", required=True)
    for name, help_text in (("place", "place a hold (administrator)"), ("request", "request a hold (officer)")):
        p = _against_stack(hold.add_parser(name, help=help_text))
        p.add_argument("--case", required=True)
        p.add_argument("--reason", required=True)
        p.add_argument("--read", dest="read_ids", action="append", default=[], help="a read id (repeatable)")
        p.add_argument("--camera")
        p.add_argument("--from", dest="captured_from", help="capture window start, ISO 8601 UTC")
        p.add_argument("--to", dest="captured_to", help="capture window end, ISO 8601 UTC")
        _identity(p, default_role="administrator" if name == "place" else "officer")
        p.set_defaults(func=cmd_hold_place if name == "place" else cmd_hold_request)
    for name, needs_reason in (("approve", False), ("release", True), ("book", False)):
        p = _against_stack(hold.add_parser(name, help=f"{name} a hold (administrator)"))
        p.add_argument("hold_id")
        if needs_reason:
            p.add_argument("--reason", required=True)
        _identity(p, default_role="administrator")
        p.set_defaults(func=cmd_hold_action, action=name)
    listing = _against_stack(hold.add_parser("list", help="active and requested holds"))
    listing.set_defaults(func=cmd_hold_list)

    bench = bench_commands.add_parser("purge", help="purge N expired reads on an embedded AWS and time it")
    bench.add_argument("--reads", type=int, default=100_000)
    bench.add_argument("--alerts-every", type=int, default=200, help="one read in N has an alert")
    bench.add_argument("--target", type=int, default=10_000_000, help="table size to plan the fan-out for")
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(func=cmd_bench_purge)


def _against_stack(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--aws", dest="local", action="store_false", help="use the AWS account in your environment")
    p.add_argument("--json", action="store_true", help="JSON output")
    return p


def _identity(p: argparse.ArgumentParser, default_role: str) -> None:
    p.add_argument("--member", help="your member id (default: ALPR_MEMBER)")
    p.add_argument("--member-name")
    p.add_argument("--role", action="append", help=f"your role(s) (default: ALPR_ROLES, else {default_role})")
    p.set_defaults(default_role=default_role)


def _actor(args: argparse.Namespace) -> Any:
    """The one CLI identity (alpr/cli_gate.py): ALPR_MEMBER, never the operating-system login."""
    from alpr.cli_gate import cli_member

    return cli_member(args)


def _runtime(args: argparse.Namespace) -> Any:
    from alpr.cli import _runtime, _use_local_stack

    if args.local:
        _use_local_stack()
    return _runtime()


def _print(value: Any, as_json: bool) -> None:
    print(json.dumps(value, indent=None if as_json else 2, default=str))


def cmd_purge(args: argparse.Namespace) -> int:
    reports = _runtime(args).purge.run_all(args.segments)
    for report in reports:
        _print(report.summary(), args.json)
    return 1 if any(r.failures for r in reports) else 0


def cmd_compliance(args: argparse.Namespace) -> int:
    report = _runtime(args).compliance.report(_actor(args))
    if args.json:
        _print(report, True)
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


def _scope(args: argparse.Namespace) -> Any:
    from alpr.domain.holds import HoldScope

    return HoldScope(
        read_ids=args.read_ids, camera_id=args.camera, captured_from=args.captured_from, captured_to=args.captured_to
    )


def _refusable(run: Any) -> int:
    """Runs the command; a refusal propagates to the CLI gate (alpr/cli_gate.py), which records and prints it."""
    run()
    return 0


def cmd_hold_place(args: argparse.Namespace) -> int:
    def run() -> None:
        outcome = _runtime(args).holds.place(_actor(args), args.case, args.reason, _scope(args))
        _print(
            {"hold_id": outcome.hold.hold_id, "held": outcome.held_reads, "refused": outcome.refused_reads}, args.json
        )

    return _refusable(run)


def cmd_hold_request(args: argparse.Namespace) -> int:
    def run() -> None:
        hold = _runtime(args).holds.request(_actor(args), args.case, args.reason, _scope(args))
        _print({"hold_id": hold.hold_id, "status": hold.status.value}, args.json)

    return _refusable(run)


def cmd_hold_action(args: argparse.Namespace) -> int:
    def run() -> None:
        service, actor = _runtime(args).holds, _actor(args)
        if args.action == "approve":
            outcome = service.approve(actor, args.hold_id)
            _print({"hold_id": args.hold_id, "held": outcome.held_reads}, args.json)
        elif args.action == "release":
            _print(
                {"hold_id": args.hold_id, "status": service.release(actor, args.hold_id, args.reason).status}, args.json
            )
        else:
            _print({"hold_id": args.hold_id, "manifest": service.book(actor, args.hold_id)}, args.json)

    return _refusable(run)


def cmd_hold_list(args: argparse.Namespace) -> int:
    service = _runtime(args).holds
    for hold in service.active() + service.requested():
        _print(hold.model_dump(mode="json", exclude_none=True), args.json)
    return 0


# --- the benchmark ----------------------------------------------------------------------------------------


def project_fan_out(items_per_s: float, target: int, reads_per_segment: int) -> dict[str, Any]:
    """How a run over ``target`` expired reads splits at the measured rate: one segment per
    ``reads_per_segment`` reads (the scheduled invocation queues one message each, all run side by side),
    each segment a chain of invocations of ``LAMBDA_BUDGET_S`` that queue the rest of their segment."""
    from alpr.services.purge import plan_segments

    per_invocation = int(items_per_s * LAMBDA_BUDGET_S)
    segments = plan_segments(target, reads_per_segment)
    per_segment = math.ceil(target / segments)
    chain = math.ceil(per_segment / max(1, per_invocation))
    return {
        "target_items": target,
        "invocation_budget_s": LAMBDA_BUDGET_S,
        "items_per_invocation": per_invocation,
        "fan_out_segments": segments,
        "items_per_segment": per_segment,
        "invocations_per_segment": chain,
        "invocations_total": segments * chain,
        "wall_time_min_if_segments_run_in_parallel": round(per_segment / max(items_per_s, 1e-9) / 60, 1),
        "invocation_hours_total": round(target / max(items_per_s, 1e-9) / 3600, 1),
    }


def cmd_bench_purge(args: argparse.Namespace) -> int:
    result = bench_purge(args.reads, args.alerts_every, args.target)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:34} {value}")
    return 0


def _moto_direct_writer(bucket: str) -> Any:
    """Seeding only: 100,000 PUTs through moto's HTTP front take many minutes, so the images go straight into
    its in-process store (same bucket, versioning and Object Lock). The purge itself then runs over HTTP."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    def write(key: str, body: bytes, meta: Any) -> None:
        backend.put_object(bucket, key, body, disable_notification=True)

    return write


def bench_purge(reads: int, alerts_every: int, target: int) -> dict[str, Any]:
    """Seeds ``reads`` expired reads (with images, ledger entries, some alerts) plus as many live ones on
    an embedded AWS, runs one purge, and extrapolates to ``target`` reads in 15-minute invocations."""
    import logging
    import tempfile
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from alpr import schema
    from alpr.clock import FixedClock
    from alpr.local.retention_seed import SeedSpec, seed_reads
    from alpr.local.stack import LocalConfig, LocalStack, free_port
    from alpr.services.purge import READS_PER_SEGMENT

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    now = datetime(2026, 11, 2, 18, 30, tzinfo=UTC)
    clock = FixedClock(now)
    config = LocalConfig(
        moto_port=free_port(), api_port=free_port(), prefix="alpr-bench", state_dir=Path(tempfile.mkdtemp())
    )
    stack = LocalStack(config, clock=clock).start(run_pumps=False, serve_api=False)
    try:
        rt = stack.runtime
        write_image = _moto_direct_writer(rt.settings.images_bucket)
        fixed = rt.repos.cameras.get("demo-fixed-1")
        vehicle = rt.repos.cameras.get("demo-car-1")
        assert fixed is not None and vehicle is not None
        started = time.perf_counter()
        for start in range(0, reads, 10_000):
            count = min(10_000, reads - start)
            expired = [
                SeedSpec(fixed, now - timedelta(days=31, minutes=i % 1440), with_alert=(start + i) % alerts_every == 0)
                for i in range(count)
            ]
            live = [SeedSpec(vehicle, now - timedelta(days=10, minutes=i % 1440)) for i in range(count // 10)]
            seed_reads(rt.repos, rt.retention, now, expired + live, write_image=write_image)
        seeded_s = time.perf_counter() - started
        started = time.perf_counter()
        [report] = rt.purge.run_all(1)
        purge_s = time.perf_counter() - started
        pages = stack.session.client("dynamodb").get_paginator("scan")
        left = sum(p["Count"] for p in pages.paginate(TableName=rt.settings.table_name(schema.READS), Select="COUNT"))
    finally:
        stack.stop()
    deleted = report.deleted["fixed"]["reads"]
    return {
        "items": deleted,
        "seconds": round(purge_s, 1),
        "items_per_s": round(deleted / purge_s, 1) if purge_s else 0.0,
        "live_reads_seeded": reads // 10,
        "seed_s": round(seeded_s, 1),
        "image_versions_deleted": report.image_versions_deleted,
        "alerts_deleted": report.deleted["fixed"]["alerts"],
        "reads_left": left,
        "failures": len(report.failures),
        **project_fan_out(deleted / purge_s if purge_s else 0.0, target, READS_PER_SEGMENT),
        "note": "moto in-process on this machine; real DynamoDB/S3 calls have more latency but run in parallel",
    }
