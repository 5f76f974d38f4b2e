"""The administrator's camera health panel in Debian's chromium (policy 418.3.1(c), issue 17): each camera's
state and its capture clock (which clock stamped its frames), as the agent's heartbeat reported them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alpr.local.stack import LocalStack
from tests.integration.page_browser import browser, check_view, log_in, open_page
from tests.integration.test_camera_health import beat

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # the module-scoped fixture, shared


def test_the_administrator_sees_each_cameras_capture_clock(stack: LocalStack, browser: Any, tmp_path: Path) -> None:
    answer = beat(stack, "demo-fixed-1", last_clock="box", frames_box_clock=12, clock_skew_s=31.0)
    assert answer.status_code == 200, answer.text
    page = open_page(browser, stack)
    log_in(page, stack, "admin")
    page.click("#tab-admin")
    row = page.wait_for_selector("#camera-health-table tbody tr:has-text('demo-fixed-1')")
    cells = row.inner_text().split("\t")
    assert "reporting" in cells
    assert "last frame: box; 12 frame(s) by the box's clock; box clock +31.0 s from the server's" in cells
    check_view(page, "camera-health", tmp_path / "screenshots")
