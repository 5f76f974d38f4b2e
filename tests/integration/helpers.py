"""Small helpers for driving the local stack the way a camera and an operator would."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from alpr import schema
from alpr.local.stack import LocalStack


def push(
    stack: LocalStack,
    body: bytes | Path,
    camera: str = "demo-fixed-1",
    key: str | None = None,
    captured_at: datetime | None = None,
    **headers: str,
) -> requests.Response:
    data = body.read_bytes() if isinstance(body, Path) else body
    sent = {
        "Content-Type": "image/jpeg",
        "X-Camera-Id": camera,
        "X-Camera-Key": key if key is not None else stack.demo_keys.get(camera, ""),
        "X-Capture-Time": (captured_at or stack.clock.now()).isoformat(),
    }
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    assert stack.api is not None
    return requests.post(f"{stack.api.url}/v1/frames", data=data, headers=sent, timeout=30)


# The multipart form field each upload header becomes when a camera pushes an event (alpr.domain.camera_push).
FORM_FIELDS = {"x-capture-time": "capture_time", "x-latitude": "latitude", "x-longitude": "longitude"}


def push_multipart(
    stack: LocalStack,
    body: bytes | Path,
    camera: str = "demo-fixed-1",
    key: str | None = None,
    captured_at: datetime | None = None,
    **headers: str,
) -> requests.Response:
    """The same upload as ``push``, sent as an IP camera sends an event: multipart/form-data with the JPEG as a
    file part, the capture time and position as fields, and HTTP Basic credentials (camera id and key)."""
    data = body.read_bytes() if isinstance(body, Path) else body
    fields = {"capture_time": (captured_at or stack.clock.now()).isoformat()}
    extra: dict[str, str] = {}
    for name, value in headers.items():
        header = name.replace("_", "-").lower()
        if header in FORM_FIELDS:
            fields[FORM_FIELDS[header]] = value
        else:
            extra[name.replace("_", "-")] = value
    key = key if key is not None else stack.demo_keys.get(camera, "")
    assert stack.api is not None
    return requests.post(
        f"{stack.api.url}/v1/frames",
        files={"image": ("event.jpg", data, "image/jpeg")},
        data=fields,
        auth=(camera, key) if key else None,
        headers=extra,
        timeout=30,
    )


def bucket_keys(stack: LocalStack) -> list[str]:
    """Object keys of frames and uploads (hotlist snapshots, which the demo seed writes, and the access chain's day
    seals, which a running stack writes, are left out)."""
    s3 = stack.session.client("s3")
    versions = s3.list_object_versions(Bucket=stack.settings.images_bucket)
    ignored = (schema.BUCKET.hotlists, schema.BUCKET.access_seals)
    return [v["Key"] for v in versions.get("Versions", []) if not v["Key"].startswith(ignored)]


def table_items(stack: LocalStack, logical_name: str) -> list[dict[str, Any]]:
    table = stack.session.resource("dynamodb").Table(f"{stack.settings.prefix}-{logical_name}")
    return table.scan()["Items"]


def notifications(stack: LocalStack) -> list[dict[str, Any]]:
    sqs = stack.session.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=stack.provisioned.alerts_subscriber_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def trained(member_id: str) -> None:
    """Puts a training record on file for ``member_id`` (policy 418.4(d): every plate-data route needs one)."""
    from alpr.domain.training import TrainingRecord
    from alpr.runtime import runtime

    training = runtime().repos.training
    if training.get(member_id) is None:
        training.put(
            TrainingRecord(
                member_id=member_id, course="test", completed_on="2026-01-01", recorded_by="t", recorded_at="x"
            )
        )


def call_v1_handler(
    handler: str,
    function_name: str,
    member: tuple[str, str],
    method: str,
    path: str,
    body: dict | None = None,
    groups: list[str] | None = None,
) -> tuple[int, Any]:
    """Calls a ``/v1`` handler in-process as ``member`` (id, name), trained, with the Cognito authorizer's claims
    when ``groups`` is given (None: no authorizer claims, as an unauthenticated call)."""
    from alpr.local.apigateway import proxy_event
    from alpr.local.lambda_runtime import invoke, load_handler

    member_id, name = member
    trained(member_id)
    event = proxy_event(method, path, {"Content-Type": "application/json"}, json.dumps(body or {}).encode(), "10.0.0.1")
    if groups is not None:
        event["requestContext"]["authorizer"] = {
            "claims": {"cognito:username": member_id, "name": name, "cognito:groups": ",".join(groups)}
        }
    response = invoke(load_handler(handler), event, function_name)
    return response["statusCode"], json.loads(response["body"])


def push_while_matching_fails(stack: Any, photo: Path, monkeypatch: Any, *, recovers: bool = True) -> None:
    """Sends a photo and delivers its events while the hotlist cannot be read: the read's matching fails until
    the stream mapping gives up on it (issue 13, finding 10). With ``recovers`` the hotlist is back afterwards;
    without, it stays unreadable for the rest of the test."""
    from alpr.services.match import MatcherCache

    def unavailable(self: MatcherCache) -> None:
        raise RuntimeError("hotlist unavailable")

    monkeypatch.setattr(MatcherCache, "matcher", unavailable)
    push(stack, photo)
    stack.drain()
    if recovers:
        monkeypatch.undo()
