"""What every ``alpr`` command module shares: the local stack, the runtime, output, the options that say who
runs a command and why, and the access gate every staff command passes (the CLI stands in for Cognito).

One identity source for every command: ``--member`` or else ``ALPR_MEMBER`` names the member (never the
operating-system login), ``--role`` or else ``ALPR_ROLES`` (comma-separated) or else the command's default
role names the roles, and training is what administrators recorded in the training table (policy 418.4(d)).

Every command runs inside ``StaffGate.guard`` (alpr/services/staff.py) unless ``UNGATED`` lists it as an
operator's command that hands out no plate data or images: the member must be named and trained, and the
command leaves an access record (allowed, refused or failed) before it exits, whether or not the services it
ran wrote their own. A refusal prints its reason and exits 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from alpr.domain.errors import DomainError, Unauthenticated
from alpr.schema import OperatorEnv, Role

Command = Callable[[argparse.Namespace], int]

# The local stack's state folder; None finds it (alpr.local.state_file: ALPR_LOCAL_STATE, ./.alpr-local, or the
# per-user pointer of a running `alpr local`), so commands work from any folder. Tests point it at their stack.
STATE_DIR: Path | None = None

# Operator commands: the local stack, uploads as a camera, benchmarks, reading an image file, the registry of
# cameras, their health and the queues, the public transparency summary, and the local stack's demo authenticator
# codes. They show no plate reads, alerts, holds or access records, so no member is asked for.
UNGATED = frozenset(
    {
        "local",
        "demo-photo",
        "login-code",
        "read",
        "bench",
        "camera push",
        "camera list",
        "camera health",
        "dead-letters",
        "purge",
        "ncric",
        "transparency",
    }
)
# Commands an outside agency runs with its grant token or that file a request without an account: the sharing
# service identifies the agency and person itself; the gate still records every call.
UNAUTHENTICATED = frozenset({"share request", "share fetch"})


# --- the local stack and the runtime ---------------------------------------------------------------------


def local_state() -> dict[str, Any]:
    """The running local stack's state file (``STATE_DIR``)."""
    from alpr.local.state_file import load_state

    return load_state(STATE_DIR)


def use_local_stack() -> dict[str, Any]:
    """Points this process at the local stack (its endpoints and names in the environment)."""
    state = local_state()
    os.environ.update(state["environment"])
    return state


def runtime(args: argparse.Namespace | None = None) -> Any:
    """The platform's services; with ``args``, against the local stack unless the command was given ``--aws``."""
    if args is not None and args.local:
        use_local_stack()
    from alpr.runtime import runtime as platform_runtime

    return platform_runtime()


def acting_member(args: argparse.Namespace) -> Any:
    """The one CLI identity: ALPR_MEMBER (or ``--member``), never the operating-system login."""
    runtime(args)
    return cli_member(args)


# --- output ----------------------------------------------------------------------------------------------


def print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    """A table with a header, or (``--json``) one JSON object per row."""
    if as_json:
        for row in rows:
            print(json.dumps(row, default=str))
        return
    if not rows:
        print("(none)")
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def print_json(value: Any, as_json: bool) -> None:
    """One JSON document: on one line with ``--json``, indented without."""
    print(json.dumps(value, indent=None if as_json else 2, default=str))


def refusable(run: Callable[[], int | None]) -> int:
    """Runs the command; bad input exits 2. A refusal propagates to the gate below, which records and prints it."""
    try:
        return run() or 0
    except ValueError as invalid:
        print(f"error: {invalid}", file=sys.stderr)
        return 2


# --- options ---------------------------------------------------------------------------------------------


def stack_options(
    parser: argparse.ArgumentParser,
    aws_help: str = "use the AWS account in your environment",
    json_help: str = "JSON output",
) -> argparse.ArgumentParser:
    """``--aws`` (``args.local`` false: the AWS account in the environment, not the local stack) and ``--json``."""
    parser.add_argument("--aws", dest="local", action="store_false", help=aws_help)
    parser.add_argument("--json", action="store_true", help=json_help)
    return parser


def listing_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``stack_options`` of the commands that list rows (frames, reads, cameras)."""
    return stack_options(
        parser,
        aws_help="use the AWS account in your environment instead of the local stack",
        json_help="one JSON object per line",
    )


def identity_options(parser: argparse.ArgumentParser, default_role: str) -> argparse.ArgumentParser:
    """``--member``, ``--member-name`` and ``--role``, with the role the command assumes when none is named."""
    parser.add_argument("--member", help="your member id (default: ALPR_MEMBER)")
    parser.add_argument("--member-name")
    parser.add_argument("--role", action="append", help=f"your role(s) (default: ALPR_ROLES, else {default_role})")
    parser.set_defaults(default_role=default_role)
    return parser


def member_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``stack_options`` and the identity options of the hotlist, alert, sharing and NCRIC commands."""
    stack_options(parser, aws_help="use the AWS account in your environment, not the local stack")
    parser.add_argument(
        "--member", default=os.environ.get(OperatorEnv.MEMBER), help="your member id (default: ALPR_MEMBER)"
    )
    parser.add_argument("--member-name")
    parser.add_argument(
        "--role",
        action="append",
        choices=[r.value for r in Role],
        help="your role(s) (default: ALPR_ROLES or officer)",
    )
    return parser


