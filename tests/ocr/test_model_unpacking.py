"""The bundled models are kept xz-packed in git and unpacked once (the OCR image's build, `make install`): the
reader opens an unpacked graph only when it was unpacked from exactly the packed bytes it sits beside."""

from __future__ import annotations

import lzma
from pathlib import Path

import pytest

from alpr.ocr import models


@pytest.fixture
def packed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(models, "UNPACKED_DIR", tmp_path / ".unpacked")
    path = tmp_path / "plate_model.onnx.xz"
    path.write_bytes(lzma.compress(b"graph, first training"))
    return path


def test_a_model_never_unpacked_is_decompressed_when_loaded(packed: Path) -> None:
    assert models.bundled_model(packed) == b"graph, first training"


def test_an_unpacked_model_is_opened_from_its_file(packed: Path) -> None:
    [written] = models.unpack((packed,))
    loaded = models.bundled_model(packed)
    assert loaded == written and isinstance(loaded, Path) and loaded.read_bytes() == b"graph, first training"
    assert models.unpack((packed,)) == [written], "a second unpack finds it done"


def test_a_model_retrained_after_unpacking_is_never_read_stale(packed: Path) -> None:
    [old] = models.unpack((packed,))
    packed.write_bytes(lzma.compress(b"graph, retrained"))
    assert models.bundled_model(packed) == b"graph, retrained"
    [new] = models.unpack((packed,))
    assert not old.exists() and new.read_bytes() == b"graph, retrained"
    assert models.bundled_model(packed) == new


def test_the_shipped_models_load_the_same_unpacked_or_not() -> None:
    for packed in (models.BUNDLED_PLATE_DETECTOR, models.BUNDLED_PLATE_RECOGNIZER):
        loaded = models.bundled_model(packed)
        graph = loaded.read_bytes() if isinstance(loaded, Path) else loaded
        assert graph == lzma.decompress(packed.read_bytes())
