"""The CLI finds a running local stack from any folder, and says how when it finds none (alpr.local.state_file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alpr.local import state_file


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(state_file.STATE_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return tmp_path


def running_stack(folder: Path, api_url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / state_file.STATE_FILE).write_text(json.dumps({"api_url": api_url}))
    return folder


def test_a_stack_started_in_another_folder_is_found_through_the_pointer(isolated: Path) -> None:
    stack = running_stack(isolated / "repo" / ".alpr-local", "http://127.0.0.1:8080")
    state_file.remember(stack)
    assert state_file.load_state()["api_url"] == "http://127.0.0.1:8080"


def test_the_environment_variable_wins_over_the_folder_and_the_pointer(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_file.remember(running_stack(isolated / "remembered", "http://remembered"))
    running_stack(Path(".alpr-local"), "http://here")
    assert state_file.load_state()["api_url"] == "http://here"
    monkeypatch.setenv(state_file.STATE_ENV, str(running_stack(isolated / "chosen", "http://chosen")))
    assert state_file.load_state()["api_url"] == "http://chosen"


def test_no_stack_anywhere_says_where_it_looked_and_what_to_do() -> None:
    with pytest.raises(state_file.NoLocalStack) as refused:
        state_file.load_state()
    message = str(refused.value)
    assert "make run" in message and state_file.STATE_ENV in message and str(state_file.pointer_path()) in message


def test_a_stopped_stack_is_not_found_and_forget_keeps_a_newer_stacks_pointer(isolated: Path) -> None:
    old = running_stack(isolated / "old", "http://old")
    new = running_stack(isolated / "new", "http://new")
    state_file.remember(old)
    state_file.remember(new)
    state_file.forget(old)  # the old stack stopping must not hide the new one
    assert state_file.load_state()["api_url"] == "http://new"
    (new / state_file.STATE_FILE).unlink()  # the stack removes its state file when it stops
    with pytest.raises(state_file.NoLocalStack):
        state_file.load_state()
    state_file.forget(new)
    assert not state_file.pointer_path().exists()
