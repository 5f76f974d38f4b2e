"""``alpr agent run|status``: the edge agent's commands (alpr/agent/cli.py, also the light ``alpr-agent``)."""

from __future__ import annotations

import argparse

from alpr.agent.cli import add_agent_commands


def register(commands: argparse._SubParsersAction) -> None:
    add_agent_commands(commands)
