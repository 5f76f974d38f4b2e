"""Exports a fine-tuned checkpoint to the ONNX model the reader ships, after checking ONNX Runtime agrees.

The exported graph takes (N, 3, 48, 192) in [-1, 1] and gives (N, 24, 37) probabilities (softmax over the
CTC blank + A-Z0-9), the interface ``alpr.ocr.plate_recognizer.PlateRecognizer`` reads. It is written
xz-compressed next to the plate detector (``alpr/ocr/models``), as the repository keeps its model files.

    python -m training.export training/runs/main/best.pt
"""

from __future__ import annotations

import argparse
import io
import lzma
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from alpr.ocr.models import BUNDLED_PLATE_RECOGNIZER
from alpr.ocr.plate_recognizer import INPUT_HEIGHT, INPUT_WIDTH
from training.convert import pretrained_module

# Largest difference in probability allowed between PyTorch and ONNX Runtime on the same input.
PARITY_TOLERANCE = 1e-4


class ParityError(AssertionError):
    """ONNX Runtime does not compute what PyTorch computes."""


class _WithSoftmax(torch.nn.Module):
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(images), dim=-1)


def load_checkpoint(path: Path) -> torch.nn.Module:
    model = pretrained_module()
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state.get("model", state))
    return _WithSoftmax(model).eval()


def to_onnx(model: torch.nn.Module) -> bytes:
    buffer = io.BytesIO()
    example = torch.zeros(1, 3, INPUT_HEIGHT, INPUT_WIDTH)
    torch.onnx.export(
        model,
        (example,),
        buffer,  # type: ignore[arg-type]  # torch.onnx.export also writes to a file-like object
        input_names=["x"],
        output_names=["probabilities"],
        dynamic_axes={"x": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    return buffer.getvalue()


def check_parity(model: torch.nn.Module, onnx_bytes: bytes, samples: np.ndarray | None = None) -> float:
    """Max |PyTorch - ONNX Runtime| over ``samples`` (random inputs by default); raises ParityError above
    the tolerance."""
    if samples is None:
        samples = np.random.default_rng(0).uniform(-1, 1, (8, 3, INPUT_HEIGHT, INPUT_WIDTH)).astype(np.float32)
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    actual = session.run(None, {session.get_inputs()[0].name: samples})[0]
    with torch.no_grad():
        expected = model(torch.from_numpy(samples)).numpy()
    difference = float(np.abs(actual - expected).max())
    if not difference <= PARITY_TOLERANCE:
        raise ParityError(f"ONNX Runtime differs from PyTorch by {difference:.2e} (> {PARITY_TOLERANCE:.0e})")
    return difference


def export(checkpoint: Path, output: Path = BUNDLED_PLATE_RECOGNIZER, samples: np.ndarray | None = None) -> float:
    """Writes ``output`` (.onnx.xz) from ``checkpoint``; returns the parity difference."""
    model = load_checkpoint(checkpoint)
    onnx_bytes = to_onnx(model)
    difference = check_parity(model, onnx_bytes, samples)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(lzma.compress(onnx_bytes, preset=9 | lzma.PRESET_EXTREME))
    return difference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--output", type=Path, default=BUNDLED_PLATE_RECOGNIZER)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    difference = export(args.checkpoint, args.output)
    size_mb = args.output.stat().st_size / 1e6
    print(f"wrote {args.output} ({size_mb:.1f} MB); ONNX Runtime vs PyTorch max difference {difference:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
