"""The local stack lists moto's backends once; the answers stay those moto gives."""

from __future__ import annotations

import moto.backends
import pytest

from alpr.local.moto_dispatch import cache_backend_list


def test_the_backend_list_is_read_once_and_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    original = moto.backends.list_of_moto_modules
    monkeypatch.setattr(moto.backends, "list_of_moto_modules", original)
    expected = list(original())
    calls = 0

    def counting() -> object:
        nonlocal calls
        calls += 1
        return iter(expected)

    monkeypatch.setattr(moto.backends, "list_of_moto_modules", counting)
    cache_backend_list()
    cache_backend_list()
    assert list(moto.backends.list_of_moto_modules()) == expected
    assert list(moto.backends.list_of_moto_modules()) == expected
    assert "dynamodb" in moto.backends.list_of_moto_modules()
    assert calls == 1
