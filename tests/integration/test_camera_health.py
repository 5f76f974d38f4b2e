"""Camera health (policy 418.3.1(c)): heartbeats, last frames, and a camera silent past its expected interval."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from alpr import schema
from alpr.clock import FixedClock, iso
from alpr.local.stack import LocalStack
from alpr.schema import SourceClass
from alpr.services.cameras import register_camera
from tests.integration.helpers import push


def beat(stack: LocalStack, camera: str, key: str | None = None, **fields: object) -> requests.Response:
    assert stack.api is not None
    return requests.post(
        f"{stack.api.url}/v1/cameras/heartbeat",
        json={"agent_version": "0.1.0", "spool_depth": 4, "last_error": "HTTP 503", **fields},
        auth=(camera, key if key is not None else stack.demo_keys[camera]),
        timeout=30,
    )


def states(stack: LocalStack) -> dict[str, str]:
    return {h.camera_id: h.state.value for h in stack.runtime.camera_health.report()}


def test_a_heartbeat_is_recorded_and_answered(stack: LocalStack) -> None:
    response = beat(stack, "demo-fixed-1")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "ok" and response.json()["spool_depth"] == 4
    [health] = [h for h in stack.runtime.camera_health.report() if h.camera_id == "demo-fixed-1"]
    assert (health.agent_version, health.spool_depth, health.last_error) == ("0.1.0", 4, "HTTP 503")
    assert health.last_seen == iso(stack.clock.now())


def test_the_capture_clock_a_camera_reports_is_on_its_health(stack: LocalStack) -> None:
    """Whoever relies on a read's time sees which clock stamped the camera's frames (issue 17's capture clocks)."""
    assert beat(stack, "demo-fixed-1").json()["capture_clock"] == "", "an agent that says nothing of its clock"
    answer = beat(stack, "demo-fixed-1", last_clock="box", frames_box_clock=12, clock_skew_s=31.0)
    assert answer.status_code == 200, answer.text
    expected = "last frame: box; 12 frame(s) by the box's clock; box clock +31.0 s from the server's"
    assert answer.json()["capture_clock"] == expected
    [health] = [h for h in stack.runtime.camera_health.report() if h.camera_id == "demo-fixed-1"]
    assert (health.last_clock, health.frames_box_clock, health.capture_clock) == (schema.CaptureClock.BOX, 12, expected)
    beat(stack, "demo-fixed-1", last_clock="exif", frames_box_clock=0, clock_skew_s=0.0)
    [health] = [h for h in stack.runtime.camera_health.report() if h.camera_id == "demo-fixed-1"]
    assert health.capture_clock == "last frame: exif; box clock +0.0 s from the server's"


def test_heartbeats_need_the_camera_key_and_bounded_fields(stack: LocalStack) -> None:
    assert beat(stack, "demo-fixed-1", key="wrong").status_code == 401
    assert beat(stack, "demo-fixed-1", spool_depth=-1).status_code == 400
    assert beat(stack, "demo-fixed-1", last_error="x" * 501).status_code == 400
    assert beat(stack, "demo-fixed-1", last_clock="sundial").status_code == 400
    assert beat(stack, "demo-fixed-1", frames_box_clock=-1).status_code == 400
    assert states(stack)["demo-fixed-1"] == "never_seen"


def test_a_camera_silent_past_its_expected_interval(stack: LocalStack, clock: FixedClock, demo_photo: Path) -> None:
    register_camera(stack.runtime.repos.cameras, "pole-9", SourceClass.FIXED, "pole", 37.7, -122.1, 3600)
    key = register_camera(stack.runtime.repos.cameras, "cam-frames", SourceClass.FIXED, "push", 37.7, -122.1, 600)
    register_camera(stack.runtime.repos.cameras, "car-off", SourceClass.VEHICLE, "parked car", None, None, 0)
    beat(stack, "demo-fixed-1")
    assert push(stack, demo_photo, camera="cam-frames", key=key).status_code == 202  # a frame is a sign of life
    stack.runtime.repos.cameras.put(
        stack.runtime.repos.cameras.get("demo-fixed-1").model_copy(update={"expected_interval_s": 900})  # type: ignore[union-attr]
    )
    assert {k: v for k, v in states(stack).items() if k in ("demo-fixed-1", "cam-frames", "car-off")} == {
        "demo-fixed-1": "ok",
        "cam-frames": "ok",
        "car-off": "not_watched",
    }
    clock.advance(seconds=700)
    assert states(stack)["cam-frames"] == "silent" and states(stack)["demo-fixed-1"] == "ok"
    clock.advance(seconds=300)
    silent = {h.camera_id for h in stack.runtime.camera_health.silent()}
    assert silent == {"cam-frames", "demo-fixed-1"}
    assert stack.runtime.camera_health.reporting_count() == 0


def test_alpr_camera_health_lists_and_exits_1_when_silent(stack: LocalStack, clock: FixedClock) -> None:
    """The CLI runs in its own process on the real clock: the heartbeats are sent at real times here."""
    key = register_camera(stack.runtime.repos.cameras, "pole-2", SourceClass.FIXED, "pole", 37.7, -122.1, 600)
    clock.set(datetime.now(UTC))
    beat(stack, "demo-fixed-1")
    alpr = Path(sys.executable).parent / "alpr"
    environment = {"ALPR_LOCAL_STATE": str(stack.config.state_dir), "PATH": "/usr/bin:/bin"}

    def health() -> tuple[int, dict[str, dict]]:
        done = subprocess.run(
            [str(alpr), "camera", "health", "--json"], capture_output=True, text=True, env=environment
        )
        return done.returncode, {json.loads(line)["camera_id"]: json.loads(line) for line in done.stdout.splitlines()}

    code, rows = health()
    assert rows["demo-fixed-1"]["state"] == "ok" and rows["demo-fixed-1"]["spool"] == 4
    assert rows["pole-2"]["state"] == "never_seen"
    assert code == 0
    clock.set(datetime.now(UTC) - timedelta(hours=2))
    beat(stack, "pole-2", key=key)
    code, rows = health()
    assert rows["pole-2"]["state"] == "silent" and rows["pole-2"]["silent_for_s"] >= 7200
    assert code == 1


def test_the_scheduled_check_publishes_the_silent_count(
    stack: LocalStack, clock: FixedClock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What EventBridge runs every few minutes in AWS: the SilentCameras metric (EMF on stdout) the alarm watches."""
    from alpr.local.lambda_runtime import invoke, load_handler

    key = register_camera(stack.runtime.repos.cameras, "pole-3", SourceClass.FIXED, "pole", 37.7, -122.1, 600)
    beat(stack, "pole-3", key=key)
    clock.advance(seconds=601)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "0")  # the local stack turns EMF off; the alarm needs it
    capsys.readouterr()
    result = invoke(load_handler("functions.cameras.health.handler"), {}, "camera-health")
    assert result["silent"] == ["pole-3"]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [metric] = [m for m in emitted if schema.CAMERA_HEALTH_METRIC in m]
    assert metric[schema.CAMERA_HEALTH_METRIC] in (1, 1.0, [1.0]) and metric["service"] == "camera-health"


def test_the_administration_view_lists_camera_health_silent_first(stack: LocalStack, clock: FixedClock) -> None:
    from tests.integration.staff import call, login

    key = register_camera(stack.runtime.repos.cameras, "pole-4", SourceClass.FIXED, "pole", 37.7, -122.1, 600)
    beat(stack, "pole-4", key=key)
    clock.advance(seconds=601)
    beat(stack, "demo-fixed-1")
    assert call(stack, "GET", "/v1/admin/cameras/health", login(stack, "officer")).status_code == 403
    answer = call(stack, "GET", "/v1/admin/cameras/health", login(stack, "admin"))
    assert answer.status_code == 200, answer.text
    cameras = answer.json()["cameras"]
    assert cameras[0]["camera_id"] == "pole-4" and cameras[0]["state"] == "silent"
    assert {c["camera_id"]: c["state"] for c in cameras}["demo-fixed-1"] == "ok"
    # the panel is its own script on the page
    page = requests.get(f"{stack.api.url}/", timeout=30).text  # type: ignore[union-attr]
    assert 'src="camera-health.js"' in page
    assert "/v1/admin/cameras/health" in requests.get(f"{stack.api.url}/camera-health.js", timeout=30).text  # type: ignore[union-attr]
