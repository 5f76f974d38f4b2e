"""Staff login, one step per request: the password, then whatever the user pool asks.

A first login (the member holds a temporary password from an administrator) goes password →
NEW_PASSWORD_REQUIRED (a new password) → MFA_SETUP (an authenticator app takes the secret shown as a QR code
and as text, and its first code proves it) → signed in. Every later login goes password →
SOFTWARE_TOKEN_MFA (the app's current code) → signed in. The page keeps nothing between steps but the
Cognito session each answer carries, which it sends back with the next one; the session, passwords, codes
and the secret are never logged nor written to an access record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alpr.domain.authenticator import AuthenticatorSetup, authenticator_setup, typed_code
from alpr.domain.errors import DomainError
from alpr.repositories.identity import LoginResult, StaffDirectory
from alpr.schema import USER_POOL

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
MFA_SETUP = "MFA_SETUP"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
ANSWERED_CHALLENGES = (NEW_PASSWORD_REQUIRED, MFA_SETUP, SOFTWARE_TOKEN_MFA)
MAX_PASSWORD_LENGTH = 256  # Cognito's limit for a password parameter


@dataclass(frozen=True)
class LoginAnswer:
    """The next step for the page: a challenge with its session (and, for MFA_SETUP, the secret), or tokens."""

    id_token: str | None = None
    expires_in: int = 0
    challenge: str | None = None
    session: str | None = None
    setup: AuthenticatorSetup | None = None

    @property
    def step(self) -> str:
        """For the access record: which step the member reached, nothing secret."""
        return self.challenge or "signed in"

    def payload(self) -> dict[str, Any]:
        if self.id_token is not None:
            return {"id_token": self.id_token, "expires_in": self.expires_in}
        payload: dict[str, Any] = {"challenge": self.challenge, "session": self.session}
        if self.challenge == NEW_PASSWORD_REQUIRED:
            payload["password_rules"] = USER_POOL.password_rules
        if self.setup is not None:
            payload |= {
                "secret": self.setup.secret,
                "secret_grouped": self.setup.grouped_secret,
                "otpauth_uri": self.setup.uri,
                "qr_svg": self.setup.qr_svg_data_uri,
                "issuer": USER_POOL.authenticator_issuer,
            }
        return payload


class StaffLogin:
    def __init__(self, directory: StaffDirectory, issuer: str = USER_POOL.authenticator_issuer) -> None:
        self._directory = directory
        self._issuer = issuer

    def answer(self, fields: Mapping[str, Any]) -> LoginAnswer:
        """One step: ``username`` with ``password``, or with ``challenge``, ``session`` and the answer."""
        username = str(fields.get("username") or "").strip()[:128]
        if not username:
            raise DomainError("enter your username")
        session = str(fields.get("session") or "")
        challenge = str(fields.get("challenge") or "")
        if not session:
            return self._next(username, self._directory.login(username, _password(fields.get("password"))))
        if challenge == NEW_PASSWORD_REQUIRED:
            new_password = _password(fields.get("new_password"), "choose a new password")
            return self._next(username, self._directory.new_password(username, session, new_password))
        if challenge == MFA_SETUP:
            code = typed_code(fields.get("code"))
            return self._next(username, self._directory.finish_authenticator(username, session, code))
        if challenge == SOFTWARE_TOKEN_MFA:
            code = typed_code(fields.get("code"))
            return self._next(username, self._directory.answer_code(username, session, code))
        raise DomainError(f"unknown login step {challenge[:40]!r}: start again with your password")

    def _next(self, username: str, result: LoginResult) -> LoginAnswer:
        if result.id_token is not None:
            return LoginAnswer(id_token=result.id_token, expires_in=result.expires_in)
        if result.challenge not in ANSWERED_CHALLENGES or not result.session:
            # The pool asks for something this page cannot answer (SMS, a custom challenge): a setting of
            # the pool is wrong, so an operator has to act, not the member.
            raise RuntimeError(
                f"the user pool asked for the {result.challenge} challenge, which staff login does not answer"
            )
        if result.challenge == MFA_SETUP:
            # Asked right away, so the page can show the secret with the challenge that needs it.
            secret, session = self._directory.start_authenticator(result.session)
            setup = authenticator_setup(self._issuer, username, secret)
            return LoginAnswer(challenge=MFA_SETUP, session=session, setup=setup)
        return LoginAnswer(challenge=result.challenge, session=result.session)


def _password(value: object, missing: str = "enter your password") -> str:
    password = str(value or "")
    if not password:
        raise DomainError(missing)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    return password
