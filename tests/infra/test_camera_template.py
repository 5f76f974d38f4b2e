"""Issue 17 in the template: camera pushes, heartbeats and the silent-camera alarm, as AWS documents them."""

from __future__ import annotations

from typing import Any

from alpr import schema


def _resources(template: Any, kind: str) -> dict[str, dict[str, Any]]:
    return template.find_resources(kind)


def _ingest_api(template: Any) -> tuple[str, dict[str, Any]]:
    [(logical, api)] = [(k, v) for k, v in _resources(template, "AWS::ApiGateway::RestApi").items() if "Ingest" in k]
    return logical, api


def test_every_body_a_camera_sends_is_a_binary_media_type_of_the_ingest_api(template: Any) -> None:
    """ "Binary media types for REST APIs in API Gateway": without an entry a Lambda proxy integration gets the
    body as UTF-8 text and the JPEG inside a multipart/form-data push is mangled."""
    _, api = _ingest_api(template)
    media = api["Properties"]["BinaryMediaTypes"]
    # Every API lists "*/*" (tests/infra/test_aws_rules.py: frames must come back binary), which covers every
    # body a camera sends; the handlers read ``decoded_body``, so a JSON heartbeat sent base64 reads the same.
    for content_type in (*schema.INGEST_BINARY_MEDIA_TYPES, "image/jpeg", "multipart/form-data; boundary=x"):
        assert schema.is_binary_media_type(content_type, tuple(media)), content_type


def _methods(template: Any, api_logical: str) -> dict[str, dict[str, Any]]:
    resources = _resources(template, "AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical: str) -> str:
        if logical not in paths:
            props = resources[logical]["Properties"]
            parent = props["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical] = f"{prefix}/{props['PathPart']}"
        return paths[logical]

    methods = {}
    for method in _resources(template, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["RestApiId"] != {"Ref": api_logical} or "Ref" not in props["ResourceId"]:
            continue
        methods[f"{props['HttpMethod']} {path_of(props['ResourceId']['Ref'])}"] = props
    return methods


def test_frames_take_http_basic_and_heartbeats_have_their_route(template: Any) -> None:
    logical, _ = _ingest_api(template)
    methods = _methods(template, logical)
    assert {"POST /v1/frames", "POST /v1/frames/uploads", "POST /v1/cameras/heartbeat"} <= set(methods)
    # A multipart push carries Authorization: Basic, not X-Camera-Id: the gateway must not require the header.
    required = methods["POST /v1/frames"].get("RequestParameters") or {}
    assert not any(required.values())


def test_the_camera_health_check_runs_on_a_schedule_with_read_only_grants(template: Any) -> None:
    rules = [r for r in _resources(template, "AWS::Events::Rule").values() if "rate(" in str(r)]
    assert any(f"rate({schema.CAMERA_HEALTH_EVERY_MINUTES} minutes)" in str(r) for r in rules)
    functions = _resources(template, "AWS::Lambda::Function")
    assert any(f["Properties"].get("Handler") == schema.CAMERA_HEALTH_FUNCTION.handler for f in functions.values())


def test_a_silent_camera_raises_a_cloudwatch_alarm(template: Any) -> None:
    alarms = [
        a["Properties"]
        for a in _resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == schema.CAMERA_HEALTH_METRIC
    ]
    [alarm] = alarms
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "breaching"  # the check stopped running: alarm too
    assert alarm["Dimensions"] == [{"Name": "service", "Value": schema.CAMERA_HEALTH_FUNCTION.name}]
    assert alarm["AlarmActions"]
