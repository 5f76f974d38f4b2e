"""Staff login against the embedded Cognito (moto 5.2), one step per POST /api/login.

A first login: the administrator's temporary password → NEW_PASSWORD_REQUIRED → MFA_SETUP
(AssociateSoftwareToken, VerifySoftwareToken, RespondToAuthChallenge) → signed in. Every later login:
password → SOFTWARE_TOKEN_MFA → signed in. Codes come from pyotp, as an authenticator app computes them.

What moto checks (moto/cognitoidp/models.py): the new password against the pool's policy; the TOTP code in
VerifySoftwareToken and in SOFTWARE_TOKEN_MFA, only with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (the
local stack sets it), against the current 30-second step only. What it does not: every member gets the
same secret (``asdfasdfasdf``), sessions never expire (an unknown session stands in for an expired one
here), a code may be used twice, and a confirmed member without an authenticator is let in without the
MFA_SETUP challenge that AWS asks.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests

from alpr.local.demo import FIRST_LOGIN_MEMBER
from alpr.local.stack import LocalStack
from alpr.local.staff_accounts import authenticator_code
from alpr.schema import USER_POOL
from functions.search.handler import logger as search_logger
from tests.integration.staff import call, login, records, url

NEW_PASSWORD = "Recruit#Strong-2026-pw"


def step(stack: LocalStack, **body: Any) -> requests.Response:
    return requests.post(f"{url(stack)}/api/login", json=body, timeout=30)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_first_login_replaces_the_temporary_password_and_sets_up_the_authenticator(stack: LocalStack) -> None:
    user, temporary = FIRST_LOGIN_MEMBER, stack.demo_staff[FIRST_LOGIN_MEMBER]
    asked = step(stack, username=user, password=temporary).json()
    assert asked["challenge"] == "NEW_PASSWORD_REQUIRED" and asked["session"]
    assert "at least 14 characters" in asked["password_rules"]

    weak = step(
        stack, username=user, challenge="NEW_PASSWORD_REQUIRED", session=asked["session"], new_password="short1A!"
    )
    assert weak.status_code == 400 and weak.json()["error"] == "password_rejected"
    assert "at least 14 characters" in weak.json()["message"]

    # The refused password leaves the session usable: the member tries again without starting over.
    setup = step(
        stack, username=user, challenge="NEW_PASSWORD_REQUIRED", session=asked["session"], new_password=NEW_PASSWORD
    )
    assert setup.status_code == 200, setup.text
    shown = setup.json()
    assert shown["challenge"] == "MFA_SETUP" and shown["session"]
    secret = shown["secret"]
    assert shown["secret_grouped"].replace(" ", "") == secret
    uri = urlparse(shown["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/{USER_POOL.authenticator_issuer}:{user}"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == [USER_POOL.authenticator_issuer]
    assert (query["digits"], query["period"], query["algorithm"]) == (["6"], ["30"], ["SHA1"])
    assert shown["qr_svg"].startswith("data:image/svg+xml")

    code = authenticator_code(secret)
    mistyped = step(stack, username=user, challenge="MFA_SETUP", session=shown["session"], code=wrong(code))
    assert mistyped.status_code == 401 and mistyped.json()["error"] == "wrong_code"
    assert "6-digit code" in mistyped.json()["message"]
    signed_in = step(stack, username=user, challenge="MFA_SETUP", session=shown["session"], code=code)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["id_token"]
    me = call(stack, "GET", "/api/me", token).json()
    assert me["member_id"] == user and me["roles"] == ["officer"]

    # The temporary password is gone; the new one and the app's code are what a later login takes.
    assert step(stack, username=user, password=temporary).status_code == 401
    stack.demo_authenticators[user] = secret
    assert call(stack, "GET", "/api/me", login(stack, user, NEW_PASSWORD)).json()["member_id"] == user


def test_every_later_login_asks_for_the_authenticator_code(stack: LocalStack) -> None:
    asked = step(stack, username="officer", password=stack.demo_staff["officer"]).json()
    assert asked == {"challenge": "SOFTWARE_TOKEN_MFA", "session": asked["session"]}
    code = authenticator_code(stack.demo_authenticators["officer"])
    refused = step(
        stack, username="officer", challenge="SOFTWARE_TOKEN_MFA", session=asked["session"], code=wrong(code)
    )
    assert refused.status_code == 401 and refused.json()["error"] == "wrong_code"
    answered = step(stack, username="officer", challenge="SOFTWARE_TOKEN_MFA", session=asked["session"], code=code)
    assert answered.status_code == 200 and answered.json()["expires_in"] > 0
    assert call(stack, "GET", "/api/me", answered.json()["id_token"]).json()["member_id"] == "officer"


EXPIRED = "0f8e3c52-9d1b-4c8e-a7a5-6f3b2d1e9c40"  # the shape of moto's sessions, but not one it gave


@pytest.mark.parametrize("session", [EXPIRED, "too-short"])
@pytest.mark.parametrize("challenge", ["NEW_PASSWORD_REQUIRED", "MFA_SETUP", "SOFTWARE_TOKEN_MFA"])
def test_an_expired_session_says_start_again(stack: LocalStack, challenge: str, session: str) -> None:
    # Cognito answers NotAuthorizedException ("session is expired") after the client's AuthSessionValidity;
    # moto keeps sessions for ever and answers an unknown one with ResourceNotFoundException.
    answer = {"new_password": NEW_PASSWORD, "code": "123456"}
    response = step(stack, username="officer", challenge=challenge, session=session, **answer)
    assert response.status_code == 401 and response.json()["error"] == "login_expired"
    message = response.json()["message"]
    assert "start again with your password" in message and f"{USER_POOL.auth_session_minutes} minutes" in message
    assert session not in message


def test_what_cannot_be_a_code_or_a_password_is_refused_before_cognito(stack: LocalStack) -> None:
    asked = step(stack, username="officer", password=stack.demo_staff["officer"]).json()
    for typed in ("", "12345", "abcdef", "1234567"):
        response = step(stack, username="officer", challenge="SOFTWARE_TOKEN_MFA", session=asked["session"], code=typed)
        assert response.status_code == 400 and "6-digit code" in response.json()["message"], typed
    # Spaces as some apps show them ("123 456") are fine.
    spaced = authenticator_code(stack.demo_authenticators["officer"])
    spaced = f"{spaced[:3]} {spaced[3:]}"
    ok = step(stack, username="officer", challenge="SOFTWARE_TOKEN_MFA", session=asked["session"], code=spaced)
    assert ok.status_code == 200, ok.text
    assert step(stack, username="", password="x").json()["message"] == "enter your username"
    assert step(stack, username="officer").json()["message"] == "enter your password"
    wrong_password = step(stack, username="officer", password="Not#The-Password-1")
    nobody = step(stack, username="nobody-here", password="Not#The-Password-1")
    assert wrong_password.status_code == nobody.status_code == 401
    assert wrong_password.json()["message"] == nobody.json()["message"] == "wrong username or password"


def test_no_password_code_session_or_secret_reaches_a_log_or_an_access_record(
    stack: LocalStack,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    user, temporary = FIRST_LOGIN_MEMBER, stack.demo_staff[FIRST_LOGIN_MEMBER]
    # Everything our code logs, at its most talkative (botocore's own DEBUG lines quote every request, so
    # a deployed function never runs with them on).
    caplog.set_level(logging.DEBUG, logger="alpr")
    request.addfinalizer(lambda level=search_logger.log_level: search_logger.setLevel(level))
    search_logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=search_logger.name)
    secrets_seen = [temporary, NEW_PASSWORD]
    asked = step(stack, username=user, password=temporary).json()
    secrets_seen.append(asked["session"])
    shown = step(
        stack, username=user, challenge="NEW_PASSWORD_REQUIRED", session=asked["session"], new_password=NEW_PASSWORD
    ).json()
    secrets_seen += [shown["session"], shown["secret"]]
    code = authenticator_code(shown["secret"])
    step(stack, username=user, challenge="MFA_SETUP", session=shown["session"], code=wrong(code))
    step(stack, username=user, challenge="MFA_SETUP", session=EXPIRED, code=code)
    token = step(stack, username=user, challenge="MFA_SETUP", session=shown["session"], code=code).json()["id_token"]
    secrets_seen += [code, wrong(code), EXPIRED, token]

    written = [repr(r) for r in records(stack)]
    steps = [r for r in records(stack) if r.action == "login"]
    assert sorted((r.subject, r.outcome) for r in steps) == sorted(
        [
            (f"login {user}: NEW_PASSWORD_REQUIRED", "allowed"),
            (f"login {user}: MFA_SETUP", "allowed"),
            ("POST /api/login", "refused: wrong_code"),
            ("POST /api/login", "refused: login_expired"),
            (f"login {user}: signed in", "allowed"),
        ]
    )
    assert {r.member_id for r in steps if r.subject.endswith("signed in")} == {user}
    out, err = capfd.readouterr()
    logged = [caplog.text, out, err, *written]
    assert "request refused" in caplog.text, "the handler's log was captured (else this test proves nothing)"
    for secret in secrets_seen:
        assert not any(secret in text for text in logged), "a login secret was logged or recorded"


def test_the_local_pool_is_set_up_as_the_deployed_one_for_this_flow(stack: LocalStack) -> None:
    """TOTP required, USER_PASSWORD_AUTH allowed, the temporary password's and each step's lifetime from
    alpr/schema.py USER_POOL (tests/infra/test_search_stack.py holds the CDK pool to the same)."""
    cognito = stack.session.client("cognito-idp")
    pool_id, client_id = stack.provisioned.user_pool_id, stack.provisioned.user_pool_client_id
    mfa = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["MfaConfiguration"] == "ON" and mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    policy = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert policy["TemporaryPasswordValidityDays"] == USER_POOL.temporary_password_days
    assert policy["MinimumLength"] == USER_POOL.min_password_length
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert client["AuthSessionValidity"] == USER_POOL.auth_session_minutes
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=FIRST_LOGIN_MEMBER)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="officer")["UserStatus"] == "CONFIRMED"


def test_the_cli_prints_a_demo_members_current_code(
    stack: LocalStack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import alpr.cli.common

    monkeypatch.setattr(alpr.cli.common, "STATE_DIR", stack.config.state_dir)
    asked = step(stack, username="officer", password=stack.demo_staff["officer"]).json()
    assert alpr.cli.main(["login-code", "officer"]) == 0
    code = capsys.readouterr().out.strip()
    answered = step(stack, username="officer", challenge="SOFTWARE_TOKEN_MFA", session=asked["session"], code=code)
    assert answered.status_code == 200, answered.text
    assert alpr.cli.main(["login-code", FIRST_LOGIN_MEMBER]) == 2
