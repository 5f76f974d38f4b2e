"""``alpr hotlist import|upload|imports|add|searches|deactivate|extend|list|history``: imported lists and manual
entries.

Who you are comes from ``--member``/``--role`` (or ALPR_MEMBER, ALPR_ROLES=officer,administrator); whether you
are trained comes from the training records administrators keep (policy 418.4(d)), never from the command
line. The deployed API takes identity and roles from Cognito; here the command line stands in for them.
Refusals (no training, wrong role, bad input) propagate to the CLI gate (alpr/cli/common.py), which records
them, prints their reason and exits 3.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from alpr.cli.common import acting_member, member_options, print_rows, runtime


def register(commands: argparse._SubParsersAction) -> None:
    from alpr.domain.hotlist.entries import Priority
    from alpr.domain.records import HotlistReason

    hotlist = commands.add_parser("hotlist", help="hotlists: imported lists and manual entries").add_subparsers(
        dest="hotlist_command", required=True
    )
    imp = member_options(hotlist.add_parser("import", help="import a state/federal list file (CSV); prints the report"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--list", dest="list_name", required=True, help="the list it replaces, e.g. ca-svs or ncic")
    imp.set_defaults(func=cmd_import)
    upload = member_options(
        hotlist.add_parser(
            "upload", help="upload a list file the way the page does (presigned S3 POST), then wait for its import"
        )
    )
    upload.add_argument("file", type=Path)
    upload.add_argument("--list", dest="list_name", required=True, help="the list it replaces, e.g. ca-svs or ncic")
    upload.add_argument("--wait", type=float, default=300, metavar="SECONDS", help="how long to wait for the import")
    upload.set_defaults(func=cmd_upload)
    versions = member_options(hotlist.add_parser("imports", help="versions of an imported list, with bad-row counts"))
    versions.add_argument("--list", dest="list_name", required=True)
    versions.add_argument("--bad-rows", action="store_true", help="also print the bad rows of the newest version")
    versions.set_defaults(func=cmd_imports)

    add = member_options(hotlist.add_parser("add", help="add a plate or partial plate (7AB?12, *ABC1*)"))
    add.add_argument("value", help="a plate, or a partial plate: ? is one character, * any run")
    add.add_argument("--reason", required=True, choices=[r.value for r in HotlistReason])
    add.add_argument("--case", required=True, help="case number")
    add.add_argument("--days", type=int, help="expires after this many days (default 30, at most 365)")
    add.add_argument("--state", help="two-letter state, when known")
    add.add_argument("--priority", choices=[p.value for p in Priority])
    add.add_argument("--vehicle", default="", help="make, model, colour")
    add.add_argument("--notes", default="")
    add.add_argument(
        "--wait", type=float, default=0, metavar="SECONDS", help="wait this long for the historical search to finish"
    )
    add.set_defaults(func=cmd_add)
    searches = member_options(hotlist.add_parser("searches", help="an entry's historical searches: status and counts"))
    searches.add_argument("entry_id")
    searches.add_argument("--again", action="store_true", help="queue another search first")
    searches.set_defaults(func=cmd_searches)
    deactivate = member_options(hotlist.add_parser("deactivate", help="stop looking for an entry (kept for audits)"))
    deactivate.add_argument("entry_id")
    deactivate.add_argument("--why", required=True)
    deactivate.set_defaults(func=cmd_deactivate)
    extend = member_options(hotlist.add_parser("extend", help="give an entry a new expiry"))
    extend.add_argument("entry_id")
    extend.add_argument("--days", type=int, required=True)
    extend.set_defaults(func=cmd_extend)
    listing = member_options(
        hotlist.add_parser("list", help="manual entries in force (--all: also expired/deactivated)")
    )
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(func=cmd_list)
    history = member_options(hotlist.add_parser("history", help="every change to an entry: who, when, before/after"))
    history.add_argument("entry_id")
    history.set_defaults(func=cmd_history)


# --- hotlists --------------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    report = runtime(args).hotlist.import_list(
        acting_member(args), args.list_name, args.file.read_bytes(), origin="cli"
    )
    return _print_report(report.as_item(), args.json)


def _print_report(report: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(report))
    else:
        print(
            f"list {report['list_name']} {report['version']}: {report['status']}; {report.get('imported', 0)} "
            f"imported of {report.get('rows', 0)} rows, {report.get('bad_count', 0)} bad"
        )
        if report.get("refused_because"):
            print(f"refused: {report['refused_because']}")
        bad_rows = report.get("bad_rows", [])
        for bad in bad_rows:
            print(f"  line {bad['line']}: {bad['reason']}")
        if report.get("bad_count", 0) > len(bad_rows):
            print(f"  ... and {report['bad_count'] - len(bad_rows)} more")
    return 0 if report["status"] == "in_force" else 1


def cmd_upload(args: argparse.Namespace) -> int:
    """What the page does: ask for a presigned POST, send the file straight to S3, follow the upload's status."""
    import time

    import requests

    rt = runtime(args)
    member = acting_member(args)
    size = args.file.stat().st_size
    upload = rt.hotlist.request_upload(member, args.list_name, size, args.file.name)
    with args.file.open("rb") as data:
        sent = requests.post(upload.post.url, data=upload.post.fields, files={"file": data}, timeout=600)
    if sent.status_code not in (200, 201, 204):
        print(f"S3 refused the upload ({sent.status_code}): {sent.text[:500]}", file=sys.stderr)
        return 1
    ticket = upload.ticket
    deadline = time.monotonic() + args.wait
    while True:
        ticket, report = rt.hotlist.upload(member, ticket.list_name, ticket.upload_id)
        if report is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if report is None:
        print(f"upload {ticket.upload_id} {ticket.status}: see `alpr hotlist imports --list {ticket.list_name}`")
        return 1
    return _print_report(report, args.json)


