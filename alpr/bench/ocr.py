"""``alpr bench ocr``: accuracy, speed, cold start and memory on a labelled folder.

Everything runs on one thread (ONNX Runtime and OpenCV) so figures are
comparable between machines with different core counts.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from alpr.bench.ocr_data import LabelledImage, box_matches, levenshtein, load_benchmark
from alpr.ocr.plate_format import latin_alphanumerics

SUMMARY_KEYS = (
    "images",
    "exact",
    "within1",
    "detected",
    "median_ms",
    "p95_ms",
    "cold_start_s",
    "peak_rss_mb",
    "confident_share",
    "confident_exact",
    "stage_ms",
)
# Calibration check: share of images whose best read has at least this confidence, and how many of those are
# exactly right (the target: >= 0.99).
CONFIDENT = 0.9
STAGE_NAMES = ("decode", "detector", "recognizer", "text_boxes", "voting")
PIPELINES = ("reader", "baseline")

_COLD_START_CODE = {
    "reader": "from alpr.ocr.reader import PlateReader; PlateReader(threads=1)",
    "baseline": "from alpr.ocr.baseline import BaselineReader; BaselineReader(threads=1)",
}


class _Reader(Protocol):
    def read(self, image: np.ndarray) -> list[Any]: ...


def _make_reader(pipeline: str) -> _Reader:
    import cv2

    cv2.setNumThreads(1)
    if pipeline == "reader":
        from alpr.ocr.reader import PlateReader

        return PlateReader(threads=1)
    from alpr.ocr.baseline import BaselineReader

    return BaselineReader(threads=1)


def measure_cold_start(pipeline: str) -> float:
    """Seconds to import and load the models, in a fresh interpreter."""
    code = (
        "import time; started = time.perf_counter(); "
        f"{_COLD_START_CODE[pipeline]}; print(time.perf_counter() - started)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=_project_root()
    )
    return float(completed.stdout.strip().splitlines()[-1])


def _project_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def run_pipeline(
    pipeline: str, images: list[LabelledImage], on_image: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    from alpr.ocr.image_decoding import ImageDecodeError, decode_image

    reader = _make_reader(pipeline)
    exact = within1 = detected = confident = confident_right = 0
    timings: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in STAGE_NAMES}
    for item in images:
        started = time.perf_counter()
        plates = []
        try:
            frame = decode_image(item.path.read_bytes())
            decoded = time.perf_counter()
            plates = reader.read(frame)
        except ImageDecodeError:
            decoded = time.perf_counter()
        timings.append((time.perf_counter() - started) * 1000)
        stages["decode"].append((decoded - started) * 1000)
        for name, ms in getattr(reader, "stage_ms", {}).items():
            stages.setdefault(name, []).append(ms)
        best = plates[0] if plates else None
        text = latin_alphanumerics(best.text) if best else ""
        distance = levenshtein(text, item.plate) if best else len(item.plate)
        found = best is not None and box_matches(best.box, item.box)
        exact += int(best is not None and distance == 0)
        within1 += int(best is not None and distance <= 1)
        detected += int(found)
        if best is not None and best.confidence >= CONFIDENT:
            confident += 1
            confident_right += int(distance == 0)
        if on_image is not None:
            on_image(
                {
                    "image": item.path.name,
                    "truth": item.plate,
                    "read": text,
                    "raw": best.raw_text if best else "",
                    "confidence": best.confidence if best else 0.0,
                    "detected": found,
                    "ms": round(timings[-1], 1),
                    "others": [p.text for p in plates[1:]],
                    "format": getattr(best, "format", None),
                    "state": getattr(best, "state", None),
                }
            )
    count = len(images)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "images": count,
        "exact": round(exact / count, 4),
        "within1": round(within1 / count, 4),
        "detected": round(detected / count, 4),
        "median_ms": round(float(np.median(timings)), 1),
        "p95_ms": round(float(np.percentile(timings, 95)), 1),
        "cold_start_s": round(measure_cold_start(pipeline), 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "confident_share": round(confident / count, 4),
        "confident_exact": round(confident_right / confident, 4) if confident else None,
        # Median milliseconds per stage (a stage a frame skips counts 0 for it).
        "stage_ms": {name: round(float(np.median(values)), 1) for name, values in stages.items() if values},
    }


def run_pipeline_in_subprocess(pipeline: str, folder: Path) -> dict[str, Any]:
    """Runs a pipeline in its own interpreter so its peak memory is its own."""
    completed = subprocess.run(
        [sys.executable, "-m", "alpr.bench.ocr", pipeline, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=_project_root(),
    )
    summary: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return summary


def benchmark(folder: Path, compare_baseline: bool = False, details: Path | None = None) -> dict[str, Any]:
    images = load_benchmark(folder)
    if details is None:
        summary = run_pipeline_in_subprocess("reader", folder)
    else:
        with details.open("w") as sink:

            def write_row(row: dict[str, Any]) -> None:
                sink.write(json.dumps(row) + "\n")

            summary = run_pipeline("reader", images, write_row)
    if compare_baseline:
        summary["baseline"] = run_pipeline_in_subprocess("baseline", folder)
    return summary


def benchmark_sets(folders: list[Path], compare_baseline: bool = False) -> dict[str, Any]:
    """``benchmark`` on several folders in one run, keyed by folder name."""
    return {"sets": {folder.name: benchmark(folder, compare_baseline=compare_baseline) for folder in folders}}


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else str(value)


def format_summary(summary: dict[str, Any]) -> str:
    if "sets" in summary:
        return "\n\n".join(f"== {name}\n{format_summary(one)}" for name, one in summary["sets"].items())
    rows = [("", "plate reader", "baseline (PP-OCRv4 full frame)" if "baseline" in summary else "")]
    labels = {
        "images": "images",
        "exact": "exact accuracy",
        "within1": "within one character",
        "detected": "detection rate",
        "median_ms": "median ms / frame (1 thread)",
        "p95_ms": "p95 ms / frame (1 thread)",
        "cold_start_s": "cold start s",
        "peak_rss_mb": "peak memory MB",
        "confident_share": f"share of reads with confidence >= {CONFIDENT}",
        "confident_exact": f"exact among reads >= {CONFIDENT}",
        "stage_ms": "median ms per stage",
    }
    baseline = summary.get("baseline", {})
    for key in SUMMARY_KEYS:
        rows.append((labels[key], _cell(summary[key]), _cell(baseline.get(key, ""))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)


def _main(argv: list[str]) -> int:
    pipeline, folder = argv
    if pipeline not in PIPELINES:
        raise SystemExit(f"unknown pipeline {pipeline!r}")
    print(json.dumps(run_pipeline(pipeline, load_benchmark(Path(folder)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
