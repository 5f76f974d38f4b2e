"""Builds the fast plate detector shipped in alpr/ocr/models/ from platedet's YOLO.

platedet 0.0.2 ships a YOLOv8-seg ONNX (fp16, fixed 640x640 input). On one CPU
thread it takes ~180 ms per frame, too slow for the 100 ms budget. This script:

1. re-targets the graph to a 16:9 input (512x288 by default): the convolutions
   are size-agnostic, only the head's anchor grid, stride table and two DFL
   reshape constants encode 640x640, so they are recomputed;
2. drops the segmentation prototype branch (``output1``), never used here;
3. converts fp16 to fp32 and quantizes it statically to int8 (QDQ), keeping the
   head's box decoding in float so coordinates and scores keep their precision;
4. writes it xz-compressed (the repository keeps model files under 10 MB).

Needs the ``onnx`` package at build time only (``pip install onnx``); the
reader itself only needs onnxruntime. Calibration uses a folder of ordinary
road-scene photos (activation ranges only, no labels).

    python training/export_plate_detector.py CALIBRATION_DIR [--width 512 --height 288]
"""

from __future__ import annotations

import argparse
import lzma
import tempfile
from pathlib import Path

import cv2
import numpy as np
import onnx
from onnx import TensorProto
from onnx import numpy_helper as nh
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)

from alpr.ocr.models import plate_detector_path

OUTPUT = Path(__file__).resolve().parents[1] / "alpr" / "ocr" / "models" / "plate_detector_int8.onnx.xz"
_HEAD = "/model.22/"
_STRIDES = (8, 16, 32)


def retarget(model: onnx.ModelProto, width: int, height: int) -> onnx.ModelProto:
    graph = model.graph
    del graph.value_info[:]
    for initializer in graph.initializer:
        if initializer.data_type == TensorProto.FLOAT16:
            initializer.CopyFrom(nh.from_array(nh.to_array(initializer).astype(np.float32), initializer.name))
    for node in graph.node:
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT16:
                attribute.i = TensorProto.FLOAT
    for value in list(graph.input) + list(graph.output):
        value.type.tensor_type.elem_type = TensorProto.FLOAT
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value, dims[3].dim_value = height, width
    for output in graph.output:
        for dim in output.type.tensor_type.shape.dim:
            dim.ClearField("dim_value")
            dim.dim_param = "n"

    anchors, strides = [], []
    for stride in _STRIDES:
        rows, cols = height // stride, width // stride
        grid_y, grid_x = np.meshgrid(np.arange(rows) + 0.5, np.arange(cols) + 0.5, indexing="ij")
        anchors.append(np.stack([grid_x.ravel(), grid_y.ravel()]))
        strides.append(np.full(rows * cols, stride))
    replacements = {
        f"{_HEAD}dfl/Constant_output_0": np.array([1, 4, 16, -1], dtype=np.int64),
        f"{_HEAD}dfl/Constant_1_output_0": np.array([1, 4, -1], dtype=np.int64),
        f"{_HEAD}Constant_12_output_0": np.concatenate(anchors, axis=1)[None].astype(np.float32),
        f"{_HEAD}Constant_15_output_0": np.concatenate(strides)[None].astype(np.float32),
    }
    for initializer in graph.initializer:
        if initializer.name in replacements:
            initializer.CopyFrom(nh.from_array(replacements[initializer.name], initializer.name))
    return model


def drop_mask_prototypes(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    outputs = [o for o in graph.output if o.name == "output0"]
    del graph.output[:]
    graph.output.extend(outputs)
    needed = {"output0"}
    kept = []
    for node in reversed(list(graph.node)):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    initializers = [i for i in graph.initializer if i.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    return model


class _Calibration(CalibrationDataReader):
    def __init__(self, folder: Path, width: int, height: int, count: int) -> None:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:count]
        self._batches = iter([{"images": _letterbox(cv2.imread(str(f)), width, height)} for f in files])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)


def _letterbox(image: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = min(height / h, width / w)
    new_w, new_h = round(w * scale), round(h * scale)
    canvas = np.full((height, width, 3), 114, dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)[None].astype(np.float32) / 255.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calibration_dir", type=Path)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=288)
    parser.add_argument("--calibration-images", type=int, default=32)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    model = drop_mask_prototypes(retarget(onnx.load(str(plate_detector_path())), args.width, args.height))
    with tempfile.TemporaryDirectory() as work:
        float_path, int8_path = Path(work) / "float.onnx", Path(work) / "int8.onnx"
        onnx.save(model, str(float_path))
        # Box decoding mixes pixel coordinates and 0..1 scores in one tensor:
        # one int8 scale cannot hold both, so the head's post-processing stays float.
        head_postprocessing = [
            n.name for n in model.graph.node if n.name.startswith(_HEAD) and (n.op_type != "Conv" or "dfl" in n.name)
        ]
        quantize_static(
            str(float_path),
            str(int8_path),
            _Calibration(args.calibration_dir, args.width, args.height, args.calibration_images),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=head_postprocessing,
        )
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(lzma.compress(int8_path.read_bytes(), preset=9 | lzma.PRESET_EXTREME))
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
