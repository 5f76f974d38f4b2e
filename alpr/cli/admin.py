"""``alpr admin designate|designee|error-report|error-reports`` (ALPR administration, 418.3.1(e), 418.6) and
``alpr transparency`` (the public summary, no plates)."""

from __future__ import annotations

import argparse

from alpr.cli.common import acting_member, identity_options, print_json, refusable, runtime, stack_options


def register(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser("admin", help="ALPR administration (418.3.1(e), 418.6)")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    designate = _administrator(admin_sub.add_parser("designate", help="record the ALPR administrator designee"))
    designate.add_argument("--title", required=True)
    designate.add_argument("--name", required=True)
    designate.set_defaults(func=cmd_designate, default_role="captain")
    stack_options(admin_sub.add_parser("designee", help="the current designee")).set_defaults(func=cmd_designee)
    report = _administrator(
        admin_sub.add_parser("error-report", help="record a misread or wrong hit reported to NCRIC")
    )
    report.add_argument("read_id")
    report.add_argument("--error", required=True, choices=["misread", "wrong_hit"])
    report.add_argument("--corrected-plate", help="what the plate really is (misreads)")
    report.add_argument("--what", required=True, help="what was wrong and how it was found")
    report.add_argument("--alert", help="the alert the error caused, if any")
    report.set_defaults(func=cmd_error_report)
    _administrator(admin_sub.add_parser("error-reports", help="every error report")).set_defaults(
        func=cmd_error_reports
    )

    public = stack_options(commands.add_parser("transparency", help="the public transparency summary (no plates)"))
    public.set_defaults(func=cmd_transparency)


def _administrator(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return identity_options(stack_options(p), default_role="administrator")


def cmd_designate(args: argparse.Namespace) -> int:
    return refusable(
        lambda: print_json(
            runtime(args).administration.designate(acting_member(args), args.title, args.name), args.json
        )
    )


def cmd_designee(args: argparse.Namespace) -> int:
    print_json(runtime(args).administration.designee(), args.json)
    return 0


def cmd_error_report(args: argparse.Namespace) -> int:
    def run() -> None:
        report = runtime(args).administration.report_error(
            acting_member(args), args.read_id, args.error, args.what, args.corrected_plate, args.alert
        )
        print_json(report, args.json)

    return refusable(run)


def cmd_error_reports(args: argparse.Namespace) -> int:
    def run() -> None:
        for report in runtime(args).administration.error_reports(acting_member(args)):
            print_json(report, True)

    return refusable(run)


def cmd_transparency(args: argparse.Namespace) -> int:
    print_json(runtime(args).transparency.summary(), args.json)
    return 0