def justification_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--purpose`` and ``--case``: why plate data is looked at (policy 418.4.1)."""
    parser.add_argument("--purpose", help="policy 418.4.1 purpose letter a-g (required)")
    parser.add_argument("--case", help="case or incident number (required)")
    return parser


# --- the gate --------------------------------------------------------------------------------------------


def command_paths(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every leaf command of the parser with its path ("hold place")."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield " ".join(path), parser
        return
    for name, child in groups[0].choices.items():
        yield from command_paths(child, (*path, name))


def _ungated(path: str) -> bool:
    words = path.split()
    return any(" ".join(words[:n]) in UNGATED for n in range(1, len(words) + 1))


def gate_commands(parser: argparse.ArgumentParser) -> None:
    """Wraps every staff command's function in the gate (called once the whole parser is built). A refusal
    says "pass --member", so every gated command takes it, even one with no other identity options."""
    for path, leaf in command_paths(parser):
        run = leaf._defaults.get("func")
        if run is None or _ungated(path):
            continue
        if not any(action.dest == "member" for action in leaf._actions):
            leaf.add_argument("--member", help="your member id (default: ALPR_MEMBER)")
        leaf.set_defaults(func=gated(path, run))


def roles_of(args: argparse.Namespace) -> frozenset[Any]:
    named = getattr(args, "role", None) or [r.strip() for r in os.environ.get(OperatorEnv.ROLES, "").split(",")]
    named = [r for r in named if r] or [getattr(args, "default_role", None) or Role.OFFICER.value]
    unknown = [r for r in named if r not in Role._value2member_map_]
    if unknown:
        raise DomainError(f"unknown role(s) {', '.join(unknown)}: {', '.join(r.value for r in Role)}")
    return frozenset(Role(r) for r in named)


def cli_member(args: argparse.Namespace) -> Any:
    """The member a command acts as: ``--member`` or ``ALPR_MEMBER``; refused when neither names one."""
    from alpr.runtime import runtime as platform_runtime
    from alpr.services.access import Member

    member_id = (getattr(args, "member", None) or os.environ.get(OperatorEnv.MEMBER) or "").strip()
    if not member_id:
        raise Unauthenticated("say who you are: export ALPR_MEMBER=<your member id> (or pass --member)")
    name = getattr(args, "member_name", None) or os.environ.get(OperatorEnv.MEMBER_NAME) or member_id
    trained = platform_runtime().repos.training.get(member_id) is not None
    return Member(member_id=member_id, name=name, roles=roles_of(args), trained=trained)


def _use_stack(args: argparse.Namespace) -> None:
    if getattr(args, "local", True):
        use_local_stack()


def gated(path: str, run: Command) -> Command:
    def command(args: argparse.Namespace) -> int:
        from alpr.runtime import runtime as platform_runtime
        from alpr.services.staff import Call, Rule

        _use_stack(args)
        open_to_all = path in UNAUTHENTICATED
        rule = Rule(
            f"cli.{path.replace(' ', '.')}", justified=False, trained=not open_to_all, authenticated=not open_to_all
        )
        call = Call(
            token=None,
            client="cli",
            subject=" ".join(["alpr", path, *_subject_words(args)])[:256],
            purpose=getattr(args, "purpose", None),
            case_number=getattr(args, "case", None) or getattr(args, "case_number", None),
        )
        try:
            return platform_runtime().staff_gate.guard(rule, call, lambda: cli_member(args), lambda _: run(args))
        except DomainError as refused:
            print(f"refused: {refused.message}", file=sys.stderr)
            return 3

    command.__doc__ = run.__doc__
    return command


def _subject_words(args: argparse.Namespace) -> list[str]:
    """What the command names (ids, plates), for the record's subject; never tokens or passwords."""
    secret = {"token", "password", "key", "func", "local", "json", "member", "member_name", "role", "default_role"}
    words = []
    for name, value in sorted(vars(args).items()):
        if name in secret or name.endswith("_command") or name == "command" or value in (None, False, [], ""):
            continue
        if isinstance(value, str | int | float) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            words.append(f"{name}={','.join(value) if isinstance(value, list) else value}")
    return words
