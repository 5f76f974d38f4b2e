"""``alpr bench hotlist``: a state-sized list (1,000,000 plates) plus 10,000 partial patterns.

Measures, on this machine: import (CSV check + snapshot build), snapshot size, matcher load (snapshot bytes
to a ready matcher, as a fresh match container does), and the time to match one read (exact + patterns +
look-alikes) over a stream of reads of which a few percent hit. Load and matching run in a separate
process, so its peak memory is that of a match container and not of the benchmark's own set-up.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alpr.domain.hotlist.confusion import CONFUSION_CLASSES

TARGETS = {"load_s": 1.0, "match_median_us": 50.0, "match_p99_us": 500.0, "import_s": 60.0, "peak_rss_mb": 512.0}
SUMMARY_KEYS = (
    "entries",
    "patterns",
    "import_s",
    "snapshot_mb",
    "load_s",
    "match_median_us",
    "match_p99_us",
    "peak_rss_mb",
)
NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_DIGITS = "0123456789"
_LAYOUTS = ("9LLL999", "9LLL999", "9LLL999", "LLL9999", "9LL9999", "LL99999", "999LLL")
_STATES = ("CA",) * 8 + ("NV", "OR", "AZ", "")
_CODES = ("SV", "SV", "SV", "SL", "LIC", "W", "MP", "AA", "SA")


def _plate(rng: random.Random) -> str:
    layout = rng.choice(_LAYOUTS)
    return "".join(rng.choice(_LETTERS if c == "L" else _DIGITS) for c in layout)


def _look_alike(plate: str, rng: random.Random) -> str:
    """The plate with one character swapped for a look-alike, as the reader might misread it."""
    positions = [i for i, c in enumerate(plate) if any(c in group and len(group) > 1 for group in CONFUSION_CLASSES)]
    if not positions:
        return plate
    at = rng.choice(positions)
    group = next(g for g in CONFUSION_CLASSES if plate[at] in g)
    return plate[:at] + rng.choice([c for c in group if c != plate[at] and c != "O"] or [plate[at]]) + plate[at + 1 :]


def synthetic_list(entries: int, seed: int = 418) -> tuple[bytes, list[str]]:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write("plate,state,plate_type,make,colour,reason_code,record_id\n")
    plates = []
    for number in range(entries):
        plate = _plate(rng)
        plates.append(plate)
        out.write(f"{plate},{rng.choice(_STATES)},PC,HOND,BLK,{rng.choice(_CODES)},V{number:010d}\n")
    return out.getvalue().encode(), plates


def synthetic_patterns(count: int, seed: int = 419) -> list[str]:
    """Partial plates as witnesses report them: a few characters unknown, or a remembered run."""
    rng = random.Random(seed)
    patterns = []
    for _ in range(count):
        plate = list(_plate(rng))
        if rng.random() < 0.6:
            for position in rng.sample(range(len(plate)), rng.randint(1, 3)):
                plate[position] = "?"
            patterns.append("".join(plate))
        else:
            start = rng.randrange(len(plate) - 3)
            run = "".join(plate[start : start + rng.randint(4, 5)])
            patterns.append(rng.choice((f"*{run}*", f"{run}*", f"*{run}")))
    return patterns


def _manual_snapshot(patterns: list[str]) -> bytes:
    from alpr.domain.hotlist.entries import new_entry
    from alpr.domain.hotlist.matcher import manual_snapshot

    entries = [
        new_entry(
            value=p, reason="investigation", case_number=f"26-{i:06d}", entered_by="bench", now=NOW, entry_id=f"p{i}"
        )
        for i, p in enumerate(patterns)
    ]
    return manual_snapshot(entries, NOW)


def _peak_rss_mb() -> float:
    """This process's own high-water mark. (ru_maxrss would not do: Linux keeps it across the spawn's exec,
    so a child would report its parent's peak.)"""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_and_match(snapshot: str, manual: str, reads: list[str], queue: Any) -> None:
    """Runs in a fresh process: what a match container does."""
    from alpr.domain.hotlist.matcher import ManualIndex, Matcher
    from alpr.domain.hotlist.snapshot import ImportedIndex

    started = time.perf_counter()
    matcher = Matcher(
        [ImportedIndex(Path(snapshot).read_bytes())], ManualIndex.from_snapshot(Path(manual).read_bytes())
    )
    load_s = time.perf_counter() - started
    timings = []
    hits = 0
    match = matcher.match
    clock = time.perf_counter_ns
    for plate in reads:
        before = clock()
        found = match(plate, None, NOW)
        timings.append(clock() - before)
        hits += len(found)
    timings.sort()
    queue.put(
        {
            "load_s": load_s,
            "match_median_us": statistics.median(timings) / 1000,
            "match_p99_us": timings[int(len(timings) * 0.99)] / 1000,
            "peak_rss_mb": _peak_rss_mb(),
            "hits": hits,
            "matcher_size": matcher.size,
        }
    )


def run_benchmark(entries: int = 1_000_000, patterns: int = 10_000, reads: int = 20_000) -> dict[str, Any]:
    from alpr.domain.hotlist.imports import parse_list, refusal
    from alpr.domain.hotlist.snapshot import build_snapshot

    data, listed = synthetic_list(entries)
    started = time.perf_counter()
    parsed = parse_list(data)
    if refusal(parsed):
        raise RuntimeError(refusal(parsed))
    snapshot = build_snapshot("bench", "v1", parsed.records)
    import_s = time.perf_counter() - started
    del parsed

    rng = random.Random(420)
    stream = []
    for _ in range(reads):
        roll = rng.random()
        if roll < 0.02:
            stream.append(rng.choice(listed))
        elif roll < 0.04:
            stream.append(_look_alike(rng.choice(listed), rng))
        else:
            stream.append(_plate(rng))
    with tempfile.TemporaryDirectory() as folder:
        snapshot_path = Path(folder) / "list.snap"
        manual_path = Path(folder) / "manual.json"
        snapshot_path.write_bytes(snapshot)
        manual_path.write_bytes(_manual_snapshot(synthetic_patterns(patterns)))
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_load_and_match, args=(str(snapshot_path), str(manual_path), stream, queue))
        child.start()
        measured = queue.get()
        child.join()
    summary = {
        "entries": entries,
        "patterns": patterns,
        "import_s": round(import_s, 2),
        "snapshot_mb": round(len(snapshot) / 1e6, 1),
        "load_s": round(measured["load_s"], 3),
        "match_median_us": round(measured["match_median_us"], 1),
        "match_p99_us": round(measured["match_p99_us"], 1),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
    }
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    lines = [f"hotlist benchmark: {summary['entries']:,} imported entries + {summary['patterns']:,} patterns"]
    units = {
        "import_s": "s",
        "snapshot_mb": "MB",
        "load_s": "s",
        "match_median_us": "µs",
        "match_p99_us": "µs",
        "peak_rss_mb": "MB",
    }
    for key, unit in units.items():
        target = TARGETS.get(key)
        verdict = (
            "" if target is None else f"  (target ≤ {target:g} {unit}: {'ok' if summary[key] <= target else 'MISSED'})"
        )
        lines.append(f"  {key:<16} {summary[key]:>10} {unit}{verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_summary(run_benchmark(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))
