"""What the plate reader asks of its models, as small protocols (the shape of fast-alpr's ``BaseDetector`` and
``BaseOCR``).

``PlateReader`` (``alpr.ocr.reader``) is composed of a ``PlateDetector``, a ``LineDetector`` and the
``Recognizers``; it never names a model. Which concrete classes and weights it gets by default is decided in
one place, ``alpr.ocr.models.DefaultModels``: a new model is a new class that satisfies one of these protocols
and a line there.

Only typing is imported at run time: the concrete models (and OpenCV / ONNX Runtime) stay where they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from alpr.domain.reading import SeenPlate
    from alpr.ocr.plate_detector import PlateBox
    from alpr.ocr.recognizer import RecognizedLine
    from alpr.ocr.text_detector import TextBox


class PlateDetector(Protocol):
    """Finds licence plates in a BGR frame: boxes in frame pixels with the detector's score, best first."""

    def detect(self, image: np.ndarray, /, *, max_plates: int) -> list[PlateBox]: ...


class LineDetector(Protocol):
    """Finds text lines in a BGR image (a plate region, or a whole frame where no plate was found): rotated
    boxes in the image's pixels. The image is scaled so that its longer side is at most ``max_side``."""

    def detect(self, image: np.ndarray, /, *, max_side: int) -> list[TextBox]: ...


class LineRecognizer(Protocol):
    """Reads BGR crops (a whole plate box or one text line each), in one batch: one reading per crop, each
    with the per-character distributions over A-Z0-9 that the plate formats and the vote choose from."""

    def recognize(self, lines: list[np.ndarray], /) -> list[RecognizedLine]: ...


@dataclass(frozen=True)
class Recognizers:
    """The reader's recognizers, by role. ``plate`` reads the whole plate box, with no line detector. Where it
    is unsure, the lines that the ``LineDetector`` finds in the plate are read by ``lines`` and, if there is
    one, by ``second_opinion`` (a model that errs on other characters), and all the readings vote. ``lines``
    also reads the frames in which the ``PlateDetector`` found no plate."""

    plate: LineRecognizer
    lines: LineRecognizer
    second_opinion: LineRecognizer | None = None


class Reader(Protocol):
    """What the platform asks of a plate reader (``PlateReader``, or a stand-in): the plates in a BGR frame,
    most confident first."""

    def read(self, image: np.ndarray, /) -> Sequence[SeenPlate]: ...
