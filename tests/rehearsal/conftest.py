"""The rehearsal runs in its own process (``python -m alpr.rehearsal``): it owns a moto server, switches on moto's
IAM enforcement and swaps the environment per function, none of which may leak into the rest of the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
Rehearse = Callable[[dict[str, Any]], tuple[int, dict[str, Any], str]]


@pytest.fixture(scope="session")
def synthesized() -> dict[str, Any]:
    """The app's template, synthesized once per session as ``make rehearse`` synthesizes it."""
    from alpr.rehearsal.synth import synthesize

    return synthesize()


@pytest.fixture
def rehearse(tmp_path: Path) -> Rehearse:
    def run(template: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
        template_path, report_path = tmp_path / "template.json", tmp_path / "report.json"
        template_path.write_text(json.dumps(template))
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ALPR_"))}
        done = subprocess.run(
            [sys.executable, "-m", "alpr.rehearsal", "--template", str(template_path), "--json", str(report_path)],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        return done.returncode, report, done.stdout + done.stderr

    return run
