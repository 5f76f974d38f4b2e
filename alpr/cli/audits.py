"""``alpr audit quarterly|review|notes|finalize|list|show|bundle|verify-bundle|demo-activity`` (quarterly audits
and the annual bundle, 418.6.1) and ``alpr access verify`` (the access records' hash chains)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from alpr.cli.common import acting_member, identity_options, print_json, refusable, runtime, stack_options


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="quarterly audits and the annual bundle (418.6.1)")
    sub = audit.add_subparsers(dest="audit_command", required=True)

    quarterly = _auditor(sub.add_parser("quarterly", help="draw the preceding quarter's random sample"))
    quarterly.add_argument("--quarter", help="e.g. 2026-Q3 (default: the preceding quarter)")
    quarterly.add_argument("--seed", type=int, help="the random seed (default: a fresh one, printed)")
    quarterly.add_argument("--size", type=int, help="sample size, at least 5 (default: ALPR_AUDIT_SAMPLE_SIZE or 5)")
    quarterly.set_defaults(func=cmd_quarterly)

    review = _auditor(sub.add_parser("review", help="mark one sampled access consistent with policy or not"))
    review.add_argument("audit_id")
    review.add_argument("item", type=int)
    review.add_argument("--consistent", required=True, choices=["yes", "no"])
    review.add_argument("--comment", default="")
    review.set_defaults(func=cmd_review)

    notes = _auditor(sub.add_parser("notes", help="community safety issues addressed, prosecutions that resulted"))
    notes.add_argument("audit_id")
    notes.add_argument("--community-safety")
    notes.add_argument("--prosecutions")
    notes.add_argument("--other")
    notes.set_defaults(func=cmd_notes)

    finalize = _auditor(sub.add_parser("finalize", help="store the audit under Object Lock; it cannot change after"))
    finalize.add_argument("audit_id")
    finalize.set_defaults(func=cmd_finalize)

    _auditor(sub.add_parser("list", help="every audit, drafts and finalized")).set_defaults(func=cmd_list)
    show = _auditor(sub.add_parser("show", help="one audit with its sample and summary"))
    show.add_argument("audit_id")
    show.set_defaults(func=cmd_show)

    bundle = _auditor(sub.add_parser("bundle", help="the annual bundle for the Independent Police Auditor"))
    bundle.add_argument("--from", dest="first", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
    bundle.add_argument("--to", dest="last", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD")
    bundle.add_argument("out_dir", type=Path)
    bundle.set_defaults(func=cmd_bundle)

    verify_bundle = stack_options(sub.add_parser("verify-bundle", help="check an exported bundle against its manifest"))
    verify_bundle.add_argument("directory", type=Path)
    verify_bundle.add_argument(
        "--stored", action="store_true", help="also compare the manifest with the copy stored under Object Lock"
    )
    verify_bundle.set_defaults(func=cmd_verify_bundle)

    demo = stack_options(sub.add_parser("demo-activity", help="local stack only: a quarter of member activity"))
    demo.add_argument("--quarter", required=True, help="e.g. 2026-Q3")
    demo.add_argument("--images", type=int, default=12, help="image views and downloads to write")
    demo.add_argument("--searches", type=int, default=20)
    demo.set_defaults(func=cmd_demo_activity)

    access = commands.add_parser("access", help="the access records (Civil Code § 1798.90.52)")
    access_sub = access.add_subparsers(dest="access_command", required=True)
    verify = _auditor(
        access_sub.add_parser("verify", help="check every day's hash chain; report the first broken link")
    )
    verify.add_argument("--day", action="append", help="a UTC day YYYY-MM-DD (repeatable; default: every day)")
    verify.set_defaults(func=cmd_access_verify)


def _auditor(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return identity_options(stack_options(p), default_role="auditor")


def _audit_line(audit: Any) -> dict[str, Any]:
    return {
        "audit_id": audit.audit_id,
        "quarter": audit.quarter,
        "status": audit.status.value,
        "seed": audit.seed,
        "population": audit.population_size,
        **audit.outcome(),
        "finalized_at": audit.finalized_at or "",
    }


def cmd_quarterly(args: argparse.Namespace) -> int:
    from alpr.domain.audit import Quarter

    def run() -> None:
        quarter = Quarter.parse(args.quarter) if args.quarter else None
        audit = runtime(args).audits.run_quarterly(acting_member(args), quarter, args.seed, args.size)
        _print_audit(audit, args.json)

    return refusable(run)


def _print_audit(audit: Any, as_json: bool) -> None:
    if as_json:
        print_json(audit.model_dump(mode="json"), True)
        return
    print(f"audit {audit.audit_id}  {audit.quarter}  {audit.status.value}")
    print(f"period {audit.period_start} .. {audit.period_end} ({audit.time_zone})")
    print(f"seed {audit.seed}; {audit.population_size} image view(s)/download(s) in the quarter")
    if audit.shortfall_note:
        print(f"NOTE: {audit.shortfall_note}")
    for s in audit.sample:
        review = "-" if s.review is None else ("consistent" if s.review.consistent else "NOT consistent")
        who = f"{s.member_name} ({s.member_id})"
        print(f"  {s.item:>2}. {s.at}  {who}  {s.action}  purpose {s.purpose}  case {s.case_number}  [{review}]")
    print("summary:")
    print(json.dumps(audit.summary, indent=2))
    for other in audit.other_draws:
        drawn = f"{other.audit_id} (seed {other.seed}) by {other.created_by} at {other.created_at}"
        print(f"other draw for {audit.quarter}: {drawn}")
    if audit.locked is not None:
        print(f"locked: s3://…/{audit.locked.key} version {audit.locked.version_id} until {audit.locked.retain_until}")


def cmd_review(args: argparse.Namespace) -> int:
    def run() -> None:
        audit = runtime(args).audits.review(
            acting_member(args), args.audit_id, args.item, args.consistent == "yes", args.comment
        )
        print_json(_audit_line(audit), args.json)

    return refusable(run)


def cmd_notes(args: argparse.Namespace) -> int:
    def run() -> None:
        given = {"community_safety": args.community_safety, "prosecutions": args.prosecutions, "other": args.other}
        notes = {k: v for k, v in given.items() if v is not None}
        audit = runtime(args).audits.notes(acting_member(args), args.audit_id, notes)
        print_json(audit.notes.model_dump(), args.json)

    return refusable(run)


def cmd_finalize(args: argparse.Namespace) -> int:
    def run() -> None:
        audit = runtime(args).audits.finalize(acting_member(args), args.audit_id)
        print_json({**_audit_line(audit), "locked": audit.locked.model_dump() if audit.locked else None}, args.json)

    return refusable(run)


def cmd_list(args: argparse.Namespace) -> int:
    def run() -> None:
        for audit in runtime(args).audits.list_audits(acting_member(args)):
            print_json(_audit_line(audit), True)

    return refusable(run)


def cmd_show(args: argparse.Namespace) -> int:
    return refusable(lambda: _print_audit(runtime(args).audits.get(acting_member(args), args.audit_id), args.json))


def cmd_bundle(args: argparse.Namespace) -> int:
    def run() -> None:
        bundle = runtime(args).audits.bundle(acting_member(args), args.first, args.last)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in bundle.files.items():
            (args.out_dir / name).write_bytes(data)
        datasets = bundle.manifest["datasets"]
        print(f"bundle {bundle.bundle_id}: {len(bundle.files)} files in {args.out_dir}")
        for name, entry in datasets.items():
            print(f"  {name:28} {entry['rows']}")
        print(f"also stored under Object Lock at {bundle.stored_prefix}")

    return refusable(run)


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    from alpr.services.audits import MANIFEST_FILE, check_bundle

    files = {p.name: p.read_bytes() for p in sorted(args.directory.iterdir()) if p.is_file()}
    stored = None
    if args.stored and MANIFEST_FILE in files:
        bundle_id = json.loads(files[MANIFEST_FILE])["bundle_id"]
        stored = runtime(args).audits.stored_manifest(bundle_id)
    problems = check_bundle(files, stored)
    for problem in problems:
        print(f"PROBLEM {problem}")
    if not problems:
        print(f"OK: {len(files) - 1} file(s) match the manifest" + (" and the stored copy" if stored else ""))
    return 1 if problems else 0


def cmd_demo_activity(args: argparse.Namespace) -> int:
    """Access records spread over a quarter, as members viewing images and searching would leave them."""
    import random

    from alpr.clock import FixedClock
    from alpr.domain.audit import Quarter
    from alpr.services.access import AccessRecorder, Member

    if not args.local:
        print("error: demo activity is written to the local stack only", file=sys.stderr)
        return 2
    rt = runtime(args)
    start, end = Quarter.parse(args.quarter).bounds(rt.settings.time_zone)
    members = [Member(f"off-{n}", name) for n, name in enumerate(("Ana Ruiz", "Ben Cho", "Cara Diaz", "Dev Patel"), 1)]
    clock = FixedClock(start)
    recorder = AccessRecorder(rt.repos.access_log, clock)
    kinds = ["image.view", "image.download"] * (args.images // 2) + ["image.view"] * (args.images % 2)
    kinds += ["search.plate"] * args.searches
    random.Random(args.quarter).shuffle(kinds)
    total = len(kinds)
    for i, action in enumerate(kinds):
        clock.set(start + (end - start) * (i + 0.5) / total)
        member, purpose = members[i % len(members)], "abcdefg"[i % 7]
        recorder.fetch(member, action, "demo", purpose, f"SLPD-DEMO-{i:04d}", "demo", lambda: [1])
    print(f"{total} access records written between {start.date()} and {end.date()}")
    return 0


def cmd_access_verify(args: argparse.Namespace) -> int:
    def run() -> int:
        results = runtime(args).audits.verify_access_chain(acting_member(args), args.day)
        for result in results:
            print(result.describe())
        broken = [r for r in results if not r.intact]
        print(f"{len(results)} day(s) checked, {len(broken)} broken")
        return 1 if broken else 0

    return refusable(run)
