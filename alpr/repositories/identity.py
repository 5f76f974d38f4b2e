"""Staff login (Cognito) and token verification against the pool's published keys (JWKS).

Tokens are never trusted blindly: the signature is checked against the pool's RS256 keys, and the
issuer, audience (the page's app client), token use and expiry are checked too. Locally the keys come
from moto's Cognito (``<endpoint>/<pool-id>/.well-known/jwks.json``) while the issuer is still the AWS
URL, so the key location is its own setting.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt
from botocore.exceptions import ClientError

from alpr.config import Settings
from alpr.domain.errors import DomainError, Unauthenticated
from alpr.schema import USER_POOL, Role


@dataclass(frozen=True)
class IdentityConfig:
    region: str
    user_pool_id: str
    client_id: str
    jwks_url: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @classmethod
    def from_env(cls) -> IdentityConfig:
        """The pool the function is deployed with (``alpr.config.Settings``), in the region Lambda sets."""
        settings = Settings.from_env()
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-west-2"
        pool = settings.user_pool_id
        default_jwks = f"https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json"
        return cls(
            region=region,
            user_pool_id=pool,
            client_id=settings.user_pool_client_id,
            jwks_url=settings.jwks_url or default_jwks,
        )


class TokenVerifier:
    def __init__(self, config: IdentityConfig) -> None:
        self._config = config

    @cached_property
    def _keys(self) -> jwt.PyJWKClient:
        return jwt.PyJWKClient(self._config.jwks_url, cache_keys=True, lifespan=3600, timeout=10)

    def verified_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature, issuer, audience, expiry and use (an ID token) check out; who
        they name is read by ``alpr.claims.member_from_claims``."""
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._config.client_id,
                issuer=self._config.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "token_use"]},
                leeway=30,
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise RuntimeError(f"cannot fetch the user pool's signing keys: {exc}") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the login token is not valid ({type(exc).__name__}); log in again") from exc
        if claims.get("token_use") != "id":
            raise Unauthenticated("an ID token is required")
        return dict(claims)


@dataclass(frozen=True)
class LoginResult:
    """Cognito's answer to one login step: tokens, or the next challenge and its session.

    The session is a secret (whoever holds it can answer the next challenge): it goes back to the page and
    nowhere else, never into a log or an access record.
    """

    id_token: str | None = None
    expires_in: int = 0
    challenge: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class StaffAccount:
    username: str
    name: str
    roles: frozenset[Role]
    enabled: bool


