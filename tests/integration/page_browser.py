"""Driving the staff page in Debian's chromium (headless, through Playwright): the browser, signing in,
axe-core's accessibility check and a screenshot of each view."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alpr.local.stack import LocalStack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core from npm (package.json; `make test` installs it), run inside the page.
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Where the screenshots of each view go, to look at them (kept under the test's temporary folder otherwise).
SCREENSHOTS_ENV = "ALPR_SCREENSHOT_DIR"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium (.ci/run does)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


def open_page(browser: Any, stack: LocalStack, **options: Any) -> Any:
    assert stack.api is not None
    page = browser.new_page(viewport={"width": 1280, "height": 900}, **options)
    page.set_default_timeout(20_000)
    page.goto(f"{stack.api.url}/")
    return page


def log_in(page: Any, stack: LocalStack, username: str) -> None:
    """A returning member: password, then the authenticator app's code (tests/integration/test_login_page_browser.py
    walks a first login)."""
    from alpr.local.staff_accounts import authenticator_code

    page.fill("#username", username)
    page.fill("#password", stack.demo_staff[username])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#mfa-form:not([hidden])")
    page.fill("#mfa-code", authenticator_code(stack.demo_authenticators[username]))
    page.click("#mfa-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")


def log_out(page: Any) -> None:
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])")


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands (hidden views are not checked)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): `make test` installs it with npm ci")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def check_view(page: Any, name: str, folder: Path) -> None:
    """A screenshot of the view, then axe-core over it: no serious or critical violation, and no refusal on
    screen (a tab that asks for what its role may not have shows it in the notice)."""
    target = Path(os.environ.get(SCREENSHOTS_ENV) or folder)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    assert serious_violations(page) == [], name
    assert page.is_hidden("#notice"), (name, page.inner_text("#notice"))
