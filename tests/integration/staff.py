"""Driving the staff API as a member would: log in, call a route, read the access records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import requests

from alpr.clock import iso
from alpr.domain.records import PlateRead
from alpr.local.stack import LocalStack
from alpr.local.staff_accounts import add_member as add_staff_member
from alpr.local.staff_accounts import authenticator_code, first_login, new_password
from alpr.schema import Role, SourceClass

WHY = {"purpose": "a", "offense": "vehicle_theft", "case_number": "26-004512"}
PASSWORD = "Test#Password-2026x"


def login(stack: LocalStack, username: str, password: str | None = None) -> str:
    """A returning member's login through the API: the password, then the authenticator app's code."""
    answer = login_step(stack, {"username": username, "password": password or stack.demo_staff[username]})
    assert answer.get("challenge") == "SOFTWARE_TOKEN_MFA", answer
    code = authenticator_code(stack.demo_authenticators[username])
    answer = login_step(
        stack, {"username": username, "challenge": "SOFTWARE_TOKEN_MFA", "session": answer["session"], "code": code}
    )
    return str(answer["id_token"])


def login_step(stack: LocalStack, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{url(stack)}/api/login", json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def add_member(stack: LocalStack, username: str, *roles: Role, trained: bool) -> str:
    """A member beyond the demo ones, first login done; returns a token."""
    from alpr.domain.training import TrainingRecord

    cognito = stack.session.client("cognito-idp")
    temporary = new_password()
    add_staff_member(cognito, stack.provisioned.user_pool_id, username, f"Test {username}", roles, temporary)
    secret = first_login(stack.runtime.repos.staff_directory, username, temporary, PASSWORD)
    stack.demo_authenticators[username] = secret
    if trained:
        stack.runtime.repos.training.put(
            TrainingRecord(
                member_id=username, course="test", completed_on="2026-01-01", recorded_by="test", recorded_at="x"
            )
        )
    return login(stack, username, PASSWORD)


def url(stack: LocalStack) -> str:
    assert stack.api is not None
    return stack.api.url


def call(
    stack: LocalStack,
    method: str,
    path: str,
    token: str | None,
    *,
    params: dict[str, Any] | None = None,
    json: dict[str, Any] | None = None,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{url(stack)}{path}", headers=headers, params=params, json=json, timeout=60)


def read_path(read_id: str, suffix: str = "") -> str:
    return f"/api/reads/{quote(read_id, safe='')}{suffix}"


def records(stack: LocalStack) -> list[Any]:
    day = stack.clock.now().date().isoformat()
    return sorted(stack.runtime.repos.access_log.for_day(day), key=lambda r: r.record_id)


def add_read(
    stack: LocalStack,
    plate: str,
    *,
    minutes_ago: int = 10,
    source: SourceClass = SourceClass.FIXED,
    n: int = 0,
    camera: str = "demo-fixed-1",
    expires_in_days: float | None = None,
) -> PlateRead:
    """A read written the way the OCR service writes it (with its index keys), without running OCR."""
    now = stack.clock.now()
    captured = now - timedelta(minutes=minutes_ago)
    expires = now + timedelta(days=expires_in_days) if expires_in_days is not None else now + timedelta(days=20)
    read = PlateRead(
        read_id=f"t-{plate}-{n}#0",
        frame_id=f"t-{plate}-{n}",
        camera_id=camera,
        source=source,
        plate=plate,
        raw_text=plate,
        confidence=0.9,
        box=[1, 2, 3, 4],
        captured_at=iso(captured),
        latitude=37.7249,
        longitude=-122.1561,
        image_key=f"frames/{source.value}/{camera}/x/t-{plate}-{n}.jpg",
        created_at=iso(now),
        expires_at=int(expires.timestamp()),
    )
    assert stack.runtime.repos.reads.add(read)
    return read
