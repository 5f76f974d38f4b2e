"""ONNX Runtime sessions for the models that ship inside PyPI wheels.

Weights are never downloaded at run time: they are located inside the installed
``rapidocr`` (PP-OCRv6), ``rapidocr_onnxruntime`` (PP-OCRv4) and ``platedet`` packages
(found via importlib so the packages themselves, and their heavy imports, are not loaded:
importing ``rapidocr`` may download models).

``DefaultModels`` is the one place that picks the reader's models: which class reads which weights.
"""

from __future__ import annotations

import hashlib
import importlib.util
import lzma
import os
from pathlib import Path

import cv2
import onnxruntime as ort

from alpr.ocr.plate_detector import YoloPlateDetector
from alpr.ocr.plate_recognizer import PlateRecognizer
from alpr.ocr.protocols import LineDetector, PlateDetector, Recognizers
from alpr.ocr.recognizer import TextRecognizer
from alpr.ocr.text_detector import TextDetector


class ModelNotFoundError(RuntimeError):
    """A wheel that carries model weights is not installed."""


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(f"package {package!r} is not installed; it carries the model weights")
    return Path(next(iter(spec.submodule_search_locations)))


def text_detector_path() -> Path:
    return _package_dir("rapidocr_onnxruntime") / "models" / "ch_PP-OCRv4_det_infer.onnx"


def text_recognizer_path() -> Path:
    """PP-OCRv6's small recognizer: on the dev photos it reads 88 % of plates exactly where v4 reads 84 %."""
    return _package_dir("rapidocr") / "models" / "PP-OCRv6_rec_small.onnx"


def second_opinion_recognizer_path() -> Path:
    """PP-OCRv4's recognizer: it errs on different characters than v6, so it votes on uncertain plates."""
    return _package_dir("rapidocr_onnxruntime") / "models" / "ch_PP-OCRv4_rec_infer.onnx"


BUNDLED_PLATE_DETECTOR = Path(__file__).resolve().parent / "models" / "plate_detector_int8.onnx.xz"
# Made by training/ (``make train``): PP-OCRv4's recognizer fine-tuned on plates; model card beside it.
BUNDLED_PLATE_RECOGNIZER = Path(__file__).resolve().parent / "models" / "plate_recognizer.onnx.xz"


def plate_detector_path() -> Path:
    """platedet's original 640x640 YOLO, as shipped in its wheel."""
    return _package_dir("platedet") / "artifacts" / "platedet.onnx"


def plate_detector_model() -> Path | bytes:
    """The fast re-targeted detector bundled with this package, else platedet's original."""
    if BUNDLED_PLATE_DETECTOR.exists():
        return bundled_model(BUNDLED_PLATE_DETECTOR)
    return plate_detector_path()


def plate_recognizer_model() -> Path | bytes:
    if not BUNDLED_PLATE_RECOGNIZER.exists():
        raise ModelNotFoundError(f"{BUNDLED_PLATE_RECOGNIZER} is missing: `make train` builds it")
    return bundled_model(BUNDLED_PLATE_RECOGNIZER)


# Where ``unpack`` leaves the bundled models' graphs (git ignores it; the OCR image and `make install` fill it).
UNPACKED_DIR = Path(__file__).resolve().parent / "models" / ".unpacked"


def unpacked_path(packed: Path, packed_bytes: bytes) -> Path:
    """Named by the packed file's digest: a model retrained since it was unpacked is never read stale."""
    digest = hashlib.sha256(packed_bytes).hexdigest()[:16]
    return UNPACKED_DIR / f"{packed.name.removesuffix('.xz')}.{digest}"


def bundled_model(packed: Path) -> Path | bytes:
    """A bundled model's graph: its unpacked copy where there is one, else decompressed now. xz keeps the
    repository small, but decompressing the two bundled models took 1.1 s of a 1.3-1.8 s cold start; the OCR
    image unpacks them when it is built (functions/ocr/Dockerfile), so a container only opens them."""
    packed_bytes = packed.read_bytes()
    unpacked = unpacked_path(packed, packed_bytes)
    return unpacked if unpacked.exists() else lzma.decompress(packed_bytes)


def unpack(packed_models: tuple[Path, ...] = (BUNDLED_PLATE_DETECTOR, BUNDLED_PLATE_RECOGNIZER)) -> list[Path]:
    """Writes each bundled model's graph under ``UNPACKED_DIR`` (once per packed version; older copies go)."""
    written = []
    UNPACKED_DIR.mkdir(parents=True, exist_ok=True)
    for packed in (p for p in packed_models if p.exists()):
        packed_bytes = packed.read_bytes()
        target = unpacked_path(packed, packed_bytes)
        for stale in UNPACKED_DIR.glob(f"{packed.name.removesuffix('.xz')}.*"):
            if stale != target:
                stale.unlink()
        if not target.exists():
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(lzma.decompress(packed_bytes))
            partial.replace(target)
        written.append(target)
    return written


def resolve_threads(threads: int | None) -> int:
    if threads is None:
        return max(1, os.cpu_count() or 1)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    return threads


def create_session(model: Path | bytes, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    # Our graphs are sequential; parallel executors only add scheduling overhead.
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Without the arena each session frees what a frame needed; with it, every one of the five sessions kept
    # its largest frame's memory for good (peak 573 MB over the US dev photos; 413 MB without, same reads).
    options.enable_cpu_mem_arena = False
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


class DefaultModels:
    """Today's models for ``alpr.ocr.reader.PlateReader``, each loaded when asked for, on ``threads`` ONNX
    Runtime threads. A new model is a class satisfying a protocol of ``alpr.ocr.protocols`` and a line here."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = resolve_threads(threads)
        # OpenCV's pool is process-wide; match it to the budget we were given.
        cv2.setNumThreads(self.threads)

    def plate_detector(self) -> PlateDetector:
        return YoloPlateDetector(self._session(plate_detector_model()))

    def recognizers(self) -> Recognizers:
        return Recognizers(
            plate=PlateRecognizer(self._session(plate_recognizer_model())),
            lines=TextRecognizer(self._session(text_recognizer_path())),
            second_opinion=TextRecognizer(self._session(second_opinion_recognizer_path())),
        )

    def line_detector(self) -> LineDetector:
        return TextDetector(self._session(text_detector_path()))

    def _session(self, model: Path | bytes) -> ort.InferenceSession:
        return create_session(model, self.threads)
