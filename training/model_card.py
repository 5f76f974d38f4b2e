"""Writes the model card that ships beside the plate recognizer (``alpr/ocr/models/plate_recognizer.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alpr.ocr.models import BUNDLED_PLATE_RECOGNIZER
from training.finetune import DEGRADED_VIEWS
from training.real_crops import VALIDATION_SHARE

DEFAULT_CARD = BUNDLED_PLATE_RECOGNIZER.with_name("plate_recognizer.md")


def write_model_card(run: Path, card: Path = DEFAULT_CARD, parity: float | None = None, size_bytes: int = 0) -> None:
    history: dict[str, Any] = json.loads((run / "history.json").read_text())
    config = history["config"]
    best = history["best"] or {}
    start = history["validation"][0] if history["validation"] else {}
    steps = history["validation"][-1]["step"] if history["validation"] else 0
    curve = "\n".join(
        f"| {v['step']} | {v.get('loss', '')} | {v['exact']} | {v['within1']} | {v.get('degraded_exact', '')} |"
        for v in history["validation"]
    )
    parity_line = f"{parity:.1e}" if parity is not None else "not checked"
    command = f"--steps {config.get('steps')} --val-every {config.get('val_every')}"
    if config.get("stop_after"):
        command += f" --stop-after {config['stop_after']}"
    card.write_text(
        f"""# Plate recognizer (`plate_recognizer.onnx.xz`)

Made by `make train` (training/): PP-OCRv4's text recognizer (`ch_PP-OCRv4_rec_infer.onnx` from the
rapidocr-onnxruntime 1.4.4 wheel, Apache-2.0) converted to PyTorch, its output head cut to 37 classes
(CTC blank + A-Z0-9), fine-tuned on one CPU thread, exported back to ONNX.

- Input: a whole plate crop (the plate detector's box plus 4 % a side), squashed to 48x192, BGR scaled to
  [-1, 1]. Output: (N, 24, 37) probabilities, greedy CTC.
- Size: {size_bytes / 1e6:.1f} MB xz-compressed. ONNX Runtime vs PyTorch, max difference: {parity_line}.

## Data
- Real: the openalpr US plate crops (`openalpr/benchmarks` `seg_and_ocr/usimages`, labels from
  `seg_and_ocr/groundtruth.csv`), **GNU AGPL-3.0**; every plate that appears in the end-to-end benchmark
  photos was removed from them beforehand. {round(100 * VALIDATION_SHARE)} % of them (chosen by a hash of the file
  name) are held out for validation and never trained on. Augmented: detector-like margins, perspective,
  rotation, 12-60 px height, blur, motion blur, JPEG, noise.
- Synthetic: training/plate_renderer.py, deterministic from the seed ({config.get("seed")}): US formats by
  state and vanity plates, separators and emblems, stacked characters, state names, slogans, stickers and
  dealer frames, embossing, fonts from Debian (Liberation Sans Narrow, DejaVu Sans Condensed, Nimbus Sans
  Narrow, Bebas Neue, OSP-DIN); 34 % European, Mexican, Canadian and Brazilian formats; the look-alikes the
  previous reader confused oversampled. Share of synthetic samples per batch: {config.get("synthetic_share")}.
- Never: the benchmark photos (`openalpr-us-dev` and the photos kept aside).

## Training
{steps} steps of batch {config.get("batch")}, AdamW lr {config.get("lr")} (warm-up {config.get("warmup")},
cosine to {config.get("steps")} steps), BatchNorm statistics frozen, gradient norm clipped at 5, one torch
thread under `nice` on a shared 2-core machine.

Made with `python -m training.pipeline {command}` (what `make train` runs); every sample is drawn
from a generator seeded by (seed, step, position), so the same command makes the same data stream.

## Validation (held-out real crops, greedy CTC; letter O read as 0)
"Damaged" reads {DEGRADED_VIEWS} views of each held-out crop as a road photo gives them (detector margins,
perspective, 12-60 px height, blur, JPEG, noise; the same views every run). The kept checkpoint is the one
with the best clean exact rate, ties broken by the damaged one (`finetune.selection_score`).
Before fine-tuning: {start.get("exact")} exact, {start.get("within1")} within one character,
{start.get("degraded_exact")} damaged exact.
Kept checkpoint (step {best.get("step")}): **{best.get("exact")} exact**, {best.get("within1")} within one
character, **{best.get("degraded_exact")} damaged exact**, on {best.get("count")} crops.

| step | loss | exact | within 1 | damaged exact |
|---|---|---|---|---|
{curve}

End-to-end figures on photos (plate detector + this model + formats) come from `alpr bench ocr`.

## Licence
The weights derive from PP-OCRv4 (Apache-2.0) and were trained on AGPL-3.0 data: record this provenance
wherever the weights are redistributed.
"""
    )
