"""The authenticator app's side of the login (alpr/domain/authenticator.py): the otpauth:// URI, the QR code
that carries it and the codes a member types. The QR code is decoded back with OpenCV's detector, as a
phone camera would read it."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, unquote, urlparse

import cv2
import numpy as np
import pytest
import segno

from alpr.domain.authenticator import authenticator_setup, otpauth_uri, typed_code
from alpr.domain.errors import DomainError

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # Cognito's secrets: 32 base32 characters


def test_the_uri_names_the_issuer_and_the_member_and_carries_cognitos_totp_parameters() -> None:
    uri = urlparse(otpauth_uri("San Leandro PD ALPR", "dana.reyes@slpd", SECRET))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/San Leandro PD ALPR:dana.reyes@slpd"
    assert " " not in uri.path and "%20" in uri.path
    # SHA-1, 6 digits, 30 s: what Cognito's software tokens use (user-pool-settings-mfa-totp).
    assert parse_qs(uri.query) == {
        "secret": [SECRET],
        "issuer": ["San Leandro PD ALPR"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_the_qr_code_reads_back_as_the_uri() -> None:
    setup = authenticator_setup("San Leandro PD ALPR", "officer", SECRET)
    assert setup.qr_svg_data_uri.startswith("data:image/svg+xml")
    # The same code as a bitmap (the SVG is that drawing in vector form), read the way a camera reads it.
    png = io.BytesIO()
    segno.make(setup.uri, error="m", micro=False).save(png, kind="png", scale=6, border=4)
    image = cv2.imdecode(np.frombuffer(png.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == setup.uri
    assert setup.grouped_secret == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


@pytest.mark.parametrize(("typed", "code"), [("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456")])
def test_a_code_as_apps_show_it_is_accepted(typed: str, code: str) -> None:
    assert typed_code(typed) == code


@pytest.mark.parametrize("typed", ["", None, "12345", "1234567", "12345a", "１２３４５６"])
def test_what_cannot_be_a_code_is_refused(typed: object) -> None:
    with pytest.raises(DomainError, match="6-digit code"):
        typed_code(typed)
