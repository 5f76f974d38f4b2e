"""PP-OCRv4 text-line detector (DB) with a light post-processing.

Returns rotated rectangles so that slanted plates can be deskewed before
recognition.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

# DB post-processing, as in PaddleOCR's defaults.
_BINARY_THRESHOLD = 0.3
_BOX_SCORE_THRESHOLD = 0.5
_UNCLIP_RATIO = 1.6
_MIN_BOX_SIDE = 3.0
_MAX_CANDIDATES = 200


@dataclass(frozen=True)
class TextBox:
    """A detected text line as a rotated rectangle in input-image pixels."""

    corners: np.ndarray  # 4x2 float32, clockwise from top-left
    score: float

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.corners[1] - self.corners[0]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.corners[3] - self.corners[0]))

    @property
    def center(self) -> tuple[float, float]:
        cx, cy = self.corners.mean(axis=0)
        return float(cx), float(cy)

    def bounding_rect(self) -> tuple[int, int, int, int]:
        x0, y0 = np.floor(self.corners.min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.corners.max(axis=0)).astype(int)
        return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


class TextDetector:
    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input_name = session.get_inputs()[0].name

    def detect(self, image: np.ndarray, max_side: int = 640) -> list[TextBox]:
        """Finds text lines; the image is scaled so its longer side is <= max_side."""
        h, w = image.shape[:2]
        scale = min(1.0, max_side / max(h, w))
        # The network downsamples by 32: round the input up to a multiple of it.
        new_h = max(32, int(np.ceil(h * scale / 32) * 32))
        new_w = max(32, int(np.ceil(w * scale / 32) * 32))
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        blob = (resized.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        probability = self._session.run(None, {self._input_name: blob})[0][0, 0]
        boxes = _boxes_from_probability(probability)
        ratio = np.array([w / new_w, h / new_h], dtype=np.float32)
        return [TextBox(box.corners * ratio, box.score) for box in boxes]


def _boxes_from_probability(probability: np.ndarray) -> list[TextBox]:
    # Dilation joins characters that the net separates on small, blurry text.
    bitmap = cv2.dilate((probability > _BINARY_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[TextBox] = []
    for contour in contours[:_MAX_CANDIDATES]:
        if len(contour) < 4:
            continue
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < _MIN_BOX_SIDE:
            continue
        score = _mean_probability(probability, contour)
        if score < _BOX_SCORE_THRESHOLD:
            continue
        corners = _unclip(rect)
        if corners is None:
            continue
        boxes.append(TextBox(corners, score))
    return boxes


def _mean_probability(probability: np.ndarray, contour: np.ndarray) -> float:
    x, y, w, h = cv2.boundingRect(contour)
    mask = np.zeros((h, w), dtype=np.uint8)
    cv2.fillPoly(mask, [contour.reshape(-1, 2) - [x, y]], 1)
    return float(cv2.mean(probability[y : y + h, x : x + w], mask)[0])


def _unclip(rect: tuple) -> np.ndarray | None:
    """Grows the shrunk DB kernel back to the full text box (offset = A*r/L)."""
    (cx, cy), (rw, rh), angle = rect
    area, perimeter = rw * rh, 2 * (rw + rh)
    offset = area * _UNCLIP_RATIO / perimeter
    grown = ((cx, cy), (rw + 2 * offset, rh + 2 * offset), angle)
    if min(grown[1]) < _MIN_BOX_SIDE + 2:
        return None
    return order_corners(cv2.boxPoints(grown))


def order_corners(points: np.ndarray) -> np.ndarray:
    """Orders 4 points as top-left, top-right, bottom-right, bottom-left."""
    points = np.asarray(points, dtype=np.float32)
    by_x = points[np.argsort(points[:, 0])]
    left, right = by_x[:2], by_x[2:]
    top_left, bottom_left = left[np.argsort(left[:, 1])]
    top_right, bottom_right = right[np.argsort(right[:, 1])]
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float32)


def crop_text_line(image: np.ndarray, box: TextBox) -> np.ndarray:
    """Perspective-warps a rotated text box to an upright strip."""
    width = max(1, round(box.width))
    height = max(1, round(box.height))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(box.corners.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


# Two boxes are parts of one line (an emblem or a separator split the registration, as Missouri's FK4◆W3L)
# when their heights are within this ratio, they overlap vertically by this share of the lower one, and the
# gap between them is at most this many heights.
_MERGE_HEIGHT_RATIO = 0.7
_MERGE_VERTICAL_OVERLAP = 0.6
_MERGE_MAX_GAP = 1.2


def _same_line(a: TextBox, b: TextBox) -> bool:
    ax0, ay0, aw, ah = a.bounding_rect()
    bx0, by0, bw, bh = b.bounding_rect()
    if min(a.height, b.height) < _MERGE_HEIGHT_RATIO * max(a.height, b.height):
        return False
    overlap = min(ay0 + ah, by0 + bh) - max(ay0, by0)
    if overlap < _MERGE_VERTICAL_OVERLAP * min(ah, bh):
        return False
    gap = max(ax0, bx0) - min(ax0 + aw, bx0 + bw)
    return gap <= _MERGE_MAX_GAP * max(a.height, b.height)


def _joined(a: TextBox, b: TextBox) -> TextBox:
    points = np.concatenate([a.corners, b.corners]).astype(np.float32)
    return TextBox(order_corners(cv2.boxPoints(cv2.minAreaRect(points))), max(a.score, b.score))


def merge_line_boxes(boxes: list[TextBox]) -> list[TextBox]:
    """Joins text boxes that are pieces of one line (similar height, vertical overlap, small gap)."""
    merged = sorted(boxes, key=lambda box: box.bounding_rect()[0])
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                if _same_line(merged[i], merged[j]):
                    merged[i] = _joined(merged[i], merged[j])
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged
