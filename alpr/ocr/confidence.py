"""Maps raw reading quality to a calibrated probability of being exactly right."""

from __future__ import annotations

import math

# Logistic regression of "best plate read exactly right" on the reading quality
# (mean per-character log-probability + layout prior, see plate_region._quality)
# and the plate detector's score, fitted on the openalpr US dev photos. Fitted
# on odd-numbered files alone it stayed calibrated on the even ones: readings
# given >= 0.9 were right 90 % of the time, 0.8-0.9 were right 80 %.
_QUALITY_WEIGHT = 4.45
_DETECTOR_WEIGHT = 2.0
_BIAS = 0.63


def calibrated_confidence(quality: float, detector_score: float) -> float:
    logit = _QUALITY_WEIGHT * quality + _DETECTOR_WEIGHT * detector_score + _BIAS
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit)))), 4)
