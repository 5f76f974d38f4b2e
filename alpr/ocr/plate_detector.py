"""Licence-plate detector: platedet's YOLO, re-targeted to a small 16:9 input.

The bundled model (see training/export_plate_detector.py) takes 512x288 and is
int8-quantized: ~25 ms on one thread instead of ~180 ms for the original
640x640 fp16 graph, at the same detection rate on US photos. Frames much
narrower than 16:9 (portrait phone photos) are cut into overlapping landscape
tiles, so that plates are not shrunk by letterboxing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

_MASK_COEFFICIENTS = 32
_NMS_IOU = 0.45
_LETTERBOX_GREY = 114
# Frames up to this much narrower than the model input are letterboxed whole.
_MIN_ASPECT_FRACTION = 0.75
_TILE_OVERLAP = 0.2


@dataclass(frozen=True)
class PlateBox:
    x: float
    y: float
    w: float
    h: float
    score: float

    def as_int_tuple(self) -> tuple[int, int, int, int]:
        return round(self.x), round(self.y), round(self.w), round(self.h)


class YoloPlateDetector:
    """platedet's YOLO (``alpr.ocr.models.plate_detector_model``); a ``protocols.PlateDetector``."""

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        model_input = session.get_inputs()[0]
        self._input_name = model_input.name
        self._output_name = session.get_outputs()[0].name
        self._input_height, self._input_width = (int(d) for d in model_input.shape[-2:])
        self._input_dtype = np.float16 if "float16" in model_input.type else np.float32
        # Older graphs also carry segmentation coefficients after the class scores.
        self._has_mask_coefficients = int(session.get_outputs()[0].shape[1]) > 4 + _MASK_COEFFICIENTS

    def detect(self, image: np.ndarray, min_score: float = 0.1, max_plates: int = 5) -> list[PlateBox]:
        all_boxes: list[np.ndarray] = []
        all_scores: list[np.ndarray] = []
        for left, top, tile in self._tiles(image):
            boxes, scores = self._detect_tile(tile, min_score)
            boxes[:, 0] += left
            boxes[:, 1] += top
            all_boxes.append(boxes)
            all_scores.append(scores)
        boxes = np.concatenate(all_boxes)
        scores = np.concatenate(all_scores)
        if len(scores) == 0:
            return []
        chosen = np.array(cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), min_score, _NMS_IOU)).flatten()
        plates = [
            PlateBox(float(x), float(y), float(w), float(h), float(scores[i]))
            for i in chosen[:max_plates]
            for x, y, w, h in [boxes[i]]
        ]
        return [p for p in plates if p.w >= 4 and p.h >= 2]

    def _tiles(self, image: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
        h, w = image.shape[:2]
        model_aspect = self._input_width / self._input_height
        if w / h >= model_aspect * _MIN_ASPECT_FRACTION:
            yield 0, 0, image
            return
        tile_h = min(h, round(w / (model_aspect * _MIN_ASPECT_FRACTION)))
        step = max(1, int(tile_h * (1 - _TILE_OVERLAP)))
        count = max(1, math.ceil((h - tile_h) / step) + 1)
        for index in range(count):
            top = min(index * step, h - tile_h)
            yield 0, top, image[top : top + tile_h]

    def _detect_tile(self, tile: np.ndarray, min_score: float) -> tuple[np.ndarray, np.ndarray]:
        """Boxes (x, y, w, h in tile pixels) and scores above min_score."""
        blob, scale, pad_x, pad_y = self._letterbox(tile)
        prediction = self._session.run([self._output_name], {self._input_name: blob})[0][0]
        prediction = prediction.T.astype(np.float32)  # (anchors, 4 + classes [+ mask coefficients])
        class_scores = prediction[:, 4:-_MASK_COEFFICIENTS] if self._has_mask_coefficients else prediction[:, 4:]
        scores = class_scores.max(axis=1)
        keep = scores > min_score
        centres, scores = prediction[keep, :4], scores[keep]
        tile_h, tile_w = tile.shape[:2]
        x0 = np.clip((centres[:, 0] - centres[:, 2] / 2 - pad_x) / scale, 0, tile_w)
        y0 = np.clip((centres[:, 1] - centres[:, 3] / 2 - pad_y) / scale, 0, tile_h)
        x1 = np.clip((centres[:, 0] + centres[:, 2] / 2 - pad_x) / scale, 0, tile_w)
        y1 = np.clip((centres[:, 1] + centres[:, 3] / 2 - pad_y) / scale, 0, tile_h)
        return np.column_stack([x0, y0, x1 - x0, y1 - y0]), scores

    def _letterbox(self, image: np.ndarray) -> tuple[np.ndarray, float, float, float]:
        h, w = image.shape[:2]
        scale = min(self._input_height / h, self._input_width / w)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
        canvas = np.full((self._input_height, self._input_width, 3), _LETTERBOX_GREY, dtype=np.uint8)
        top, left = (self._input_height - new_h) // 2, (self._input_width - new_w) // 2
        canvas[top : top + new_h, left : left + new_w] = resized
        # The YOLO was trained on RGB images (platedet's CLI converts with PIL).
        rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
        blob = (rgb.transpose(2, 0, 1)[None].astype(np.float32) / 255.0).astype(self._input_dtype)
        return blob, scale, float(left), float(top)
