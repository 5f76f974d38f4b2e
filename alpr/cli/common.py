"""Who runs a CLI command, and the access gate every staff command passes (the CLI stands in for Cognito).

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
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from alpr.domain.errors import DomainError, Unauthenticated
from alpr.schema import OperatorEnv

Command = Callable[[argparse.Namespace], int]

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
    """Wraps every staff command's function in the gate (called once the whole parser is built)."""
    for path, leaf in command_paths(parser):
        run = leaf._defaults.get("func")
        if run is None or _ungated(path):
            continue
        leaf.set_defaults(func=gated(path, run))


def roles_of(args: argparse.Namespace) -> frozenset[Any]:
    from alpr.schema import Role

    named = getattr(args, "role", None) or [r.strip() for r in os.environ.get(OperatorEnv.ROLES, "").split(",")]
    named = [r for r in named if r] or [getattr(args, "default_role", None) or Role.OFFICER.value]
    unknown = [r for r in named if r not in Role._value2member_map_]
    if unknown:
        raise DomainError(f"unknown role(s) {', '.join(unknown)}: {', '.join(r.value for r in Role)}")
    return frozenset(Role(r) for r in named)


def cli_member(args: argparse.Namespace) -> Any:
    """The member a command acts as: ``--member`` or ``ALPR_MEMBER``; refused when neither names one."""
    from alpr.runtime import runtime
    from alpr.services.access import Member

    member_id = (getattr(args, "member", None) or os.environ.get(OperatorEnv.MEMBER) or "").strip()
    if not member_id:
        raise Unauthenticated("say who you are: export ALPR_MEMBER=<your member id> (or pass --member)")
    name = getattr(args, "member_name", None) or os.environ.get(OperatorEnv.MEMBER_NAME) or member_id
    trained = runtime().repos.training.get(member_id) is not None
    return Member(member_id=member_id, name=name, roles=roles_of(args), trained=trained)


def _use_stack(args: argparse.Namespace) -> None:
    if getattr(args, "local", True):
        from alpr.cli import _use_local_stack

        _use_local_stack()


def gated(path: str, run: Command) -> Command:
    def command(args: argparse.Namespace) -> int:
        from alpr.runtime import runtime
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
            return runtime().staff_gate.guard(rule, call, lambda: cli_member(args), lambda _: run(args))
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