class StaffDirectory:
    """Login through the pool's app client: USER_PASSWORD_AUTH, then whatever challenges the pool asks.

    A first login answers NEW_PASSWORD_REQUIRED (the administrator's temporary password is replaced), then
    MFA_SETUP (AssociateSoftwareToken, VerifySoftwareToken, RespondToAuthChallenge); every later login
    answers SOFTWARE_TOKEN_MFA. All of them are unauthenticated Cognito calls keyed by the session:
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html
    """

    # The name Cognito keeps for the member's authenticator (shown in the pool's MFA settings).
    AUTHENTICATOR_NAME = "ALPR authenticator app"

    def __init__(self, cognito: Any, config: IdentityConfig) -> None:
        self._cognito = cognito
        self._config = config

    def login(self, username: str, password: str) -> LoginResult:
        return self._step(
            "password",
            self._cognito.initiate_auth,
            ClientId=self._config.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )

    def new_password(self, username: str, session: str, new_password: str) -> LoginResult:
        """Replaces the temporary password an administrator gave (the NEW_PASSWORD_REQUIRED challenge)."""
        return self._respond("NEW_PASSWORD_REQUIRED", session, {"USERNAME": username, "NEW_PASSWORD": new_password})

    def answer_code(self, username: str, session: str, code: str) -> LoginResult:
        """The authenticator app's current code, asked at every login once one is set up."""
        return self._respond("SOFTWARE_TOKEN_MFA", session, {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code})

    def start_authenticator(self, session: str) -> tuple[str, str]:
        """The TOTP secret for the member's new authenticator app, and the session to verify it with."""
        response = self._call("challenge", self._cognito.associate_software_token, Session=session)
        return str(response["SecretCode"]), str(response.get("Session") or session)

    def finish_authenticator(self, username: str, session: str, code: str) -> LoginResult:
        """Checks the first code the new app shows, then answers MFA_SETUP with the session that check returns."""
        verified = self._call(
            "challenge",
            self._cognito.verify_software_token,
            Session=session,
            UserCode=code,
            FriendlyDeviceName=self.AUTHENTICATOR_NAME,
        )
        if verified.get("Status") != "SUCCESS":
            raise WrongCode(WRONG_CODE)
        return self._respond("MFA_SETUP", str(verified.get("Session") or session), {"USERNAME": username})

    def _respond(self, challenge: str, session: str, answers: dict[str, str]) -> LoginResult:
        return self._step(
            "challenge",
            self._cognito.respond_to_auth_challenge,
            ClientId=self._config.client_id,
            ChallengeName=challenge,
            Session=session,
            ChallengeResponses=answers,
        )

    def _step(self, stage: str, call: Callable[..., dict[str, Any]], **arguments: Any) -> LoginResult:
        response = self._call(stage, call, **arguments)
        if "ChallengeName" in response:
            return LoginResult(challenge=response["ChallengeName"], session=response.get("Session"))
        auth = response["AuthenticationResult"]
        return LoginResult(id_token=auth["IdToken"], expires_in=int(auth.get("ExpiresIn", 3600)))

    @staticmethod
    def _call(stage: str, call: Callable[..., dict[str, Any]], **arguments: Any) -> dict[str, Any]:
        session = arguments.get("Session")
        if session is not None and not SESSION_LENGTH[0] <= len(session) <= SESSION_LENGTH[1]:
            # Not one Cognito gave (the API refuses it before it is sent): as good as expired.
            raise _expired()
        try:
            return call(**arguments)
        except ClientError as exc:
            # Raised from None: Cognito's message can quote the session (moto's does), and a traceback
            # that chains it would carry it into a log.
            raise _refused(exc, stage) from None

    def members(self) -> list[StaffAccount]:
        """Every member in a role group of the pool, with all of their roles (for administrators)."""
        accounts: dict[str, StaffAccount] = {}
        paginator = self._cognito.get_paginator("list_users_in_group")
        for role in Role:
            try:
                pages = list(paginator.paginate(UserPoolId=self._config.user_pool_id, GroupName=role.value))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    continue  # a pool without this role's group has nobody in it
                raise
            for user in (u for page in pages for u in page.get("Users", [])):
                username = str(user["Username"])
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                known = accounts.get(username)
                accounts[username] = StaffAccount(
                    username=username,
                    name=str(attributes.get("name") or username),
                    roles=(known.roles if known else frozenset()) | {role},
                    enabled=bool(user.get("Enabled", True)),
                )
        return sorted(accounts.values(), key=lambda a: a.username)


WRONG_PASSWORD = "wrong username or password"
WRONG_CODE = (
    "that is not the code your authenticator app shows now: enter the current 6-digit code "
    "(codes change every 30 seconds; if every code fails, check the phone's clock)"
)
USED_CODE = "that code was already used: wait for the next code in your authenticator app"
TEMPORARY_PASSWORD_EXPIRED = "your temporary password has expired: ask an ALPR administrator for a new one"


# The Session parameter's length limits in the Cognito API (RespondToAuthChallenge, AssociateSoftwareToken).
SESSION_LENGTH = (20, 2048)


class WrongCode(Unauthenticated):
    code = "wrong_code"


class LoginExpired(Unauthenticated):
    code = "login_expired"


class PasswordRejected(DomainError):
    code = "password_rejected"


def _expired() -> LoginExpired:
    return LoginExpired(
        f"this login took too long (each step must be answered within {USER_POOL.auth_session_minutes} "
        "minutes) or was already finished: start again with your password"
    )


def _refused(exc: ClientError, stage: str) -> Exception:
    """What the member is told for a Cognito refusal; anything else is an error of ours (HTTP 500).

    Error codes as documented for InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken and
    VerifySoftwareToken (Cognito API reference, "Errors"); moto answers an unknown session with
    ResourceNotFoundException where Cognito answers NotAuthorizedException ("Invalid session for the user,
    session is expired").
    """
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if code in {"CodeMismatchException", "EnableSoftwareTokenMFAException"}:
        return WrongCode(WRONG_CODE)
    if code == "ExpiredCodeException":
        return WrongCode(USED_CODE)
    if code == "InvalidPasswordException":
        return PasswordRejected(f"the new password was refused: {USER_POOL.password_rules}")
    if stage == "challenge" and code in {"NotAuthorizedException", "ResourceNotFoundException"}:
        return _expired()
    if code == "NotAuthorizedException" and "temporary password has expired" in message.lower():
        return Unauthenticated(TEMPORARY_PASSWORD_EXPIRED)
    if code in {
        "NotAuthorizedException",
        "UserNotFoundException",
        "PasswordResetRequiredException",
        "UserNotConfirmedException",
    }:
        # The same answer for a wrong name and a wrong password: no hint which one exists.
        return Unauthenticated(WRONG_PASSWORD)
    return exc