def cmd_imports(args: argparse.Namespace) -> int:
    versions = runtime(args).hotlist.versions(acting_member(args), args.list_name)
    keys = ("version", "status", "in_force", "imported_at", "imported_by", "rows", "imported", "bad_count")
    print_rows([{k: v.get(k, "") for k in keys} for v in versions], args.json)
    if args.bad_rows and versions:
        for bad in versions[0].get("bad_rows", []):
            print(f"  line {bad['line']}: {bad['reason']}")
    return 0


def _entry_row(entry: Any, now: Any) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "value": entry.value,
        "kind": entry.kind.value,
        "reason": entry.reason.value,
        "priority": entry.priority.value,
        "case": entry.case_number,
        "state": entry.state or "",
        "status": entry.status(now),
        "expires_on": entry.expires_on,
        "entered_by": entry.entered_by,
    }


def _search_row(search: Any) -> dict[str, Any]:
    keys = ("job_id", "status", "queued_at", "finished_at", "reads_scanned", "hits", "last_error")
    return {k: getattr(search, k) or ("" if k != "hits" else 0) for k in keys}


def _wait_for(rt: Any, search: Any, seconds: float) -> Any:
    """Polls the job record: `alpr local`'s event delivery (or the deployed function) runs the search."""
    import time

    deadline = time.monotonic() + seconds
    while not search.finished and time.monotonic() < deadline:
        time.sleep(0.5)
        search = rt.repos.historical_searches.get(search.job_id) or search
    return search


def cmd_add(args: argparse.Namespace) -> int:
    rt = runtime(args)
    entry, search = rt.hotlist.add(
        acting_member(args),
        value=args.value,
        reason=args.reason,
        case_number=args.case,
        expires_in_days=args.days,
        state=args.state,
        priority=args.priority,
        vehicle=args.vehicle,
        notes=args.notes,
    )
    search = _wait_for(rt, search, args.wait)
    if args.json:
        print(json.dumps({"entry": entry.model_dump(mode="json"), "historical_search": _search_row(search)}))
        return 0
    print(
        f"entry {entry.entry_id} added: {entry.kind.value} {entry.value} ({entry.reason.value}, {entry.priority.value})"
    )
    print(f"in force until {entry.expires_on}")
    if search.finished:
        print(f"historical search {search.status}: {search.hits} hit(s) in {search.reads_scanned} reads in retention")
    else:
        print(f"historical search {search.job_id} {search.status}: see `alpr hotlist searches {entry.entry_id}`")
    print(f"  hits: alpr alerts list --entry {entry.entry_id} --purpose a --case {entry.case_number}")
    return 0


def cmd_searches(args: argparse.Namespace) -> int:
    rt = runtime(args)
    member = acting_member(args)
    if args.again:
        rt.hotlist.search_again(member, args.entry_id)
    print_rows([_search_row(s) for s in rt.historical_searches.searches(member, args.entry_id)], args.json)
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    rt = runtime(args)
    entry = rt.hotlist.deactivate(acting_member(args), args.entry_id, args.why)
    print_rows([_entry_row(entry, rt.clock.now())], args.json)
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    rt = runtime(args)
    entry, search = rt.hotlist.extend(acting_member(args), args.entry_id, args.days)
    print_rows([{**_entry_row(entry, rt.clock.now()), "historical_search": search.job_id}], args.json)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rt = runtime(args)
    now = rt.clock.now()
    print_rows(
        [_entry_row(e, now) for e in rt.hotlist.entries(acting_member(args), include_inactive=args.all)], args.json
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    changes = runtime(args).hotlist.history(acting_member(args), args.entry_id)
    if args.json:
        for change in changes:
            print(change.model_dump_json())
        return 0
    for change in changes:
        print(f"{change.at}  {change.action:<12} by {change.by}")
        before = change.before or {}
        for field, value in change.after.items():
            if before.get(field) != value and (before or field in ("value", "reason", "case_number", "expires_on")):
                print(f"    {field}: {before.get(field, '')!s} -> {value!s}")
    return 0
