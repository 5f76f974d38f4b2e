"""Staff members in the local user pool, made the way an administrator and a member make them in AWS.

An administrator adds a member with a temporary password (AdminCreateUser; the member's status is then
FORCE_CHANGE_PASSWORD). The member's first login replaces it and registers an authenticator app; the
local stack does that for the demo members that are to be "returning" ones, through the same login
service the page uses, with codes computed by pyotp as an authenticator app computes them.

moto's Cognito (5.2) answers this whole flow, with three differences from AWS worth knowing: every member
gets the same TOTP secret (moto's fixed ``asdfasdfasdf``); codes are checked only when
``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true`` (the local stack sets it); sessions never expire.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from alpr.domain.authenticator import CODE_PERIOD_S
from alpr.repositories.identity import StaffDirectory
from alpr.schema import Role
from alpr.services.login import MFA_SETUP, NEW_PASSWORD_REQUIRED, StaffLogin

# moto checks a code against the current 30-second step only (no window either side): a code with less
# than this left could reach it in the next step.
CODE_MARGIN_S = 0.5


def new_password() -> str:
    """Meets the pool's policy (upper, lower, digit, symbol, 14+); fresh each time, shown only locally."""
    return f"Alpr#{secrets.token_hex(6)}9Z"


def add_member(cognito: Any, pool_id: str, username: str, name: str, roles: tuple[Role, ...], temporary: str) -> None:
    """As an administrator does: the member's first login must replace ``temporary`` (NEW_PASSWORD_REQUIRED)."""
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "name", "Value": name}],
        TemporaryPassword=temporary,
        # The administrator hands the temporary password over in person; the pool sends no e-mail.
        MessageAction="SUPPRESS",
    )
    for role in roles:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=role.value)


def first_login(directory: StaffDirectory, username: str, temporary: str, password: str) -> str:
    """The member's first login, step by step as the page does it; returns the authenticator's secret."""
    login = StaffLogin(directory)
    asked = login.answer({"username": username, "password": temporary})
    if asked.challenge != NEW_PASSWORD_REQUIRED:
        raise RuntimeError(f"a new member's first login should ask for a new password, not {asked.step}")
    asked = login.answer(
        {"username": username, "challenge": NEW_PASSWORD_REQUIRED, "session": asked.session, "new_password": password}
    )
    if asked.setup is None:
        raise RuntimeError(f"the pool should ask a new member to set up an authenticator app, not {asked.step}")
    secret = asked.setup.secret
    done = login.answer(
        {"username": username, "challenge": MFA_SETUP, "session": asked.session, "code": authenticator_code(secret)}
    )
    if done.id_token is None:
        raise RuntimeError(f"the first login should end signed in, not at {done.step}")
    return secret


def authenticator_code(secret: str) -> str:
    """The code an authenticator app shows now, waiting for the next one if this one is about to change."""
    import pyotp  # the local stack's and the tests' dependency, not the functions'

    class AuthenticatorApp(pyotp.TOTP):
        # pyotp refuses secrets under 112 bits (NIST SP 800-63B); Cognito's have 160, moto's fixed one 60.
        min_secret_length_bits = 0

    totp = AuthenticatorApp(secret.replace(" ", ""), digits=6, interval=CODE_PERIOD_S)
    left = CODE_PERIOD_S - time.time() % CODE_PERIOD_S
    if left < CODE_MARGIN_S:
        time.sleep(left + 0.01)  # a real clock: moto checks codes against time.time()
    return str(totp.now())
