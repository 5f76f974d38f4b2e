"""Issue 16 point 1: every route that can hand out plate data or images passes one gate that records allowed and
refused calls alike, before the answer leaves. The routes are walked from the resolvers themselves, so a route
added later is covered by this test without anyone listing it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from alpr.cli import build_parser, main
from alpr.cli.common import UNAUTHENTICATED, _ungated, command_paths
from alpr.local.stack import LocalStack
from functions.rest import routes_of
from tests.integration.helpers import table_items
from tests.integration.staff import call, login


def resolvers() -> dict[str, APIGatewayRestResolver]:
    from functions.admin import handler as admin
    from functions.audit import handler as audit
    from functions.hotlist import api as hotlist
    from functions.retention import handler as retention
    from functions.search import handler as search
    from functions.share import api as share

    return {
        "search": search.app,
        "hotlist": hotlist.app,
        "admin": admin.app,
        "audit": audit.app,
        "retention": retention.app,
        "share": share.app,
    }


def every_route() -> list[tuple[str, str]]:
    return sorted({route for app in resolvers().values() for route in routes_of(app)})


def concrete(path: str) -> str:
    return re.sub(r"<[^>]+>", "x-1", path)


def refusals(stack: LocalStack) -> list[dict[str, Any]]:
    return [r for r in table_items(stack, "access-log") if not str(r.get("outcome", "")).startswith("allowed")]


# The only routes an untrained member may use: logging in and asking who they are (policy 418.4(d)).
OPEN_TO_THE_UNTRAINED = {("POST", "/api/login"), ("GET", "/api/me")}
# Filing a request (no account) and the grant routes (a grant token, not a login).
OUTSIDE_AGENCY_ROUTES = {
    ("POST", "/share/requests"),
    ("GET", "/share/grants/<request_id>/reads"),
    ("GET", "/share/grants/<request_id>/frames/<read_id>"),
}


def test_the_walk_finds_the_routes_of_every_resolver() -> None:
    routes = every_route()
    prefixes = {path.split("/")[1] + "/" + path.split("/")[2] for _, path in routes if path.count("/") >= 2}
    assert {"api/search", "v1/alerts", "v1/hotlist", "v1/admin", "v1/audits", "v1/holds", "share/grants"} <= prefixes
    assert len(routes) > 40


def test_an_untrained_members_call_on_every_route_adds_a_refusal_record(stack: LocalStack) -> None:
    token = login(stack, "untrained")
    problems = []
    for method, path in every_route():
        if (method, path) in OPEN_TO_THE_UNTRAINED:
            continue
        seen = {r["record_id"] for r in refusals(stack)}
        response = call(stack, method, concrete(path), token, json={})
        new = [r for r in refusals(stack) if r["record_id"] not in seen]
        if response.status_code < 400:
            problems.append(f"{method} {path}: answered {response.status_code}")
        if len(new) != 1:
            problems.append(f"{method} {path}: {len(new)} refusal record(s), not 1")
        elif not path.startswith("/share/") and new[0]["member_id"] != "untrained":
            # The sharing API has no Cognito authorizer: its member routes refuse (and record) the unsigned call.
            problems.append(f"{method} {path}: the record names {new[0]['member_id']}")
    assert problems == []


def test_the_grant_routes_record_a_missing_or_wrong_token(stack: LocalStack) -> None:
    for headers_token in (None, "not-the-token"):
        before = len(refusals(stack))
        response = call(stack, "GET", "/share/grants/SR-20261102-ABCDEF12/reads", headers_token)
        assert response.status_code in (401, 404)
        assert len(refusals(stack)) == before + 1


def test_an_allowed_v1_call_is_recorded_once(stack: LocalStack) -> None:
    token = login(stack, "officer")
    response = call(stack, "GET", "/v1/hotlist/entries", token)
    assert response.status_code == 200
    rows = [r for r in table_items(stack, "access-log") if r["action"] == "hotlist-api GET /v1/hotlist/entries"]
    assert len(rows) == 1 and rows[0]["member_id"] == "officer" and rows[0]["outcome"] == "allowed"


# --- the CLI ---------------------------------------------------------------------------------------------


def filled(parser: argparse.ArgumentParser, path: str, tmp: Path) -> list[str]:
    """The command line with a placeholder for every required argument, so the command runs to its gate."""
    words = path.split()
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings or action.required:
            if action.choices:
                value = str(next(iter(action.choices)))
            elif action.type in (int, float):
                value = "1"
            elif action.type is Path:
                value = str(tmp / "x.csv")
            else:
                value = "x-1" if action.type in (None, str) or _accepts(action.type, "x-1") else "2026-01-01"
            words += [*action.option_strings[:1], value]
    return words


def _accepts(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except (ValueError, TypeError, argparse.ArgumentTypeError):
        return False
    return True


def gated_commands() -> list[tuple[str, argparse.ArgumentParser]]:
    return [(path, leaf) for path, leaf in command_paths(build_parser()) if not _ungated(path)]


def test_every_staff_command_run_by_an_untrained_member_is_refused_and_recorded(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("alpr.cli.common.STATE_DIR", stack.config.state_dir)
    monkeypatch.setenv("ALPR_MEMBER", "untrained")
    (tmp_path / "x.csv").write_text("plate,reason_code,record_id\n")
    problems = []
    commands = gated_commands()
    assert {"alerts list", "hold place", "hold request", "share fetch", "access verify", "reads"} <= {
        p for p, _ in commands
    }
    for path, leaf in commands:
        before = len(table_items(stack, "access-log"))
        code = main(filled(leaf, path, tmp_path))
        after = table_items(stack, "access-log")
        added = len(after) - before
        if path in UNAUTHENTICATED:
            if added < 1:
                problems.append(f"alpr {path}: wrote no record")
            continue
        if code != 3:
            problems.append(f"alpr {path}: exit {code}, not 3")
        refused = [r for r in after if r["member_id"] == "untrained" and r["outcome"].startswith("refused")]
        if added != 1 or not refused:
            problems.append(f"alpr {path}: {added} record(s)")
    capsys.readouterr()
    assert problems == []


def test_a_cli_command_names_nobody_but_alpr_member(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16 point 4: not the operating-system login."""
    monkeypatch.setattr("alpr.cli.common.STATE_DIR", stack.config.state_dir)
    monkeypatch.delenv("ALPR_MEMBER", raising=False)
    assert main(["alerts", "list", "--purpose", "a", "--case", "26-0001"]) == 3
    assert "ALPR_MEMBER" in capsys.readouterr().err
    [record] = [r for r in table_items(stack, "access-log") if r["action"] == "cli.alerts.list"]
    assert record["member_id"] == "(unauthenticated)" and record["outcome"].startswith("refused")
