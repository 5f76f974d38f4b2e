"""The member's authenticator app (TOTP, RFC 6238): the otpauth:// URI, its QR code and the codes typed in.

Cognito hands out the secret (AssociateSoftwareToken) and checks the codes; this module only presents the
secret so that an authenticator app can take it, by camera (the QR code) or typed in (the text), and checks
that what the member typed can be a code before it goes to Cognito. The QR code is drawn here as SVG, so the
page fetches nothing from anywhere else. Cognito's TOTP: SHA-1, 6 digits, 30 seconds
(https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html); the URI
follows the Key URI format authenticator apps read (otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno

from alpr.domain.errors import DomainError

CODE_DIGITS = 6
CODE_PERIOD_S = 30


@dataclass(frozen=True)
class AuthenticatorSetup:
    """What the page shows a member setting up their app: the QR code and the same secret as text."""

    secret: str
    uri: str
    qr_svg_data_uri: str

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, easier to type into an app than one long run of letters."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def otpauth_uri(issuer: str, account: str, secret: str) -> str:
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": CODE_DIGITS, "period": CODE_PERIOD_S},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def authenticator_setup(issuer: str, account: str, secret: str) -> AuthenticatorSetup:
    uri = otpauth_uri(issuer, account, secret)
    # Error correction M and a 4-module quiet zone: what phone cameras read reliably off a laptop screen.
    qr = segno.make(uri, error="m", micro=False)
    return AuthenticatorSetup(secret=secret, uri=uri, qr_svg_data_uri=qr.svg_data_uri(scale=5, border=4))


def typed_code(value: object) -> str:
    """The code as typed (spaces and dashes some apps show are dropped), refused unless it is 6 digits."""
    code = re.sub(r"[\s-]", "", str(value or ""))
    if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code):
        raise DomainError(f"enter the {CODE_DIGITS}-digit code your authenticator app shows")
    return code
