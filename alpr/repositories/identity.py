"""Staff login (Cognito) and token verification against the pool's published keys (JWKS).

Tokens are never trusted blindly: the signature is checked against the pool's RS256 keys, and the
issuer, audience (the page's app client), token use and expiry are checked too. Locally the keys come
from moto's Cognito (``<endpoint>/<pool-id>/.well-known/jwks.json``) while the issuer is still the AWS
URL, so the key location is its own setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt
from botocore.exceptions import ClientError

from alpr.domain.errors import Unauthenticated
from alpr.schema import Env, Role


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
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-west-2"
        pool = os.environ.get(Env.USER_POOL_ID.value, "")
        default_jwks = f"https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json"
        return cls(
            region=region,
            user_pool_id=pool,
            client_id=os.environ.get(Env.USER_POOL_CLIENT_ID.value, ""),
            jwks_url=os.environ.get(Env.JWKS_URL.value) or default_jwks,
        )


@dataclass(frozen=True)
class Claims:
    username: str
    name: str
    groups: frozenset[Role]
    organization: str | None


class TokenVerifier:
    def __init__(self, config: IdentityConfig) -> None:
        self._config = config

    @cached_property
    def _keys(self) -> jwt.PyJWKClient:
        return jwt.PyJWKClient(self._config.jwks_url, cache_keys=True, lifespan=3600, timeout=10)

    def verify(self, token: str) -> Claims:
        claims = self.verified_claims(token)
        groups = frozenset(Role(g) for g in claims.get("cognito:groups", []) if g in Role._value2member_map_)
        username = str(claims.get("cognito:username") or claims["sub"])
        return Claims(
            username=username,
            name=str(claims.get("name") or username),
            groups=groups,
            organization=claims.get("custom:organization"),
        )

    def verified_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature, issuer, audience, expiry and use (an ID token) check out."""
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
    """Password login through the pool's app client (USER_PASSWORD_AUTH; MFA answered when the pool asks)."""

    def __init__(self, cognito: Any, config: IdentityConfig) -> None:
        self._cognito = cognito
        self._config = config

    def login(self, username: str, password: str) -> LoginResult:
        try:
            response = self._cognito.initiate_auth(
                ClientId=self._config.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            raise self._refused(exc) from exc
        return self._result(response)

    def answer_mfa(self, username: str, session: str, code: str, challenge: str) -> LoginResult:
        answer_key = "SMS_MFA_CODE" if challenge == "SMS_MFA" else "SOFTWARE_TOKEN_MFA_CODE"
        try:
            response = self._cognito.respond_to_auth_challenge(
                ClientId=self._config.client_id,
                ChallengeName=challenge,
                Session=session,
                ChallengeResponses={"USERNAME": username, answer_key: code},
            )
        except ClientError as exc:
            raise self._refused(exc) from exc
        return self._result(response)

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

    @staticmethod
    def _result(response: dict[str, Any]) -> LoginResult:
        if "ChallengeName" in response:
            return LoginResult(challenge=response["ChallengeName"], session=response.get("Session"))
        auth = response["AuthenticationResult"]
        return LoginResult(id_token=auth["IdToken"], expires_in=int(auth.get("ExpiresIn", 3600)))

    @staticmethod
    def _refused(exc: ClientError) -> Exception:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in {
            "NotAuthorizedException",
            "UserNotFoundException",
            "PasswordResetRequiredException",
            "UserNotConfirmedException",
            "CodeMismatchException",
            "ExpiredCodeException",
        }:
            # The same answer for a wrong name and a wrong password: no hint which one exists.
            return Unauthenticated("wrong username, password or code")
        return exc
