"""Where the running local stack's state lies, found from any folder.

``alpr local`` (``make run``) writes ``state.json`` (endpoints, demo camera keys, staff logins) into its state
folder, ``.alpr-local`` in the folder it was started from, and records that folder's absolute path in a
per-user pointer file, so ``alpr reads``, ``alpr-agent`` and the rest find the stack from any folder. The order:

1. ``ALPR_LOCAL_STATE`` (a state folder), when set;
2. ``.alpr-local`` in the current folder, when it holds a state file;
3. the pointer written by the last ``alpr local`` still running (``$XDG_STATE_HOME/alpr/local-stack`` or
   ``~/.local/state/alpr/local-stack``).

Standard library and alpr.schema only: the edge agent imports it too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from alpr.schema import OperatorEnv

STATE_FILE = "state.json"
DEFAULT_STATE_DIR = Path(".alpr-local")
STATE_ENV = OperatorEnv.LOCAL_STATE.value


class NoLocalStack(FileNotFoundError):
    """No running local stack could be found; the message says where it looked and what to do."""


def pointer_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "alpr" / "local-stack"


def state_dir_for_new_stack() -> Path:
    """The folder ``alpr local`` writes its state into."""
    configured = os.environ.get(STATE_ENV)
    return Path(configured) if configured else DEFAULT_STATE_DIR


def remember(state_dir: Path) -> None:
    """Point the per-user pointer at a stack that has just started."""
    pointer = pointer_path()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(str(state_dir.resolve()) + "\n")


def forget(state_dir: Path) -> None:
    """Remove the pointer if it still points at this stack (a newer stack may have replaced it)."""
    pointer = pointer_path()
    try:
        if Path(pointer.read_text().strip()) == state_dir.resolve():
            pointer.unlink()
    except FileNotFoundError:
        pass


def locate_state_dir() -> Path:
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured)
    if (DEFAULT_STATE_DIR / STATE_FILE).exists():
        return DEFAULT_STATE_DIR
    try:
        remembered = Path(pointer_path().read_text().strip())
    except FileNotFoundError:
        remembered = None
    if remembered is not None and (remembered / STATE_FILE).exists():
        return remembered
    raise NoLocalStack(
        f"no local stack found: none in {STATE_ENV}, none in {DEFAULT_STATE_DIR.resolve()}, and no running "
        f"`alpr local` recorded in {pointer_path()}. Start one with `make run` in the repository (or `alpr local`), "
        f"or set {STATE_ENV} to the state folder of a stack started elsewhere"
    )


def load_state(state_dir: Path | None = None) -> dict[str, Any]:
    """The running stack's state, from ``state_dir`` or wherever :func:`locate_state_dir` finds it."""
    folder = state_dir if state_dir is not None else locate_state_dir()
    path = folder / STATE_FILE
    if not path.exists():
        raise NoLocalStack(f"no local stack found ({path} is missing): start one with `make run` or `alpr local`")
    state: dict[str, Any] = json.loads(path.read_text())
    return state
