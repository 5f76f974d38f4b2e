"""Every environment variable the platform reads is named once, in ``alpr/schema.py`` (``Env`` for what a
deployed function reads, ``OperatorEnv`` for an operator's machine): a name written as a literal anywhere else
would drift from what the CDK stack and the local stack set."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from alpr import schema

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^ALPR_[A-Z][A-Z0-9_]*$")


def literal_names(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
            found.append((node.lineno, node.value))
        if isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and str(head.value).startswith("ALPR_") and len(str(head.value)) > 5:
                found.append((node.lineno, f"{head.value}..."))
    return found


def test_no_variable_name_is_written_outside_the_schema() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for folder in ("alpr", "functions", "infra")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "alpr" / "schema.py"
        for line, name in literal_names(path)
    ]
    assert not offenders, "name these through alpr.schema.Env / OperatorEnv:\n" + "\n".join(offenders)


def test_the_check_finds_a_literal_name_and_an_f_string(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('import os\nos.environ.get("ALPR_SOMETHING")\nx = f"ALPR_DAYS_{1}"\n')
    assert {"ALPR_SOMETHING", "ALPR_DAYS_..."} <= {name for _, name in literal_names(probe)}


def test_no_name_is_declared_twice() -> None:
    names = [e.value for e in schema.Env] + [e.value for e in schema.OperatorEnv]
    assert len(names) == len(set(names))
    assert not {e.value for e in schema.OperatorEnv} & {e.value for e in schema.Env}
