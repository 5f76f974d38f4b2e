"""The real US plate crops (``/work/shared/datasets/openalpr-us-plate-crops``): loading, split and augmentation.

``labels.csv`` holds ``image,state,plate``. The validation part is chosen by a hash of the file name, so it is
the same on every machine and every run, whatever the order of the files. None of these plates is in the
benchmark photos (the data set's README), so a model trained on them can be measured on those.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from alpr.ocr.plate_format import latin_alphanumerics
from training.plate_renderer import degrade

# The shared datasets lie beside the repository (../shared), wherever it is cloned; never copied into it.
DEFAULT_CROPS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "openalpr-us-plate-crops"
VALIDATION_SHARE = 0.15


@dataclass(frozen=True)
class RealCrop:
    path: Path
    state: str  # two-letter postal code, lower case
    plate: str  # A-Z0-9

    def image(self) -> np.ndarray:
        image = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"unreadable crop {self.path}")
        return image


def is_validation(name: str, share: float = VALIDATION_SHARE) -> bool:
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def load_crops(folder: Path = DEFAULT_CROPS_DIR) -> tuple[list[RealCrop], list[RealCrop]]:
    """(training crops, validation crops)."""
    train: list[RealCrop] = []
    validation: list[RealCrop] = []
    with (folder / "labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            plate = latin_alphanumerics(row["plate"])
            if not plate:
                continue
            crop = RealCrop(folder / row["image"], row["state"].lower(), plate)
            (validation if is_validation(row["image"]) else train).append(crop)
    return train, validation


def augment(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """A real crop as a detector box would give it (loose or tight margins), then camera damage."""
    h, w = image.shape[:2]
    # Crops are tight plate boxes: grow or shrink each side by up to a few percent, as detector boxes do.
    pad = rng.uniform(-0.04, 0.12, size=4) * np.array([w, h, w, h])
    left, top, right, bottom = (round(float(p)) for p in pad)
    border = max(0, left, top, right, bottom)
    padded = cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_REPLICATE)
    y0, y1 = border - top, border + h + bottom
    x0, x1 = border - left, border + w + right
    cropped = padded[max(0, y0) : y1, max(0, x0) : x1]
    if rng.random() < 0.15:
        return cropped  # some clean views too
    return degrade(rng, cropped, min_height=12, max_height=60)
