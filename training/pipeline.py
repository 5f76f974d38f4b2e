"""``make train``: fine-tune, export with the parity check, write the model card, in one command.

    python -m training.pipeline --out training/runs/main --steps 700 --stop-after 238 [--resume]

The run is resumable (``--resume`` continues from ``last.pt``); the model shipped in alpr/ocr/models is
made from its best checkpoint by the export step.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from alpr.ocr.models import BUNDLED_PLATE_RECOGNIZER
from training.export import export
from training.finetune import TrainingConfig, train
from training.model_card import DEFAULT_CARD, write_model_card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("training/runs/main"))
    parser.add_argument("--steps", type=int, default=700)
    parser.add_argument("--minutes", type=float, default=110.0, help="stop after this long, wherever it is")
    parser.add_argument("--stop-after", type=int, default=238, help="stop at this step; the schedule follows --steps")
    parser.add_argument("--val-every", type=int, default=50)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--output", type=Path, default=BUNDLED_PLATE_RECOGNIZER)
    parser.add_argument("--card", type=Path, default=DEFAULT_CARD)
    args = parser.parse_args(argv)
    config = TrainingConfig(
        out=args.out, steps=args.steps, minutes=args.minutes, stop_after=args.stop_after, val_every=args.val_every
    )
    train(config, resume=args.resume)
    torch.set_num_threads(1)
    parity = export(args.out / "best.pt", args.output)
    write_model_card(args.out, args.card, parity=parity, size_bytes=args.output.stat().st_size)
    print(f"wrote {args.output} and {args.card}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
