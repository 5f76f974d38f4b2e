"""Rendered road scenes with foreign plates, for ``alpr bench ocr --sets`` (no real EU/BR/MX set is here).

Each set is a folder in the openalpr benchmark format (``NAME.jpg`` + ``NAME.txt`` holding
``NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE``). The plates come from the training renderer, but with
registration fonts that training never uses (Liberation Sans Bold, DejaVu Sans Bold: wider, unlike any of
the training fonts) and seeds far from the training seed, so the set checks reading, not memory. It is
still synthetic: it tells whether the US prior breaks foreign plates, not how the reader does on real ones.

    python -m training.bench_sets OUT_DIR [--count 60]   # writes OUT_DIR/eu-like, br-like, mx-like, ca-like
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from training.plate_renderer import degrade, render_plate

SETS = {"eu-like": "EU", "br-like": "BR", "mx-like": "MX", "ca-like": "CA"}
HELD_OUT_FONTS = ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf")
_SEED_BASE = 900_000
_FRAME = (720, 1280)


def road_scene(rng: np.random.Generator, plate: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 1280x720 frame: road-grey gradient, a car-coloured body, the plate on it; returns the plate box."""
    height, width = _FRAME
    top, bottom = rng.integers(60, 200, size=3), rng.integers(40, 120, size=3)
    ramp = np.linspace(0, 1, height)[:, None, None]
    frame = (top * (1 - ramp) + bottom * ramp).repeat(width, axis=1)
    frame = frame + rng.normal(0, 6, size=frame.shape)
    plate_w = int(rng.integers(110, 260))
    plate_h = max(12, round(plate_w * plate.shape[0] / plate.shape[1]))
    x = int(rng.integers(200, width - plate_w - 200))
    y = int(rng.integers(250, height - plate_h - 80))
    body = rng.integers(20, 230, size=3)
    frame[y - plate_h * 3 : y + plate_h * 3, x - plate_w : x + plate_w * 2] = body
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    frame[y : y + plate_h, x : x + plate_w] = cv2.resize(plate, (plate_w, plate_h), interpolation=cv2.INTER_AREA)
    return frame, (x, y, plate_w, plate_h)


def write_set(folder: Path, region: str, count: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        rng = np.random.default_rng([seed, index])
        plate = render_plate(rng, region=region, registration_fonts=HELD_OUT_FONTS)
        image = plate.image
        # Mild damage only (perspective, blur, noise) at a size the detector sees; the scene adds the rest.
        image = degrade(rng, image, min_height=max(40, image.shape[0] // 2), max_height=image.shape[0])
        frame, (x, y, w, h) = road_scene(rng, image)
        name = f"{region.lower()}{index:03d}"
        cv2.imwrite(str(folder / f"{name}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
        (folder / f"{name}.txt").write_text(f"{name}.jpg\t{x}\t{y}\t{w}\t{h}\t{plate.text}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args(argv)
    for offset, (name, region) in enumerate(SETS.items()):
        write_set(args.out / name, region, args.count, _SEED_BASE + offset)
        print(f"wrote {args.count} frames to {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
