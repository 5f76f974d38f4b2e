"""The operator CLI obeys the same rules as the page: training on record, purpose, case, access records."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr.cli import main
from alpr.local.stack import LocalStack
from tests.integration.helpers import push, table_items


def reads_as(member: str) -> int:
    return main(["reads", "--aws", "--camera", "demo-fixed-1", "--member", member, "--purpose", "a", "--case", "C-77"])


def test_a_trained_member_sees_reads_and_the_access_is_recorded(
    stack: LocalStack, demo_photo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    push(stack, demo_photo)
    stack.drain()
    assert reads_as("officer") == 0
    assert "7ABC123" in capsys.readouterr().out
    [record] = [r for r in table_items(stack, "access-log") if r["action"] == "cli.reads"]
    assert (record["member_id"], record["case_number"], record["outcome"]) == ("officer", "C-77", "allowed")


def test_an_untrained_member_gets_nothing_and_the_refusal_is_recorded(
    stack: LocalStack, demo_photo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    push(stack, demo_photo)
    stack.drain()
    assert reads_as("untrained") == 3
    captured = capsys.readouterr()
    assert "7ABC123" not in captured.out and "training" in captured.err
    [record] = [r for r in table_items(stack, "access-log") if r["action"] == "cli.reads"]
    assert record["member_id"] == "untrained" and record["outcome"].startswith("refused")
