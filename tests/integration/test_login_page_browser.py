"""A member's first login and a later one on the staff page, in Debian's chromium driven by Playwright.

First login: the temporary password → a new password (the pool's policy is shown; two different entries
and a weak password are refused) → the authenticator step shows a QR code and the same key as text (the QR
code, read back from the screen with OpenCV, holds the otpauth:// URI with that key) → the code pyotp
computes → signed in. Later login: the new password → the app's code (a wrong one is refused) → signed in.
A screenshot of each step goes to ALPR_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import cv2
import numpy as np
import pytest

from alpr.local.demo import FIRST_LOGIN_MEMBER
from alpr.local.stack import LocalStack
from alpr.local.staff_accounts import authenticator_code
from alpr.schema import USER_POOL
from tests.integration.test_search_page_browser import browser  # noqa: F401  (the shared chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "Recruit#Browser-2026-pw"


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("ALPR_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _qr_text(page: Any) -> str:
    png = page.locator("#mfa-qr").screenshot()
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(
        cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    )
    return str(text)


def test_first_login_then_a_returning_login(stack: LocalStack, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    assert stack.api is not None
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.set_default_timeout(20_000)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{stack.api.url}/")

    page.fill("#username", FIRST_LOGIN_MEMBER)
    page.fill("#password", stack.demo_staff[FIRST_LOGIN_MEMBER])
    _shot(page, tmp_path, "login-1-temporary-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#new-password-form:not([hidden])")
    assert page.is_hidden("#login-form")
    assert f"at least {USER_POOL.min_password_length} characters" in page.inner_text("#password-rules")

    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD + "x")
    page.click("#new-password-form button[type=submit]")
    assert "differ" in page.inner_text("#login-error")
    page.fill("#new-password", "tooShort#1")
    page.fill("#new-password-again", "tooShort#1")
    page.click("#new-password-form button[type=submit]")
    page.wait_for_function("document.getElementById('login-error').innerText.includes('was refused')")
    assert page.is_visible("#new-password-form")
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD)
    _shot(page, tmp_path, "login-2-new-password")
    page.click("#new-password-form button[type=submit]")

    page.wait_for_selector("#mfa-setup-form:not([hidden])")
    page.wait_for_function("document.getElementById('mfa-qr').naturalWidth > 0")
    secret = page.inner_text("#mfa-secret").replace(" ", "")
    assert len(secret) >= 12
    uri = urlparse(_qr_text(page))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [secret]
    assert parse_qs(uri.query)["issuer"] == [USER_POOL.authenticator_issuer]
    _shot(page, tmp_path, "login-3-authenticator-setup")
    page.fill("#mfa-setup-code", authenticator_code(secret))
    page.click("#mfa-setup-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    assert "Jamie Cruz" in page.inner_text("#who-name")
    _shot(page, tmp_path, "login-4-signed-in")
    assert page.inner_text("#mfa-secret") == "", "the secret is dropped from the page once set up"
    page.click("#logout")

    page.wait_for_selector("#login-form:not([hidden])")
    page.fill("#username", FIRST_LOGIN_MEMBER)
    page.fill("#password", NEW_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#mfa-form:not([hidden])")
    code = authenticator_code(secret)
    page.fill("#mfa-code", f"{(int(code) + 1) % 1_000_000:06d}")
    page.click("#mfa-form button[type=submit]")
    page.wait_for_function("document.getElementById('login-error').innerText.includes('6-digit code')")
    _shot(page, tmp_path, "login-5-wrong-code")
    page.fill("#mfa-code", authenticator_code(secret))
    page.click("#mfa-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    _shot(page, tmp_path, "login-6-signed-in-again")
    assert page.evaluate("Object.keys(sessionStorage)") == ["alpr-token"], "no Cognito session kept in storage"

    # Nothing came from anywhere but the page's own server (the QR code is drawn there).
    assert {urlparse(u).netloc for u in fetched if not u.startswith("data:")} == {urlparse(stack.api.url).netloc}
    page.close()
