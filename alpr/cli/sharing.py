"""``alpr agency add|edit|list|history`` (the registry of agencies data may be shared with, 418.7) and
``alpr share request|approve|deny|list|fetch|check|access`` (requests, review, fulfilment, access records).

Who you are comes from ``--member``/``--role`` (or ALPR_MEMBER and ALPR_ROLES=administrator,captain), as for
``alpr hotlist``; the deployed API takes the same facts from Cognito.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from alpr.cli.common import acting_member, local_state, member_options, print_rows, runtime


def register(commands: argparse._SubParsersAction) -> None:
    from alpr.domain.sharing import AgencyType, RequestStatus
    from alpr.schema import SourceClass

    agency = commands.add_parser("agency", help="agencies data may be shared with (418.7)").add_subparsers(
        dest="agency_command", required=True
    )
    add = member_options(agency.add_parser("add", help="register an agency (administrators)"))
    add.add_argument("ori", help="the agency's ORI, e.g. CA0010100")
    add.add_argument("--name", required=True)
    add.add_argument("--state", required=True, help="two-letter state code")
    add.add_argument("--type", dest="agency_type", required=True, choices=[t.value for t in AgencyType])
    add.add_argument("--ncric-partner", action="store_true")
    add.add_argument("--fixed-access", action="store_true", help="granted access to the fixed-camera system")
    add.set_defaults(func=cmd_agency_add)
    edit = member_options(agency.add_parser("edit", help="change an agency (administrators; every change is kept)"))
    edit.add_argument("ori")
    edit.add_argument("--name")
    edit.add_argument("--state")
    edit.add_argument("--type", dest="agency_type", choices=[t.value for t in AgencyType])
    edit.add_argument("--ncric-partner", choices=["yes", "no"])
    edit.add_argument("--fixed-access", choices=["yes", "no"])
    edit.set_defaults(func=cmd_agency_edit)
    member_options(agency.add_parser("list", help="the registry")).set_defaults(func=cmd_agency_list)
    history = member_options(agency.add_parser("history", help="every change to an agency: who, when, before/after"))
    history.add_argument("ori")
    history.set_defaults(func=cmd_agency_history)

    share = commands.add_parser("share", help="requests for ALPR data from other agencies").add_subparsers(
        dest="share_command", required=True
    )
    request = member_options(share.add_parser("request", help="file a request as an outside agency would (418.7(a))"))
    request.add_argument("--ori", required=True)
    request.add_argument("--agency-name", default="", help="the name of the agency")
    request.add_argument("--requester", default="", help="the name of the person requesting")
    request.add_argument("--purpose", default="", help="the intended purpose of obtaining the information")
    request.add_argument("--case", default="", help="the agency's case number")
    request.add_argument("--data", required=True, choices=[s.value for s in SourceClass])
    request.add_argument("--plate", action="append", required=True, help="a plate (repeat for more)")
    request.add_argument("--from", dest="window_start", required=True, help="ISO 8601 with offset")
    request.add_argument("--to", dest="window_end", required=True, help="ISO 8601 with offset")
    request.set_defaults(func=cmd_request)
    approve = member_options(
        share.add_parser("approve", help="approve a request (the captain); prints the grant token once")
    )
    approve.add_argument("request_id")
    approve.add_argument("--days", type=int, default=7, help="how long the grant lasts (1-30 days)")
    approve.add_argument("--note", default="")
    approve.set_defaults(func=cmd_approve)
    deny = member_options(share.add_parser("deny", help="deny a request (the captain)"))
    deny.add_argument("request_id")
    deny.add_argument("--note", required=True, help="why; kept on file")
    deny.set_defaults(func=cmd_deny)
    listing = member_options(share.add_parser("list", help="the file of requests (approved and denied kept forever)"))
    listing.add_argument("--status", choices=[s.value for s in RequestStatus])
    listing.add_argument("--ori")
    listing.set_defaults(func=cmd_list)
    fetch = member_options(share.add_parser("fetch", help="fetch what an approved request covers, as the agency would"))
    fetch.add_argument("request_id")
    fetch.add_argument("--token", required=True, help="the grant token the captain handed over")
    fetch.add_argument("--plate")
    fetch.add_argument("--from", dest="start")
    fetch.add_argument("--to", dest="end")
    fetch.add_argument("--download", type=Path, help="also save each frame into this folder")
    fetch.set_defaults(func=cmd_fetch)
    check = member_options(share.add_parser("check", help="may this agency get this data without a request?"))
    check.add_argument("--ori", required=True)
    check.add_argument("--data", required=True, choices=[s.value for s in SourceClass])
    check.set_defaults(func=cmd_check)
    access = member_options(share.add_parser("access", help="access records of data given to outside agencies"))
    access.add_argument("--day", help="UTC date YYYY-MM-DD (default: today)")
    access.set_defaults(func=cmd_access)


# --- agencies --------------------------------------------------------------------------------------------


def _agency_row(agency: Any) -> dict[str, Any]:
    return {
        "ori": agency.ori,
        "name": agency.name,
        "state": agency.state,
        "type": agency.agency_type.value,
        "ncric_partner": agency.ncric_partner,
        "fixed_access": agency.fixed_camera_access,
        "updated_by": agency.updated_by,
        "updated_at": agency.updated_at,
    }


def cmd_agency_add(args: argparse.Namespace) -> int:
    agency = runtime(args).sharing.add_agency(
        acting_member(args), args.ori, args.name, args.state, args.agency_type, args.ncric_partner, args.fixed_access
    )
    print_rows([_agency_row(agency)], args.json)
    return 0


def cmd_agency_edit(args: argparse.Namespace) -> int:
    def yes_no(value: str | None) -> bool | None:
        return None if value is None else value == "yes"

    agency = runtime(args).sharing.edit_agency(
        acting_member(args),
        args.ori,
        name=args.name,
        state=args.state,
        agency_type=args.agency_type,
        ncric_partner=yes_no(args.ncric_partner),
        fixed_camera_access=yes_no(args.fixed_access),
    )
    print_rows([_agency_row(agency)], args.json)
    return 0


def cmd_agency_list(args: argparse.Namespace) -> int:
    print_rows([_agency_row(a) for a in runtime(args).sharing.agencies(acting_member(args))], args.json)
    return 0


def cmd_agency_history(args: argparse.Namespace) -> int:
    for change in runtime(args).sharing.agency_history(acting_member(args), args.ori):
        if args.json:
            print(change.model_dump_json())
            continue
        print(f"{change.at}  by {change.by}" + ("  (registered)" if change.before is None else ""))
        before = change.before or {}
        for field, value in change.after.items():
            if field not in ("updated_at", "updated_by", "created_at") and before.get(field) != value:
                print(f"    {field}: {before.get(field, '')!s} -> {value!s}")
    return 0


# --- requests --------------------------------------------------------------------------------------------


def _request_row(request: Any) -> dict[str, Any]:
    return {
        "request_id": request.request_id,
        "status": request.status.value,
        "ori": request.ori,
        "agency": request.agency_name,
        "requester": request.requester_name,
        "purpose": request.intended_purpose,
        "data": request.data_class.value,
        "plates": ",".join(request.plates),
        "filed_at": request.filed_at,
        "decided_by": request.decided_by,
        "grant_expires_at": request.grant_expires_at,
        "reason": request.reason or request.decision_note,
    }


def cmd_request(args: argparse.Namespace) -> int:
    from alpr.domain.sharing import SharingRefused

    try:
        filed = runtime(args).sharing.file_request(
            args.ori,
            args.agency_name,
            args.requester,
            args.purpose,
            args.data,
            args.plate,
            args.window_start,
            args.window_end,
            args.case,
            via="cli",
        )
    except SharingRefused as refused:
        print(f"refused ({refused.rule}): {refused.message}\nkept on file as {refused.request_id}")
        return 3
    print(f"request {filed.request_id}: {filed.status.value}" + (f" - {filed.reason}" if filed.reason else ""))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    approval = runtime(args).sharing.approve(acting_member(args), args.request_id, args.days, args.note)
    print(f"request {args.request_id} approved; the grant lasts until {approval.request.grant_expires_at}")
    print(f"grant token (shown once; hand it to the requesting agency):\n{approval.grant_token}")
    return 0


def cmd_deny(args: argparse.Namespace) -> int:
    denied = runtime(args).sharing.deny(acting_member(args), args.request_id, args.note)
    print(f"request {denied.request_id}: {denied.status.value}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from alpr.domain.sharing import RequestStatus

    status = RequestStatus(args.status) if args.status else None
    print_rows(
        [_request_row(r) for r in runtime(args).sharing.requests(acting_member(args), status, args.ori)], args.json
    )
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from alpr.clock import parse_timestamp
    from alpr.domain.plates import normalize_plate
    from alpr.domain.sharing import Scope

    base_url = _api_url(args)
    scope = Scope(
        plate=normalize_plate(args.plate) if args.plate else None,
        start=parse_timestamp(args.start) if args.start else None,
        end=parse_timestamp(args.end) if args.end else None,
    )
    sharing = runtime(args).sharing
    shared = sharing.fetch(args.request_id, args.token, scope, base_url, "cli")
    rows = [
        {
            "read_id": s.read.read_id,
            "plate": s.read.plate,
            "captured_at": s.read.captured_at,
            "lat": s.read.latitude,
            "lon": s.read.longitude,
            "frame_link": s.frame_link,
        }
        for s in shared.reads
    ]
    print_rows(rows, args.json)
    if args.download:
        args.download.mkdir(parents=True, exist_ok=True)
        for item in shared.reads:
            query = parse_qs(urlsplit(item.frame_link).query)
            data, content_type = sharing.download(
                args.request_id, item.read.read_id, int(query["expires"][0]), query["sig"][0], "cli"
            )
            target = args.download / f"{item.read.read_id}.{'png' if content_type == 'image/png' else 'jpg'}"
            target.write_bytes(data)
            print(f"saved {target}")
    return 0


def _api_url(args: argparse.Namespace) -> str:
    if not args.local:
        return "https://share-api"
    return str(local_state().get("api_url") or "http://127.0.0.1:8080")


def cmd_check(args: argparse.Namespace) -> int:
    from alpr.schema import SourceClass

    decision = runtime(args).sharing.standing_access(args.ori, SourceClass(args.data))
    print(f"{'allowed' if decision.allowed else 'refused'} ({decision.rule}): {decision.reason}")
    return 0 if decision.allowed else 3


def cmd_access(args: argparse.Namespace) -> int:
    rt = runtime(args)
    day = args.day or rt.clock.now().date().isoformat()
    records = rt.sharing.access_records(acting_member(args), day)
    keys = ("at", "action", "outcome", "outside_agency", "outside_person", "subject", "case_number", "results")
    print_rows([{k: getattr(r, k) for k in keys} for r in records], args.json)
    return 0
