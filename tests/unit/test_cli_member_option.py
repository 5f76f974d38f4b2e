"""A gated command refused for want of a member says "export ALPR_MEMBER=... (or pass --member)": every gated
command takes ``--member`` (`alpr frames --member officer` was an argparse error while `alpr frames` alone was
refused for naming nobody)."""

from __future__ import annotations

from alpr.cli import build_parser
from alpr.cli.common import UNAUTHENTICATED, _ungated, command_paths


def test_every_gated_command_takes_the_member_its_refusal_asks_for() -> None:
    gated = [
        (path, leaf)
        for path, leaf in command_paths(build_parser())
        if not _ungated(path) and path not in UNAUTHENTICATED
    ]
    assert len(gated) > 40 and "frames" in dict(gated)
    lacking = [path for path, leaf in gated if not any("--member" in a.option_strings for a in leaf._actions)]
    assert lacking == []
    assert build_parser().parse_args(["frames", "--member", "officer"]).member == "officer"
