"""Shared fixtures: one embedded AWS (moto server) per test session, reset before each test that uses it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ALPR")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "alpr-tests")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from alpr.clock import FixedClock
from alpr.local.stack import LocalConfig, LocalStack, free_port

# A fixed "now" for the whole suite; tests move it instead of sleeping.
SUITE_NOW = datetime(2026, 11, 2, 18, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def _session_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    config = LocalConfig(
        moto_port=free_port(),
        api_port=free_port(),
        prefix="alpr-test",
        state_dir=tmp_path_factory.mktemp("alpr-local"),
        visibility_timeout_s=0,
    )
    stack = LocalStack(config, clock=FixedClock(SUITE_NOW)).start(run_pumps=False)
    yield stack
    stack.stop()


@pytest.fixture
def stack(_session_stack: LocalStack) -> LocalStack:
    """A freshly reset local stack whose events are delivered only when the test calls ``stack.drain()``."""
    assert isinstance(_session_stack.clock, FixedClock)
    _session_stack.clock.set(SUITE_NOW)
    _session_stack.reset()
    return _session_stack


@pytest.fixture
def clock(stack: LocalStack) -> FixedClock:
    assert isinstance(stack.clock, FixedClock)
    return stack.clock


@pytest.fixture(scope="session")
def demo_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from alpr.local.demo import write_demo_photo

    return write_demo_photo(tmp_path_factory.mktemp("photos") / "car.jpg")
