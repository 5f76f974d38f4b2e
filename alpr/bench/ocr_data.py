"""Reading the openalpr benchmark folder format and scoring plate reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alpr.ocr.plate_format import latin_alphanumerics

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    plate: str  # uppercase A-Z0-9
    box: tuple[int, int, int, int]


class BenchmarkFormatError(ValueError):
    pass


def load_benchmark(folder: Path) -> list[LabelledImage]:
    """``NAME.jpg`` + ``NAME.txt`` holding ``NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE``."""
    if not folder.is_dir():
        raise BenchmarkFormatError(f"not a folder: {folder}")
    images: list[LabelledImage] = []
    for label_file in sorted(folder.glob("*.txt")):
        first_line = next((line for line in label_file.read_text(errors="replace").splitlines() if line.strip()), "")
        fields = first_line.split("\t")
        if len(fields) < 6:
            fields = first_line.split()
        if len(fields) < 6:
            raise BenchmarkFormatError(f"{label_file}: expected 'NAME\\tx\\ty\\tw\\th\\tPLATE'")
        image_path = folder / fields[0]
        if not image_path.exists():
            image_path = next(
                (label_file.with_suffix(s) for s in IMAGE_SUFFIXES if label_file.with_suffix(s).exists()),
                image_path,
            )
        try:
            x, y, w, h = (int(float(v)) for v in fields[1:5])
        except ValueError as error:
            raise BenchmarkFormatError(f"{label_file}: bad box {fields[1:5]}") from error
        images.append(LabelledImage(image_path, latin_alphanumerics(fields[5]), (x, y, w, h)))
    if not images:
        raise BenchmarkFormatError(f"no NAME.txt label files in {folder}")
    return images


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def box_matches(predicted: tuple[int, int, int, int], truth: tuple[int, int, int, int]) -> bool:
    """IoU > 0.3, or the centre of either box inside the other."""
    px, py, pw, ph = predicted
    tx, ty, tw, th = truth
    inter_w = max(0, min(px + pw, tx + tw) - max(px, tx))
    inter_h = max(0, min(py + ph, ty + th) - max(py, ty))
    intersection = inter_w * inter_h
    union = pw * ph + tw * th - intersection
    if union > 0 and intersection / union > 0.3:
        return True

    def centre_inside(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
        cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
        return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]

    return centre_inside(predicted, truth) or centre_inside(truth, predicted)
