from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Lets the tests import the synthetic-image helpers next to them.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def reader():
    from alpr.ocr.reader import PlateReader

    return PlateReader(threads=1)
