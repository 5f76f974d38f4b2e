"""Every ``alpr bench`` command runs at a tiny size in ``make test``, so none can rot unseen.

``alpr bench search`` once crashed on main for weeks (its embedded stack lacked the sightings table the search
had started to read) because nothing ran it. The benches with their own test files (ocr, pipeline, agent) are
found by the coverage check below; the small ones run here.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alpr.cli import build_parser

TESTS = Path(__file__).resolve().parents[1]


def _bench(*args: str) -> dict:
    # A separate process: each bench starts its own embedded AWS and would replace the suite's.
    alpr = Path(sys.executable).parent / "alpr"
    done = subprocess.run([str(alpr), "bench", *args, "--json"], capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _bench_names() -> set[str]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bench = commands.choices["bench"]
    bench_commands = next(a for a in bench._actions if isinstance(a, argparse._SubParsersAction))
    return set(bench_commands.choices)


def test_every_benchmark_has_a_tiny_run_in_the_tests() -> None:
    sources = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py"))
    run_by_tests = set(re.findall(r'(?:"bench",\s*|_bench\()"([a-z-]+)"', sources))
    missing = _bench_names() - run_by_tests
    assert not missing, f"benchmarks no test runs at a tiny size: {sorted(missing)}"


@pytest.mark.timeout(300)
def test_search_benchmark_finds_the_target_plate_in_every_shape() -> None:
    figures = _bench("search", "--reads", "300", "--repeat", "1")
    assert figures["reads"] == 300
    queries = figures["queries"]
    # 40 reads of the target plate are loaded; about 1 % of reads are already past retention and must be skipped.
    for shape in ("exact", "prefix", "infix"):
        assert 35 <= queries[shape]["returned"] <= 40, (shape, queries[shape])
        assert queries[shape]["examined"] >= queries[shape]["returned"]


@pytest.mark.timeout(300)
def test_hotlist_benchmark_imports_and_matches() -> None:
    figures = _bench("hotlist", "--entries", "50", "--patterns", "5", "--reads", "100")
    assert figures["entries"] == 50 and figures["patterns"] == 5
    assert figures["match_median_us"] > 0 and figures["peak_rss_mb"] > 0


@pytest.mark.timeout(300)
def test_purge_benchmark_deletes_the_expired_and_keeps_the_live() -> None:
    figures = _bench("purge", "--reads", "100")
    assert figures["failures"] == 0
    assert figures["image_versions_deleted"] == figures["items"] == 100
    assert figures["reads_left"] == figures["live_reads_seeded"]
