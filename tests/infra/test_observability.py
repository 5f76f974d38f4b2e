"""Alarms on every function, dead-letter queue and API of the synthesized stack, and a dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from alpr import schema
from infra.guardrails.observability import OCR_FRAME_METRIC


@pytest.fixture(scope="module")
def resources(template: Any) -> dict[str, Any]:
    out: dict[str, Any] = template.to_json()["Resources"]
    return out


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {lid: r["Properties"] for lid, r in resources.items() if r["Type"] == kind}


def alarms_on(resources: dict[str, Any], dimension: str, lid: str) -> set[str]:
    """Metric names of the alarms whose ``dimension`` points at resource ``lid``."""
    found = set()
    for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values():
        for d in alarm.get("Dimensions", []):
            value = d["Value"]
            if d["Name"] == dimension and lid in (value.get("Ref"), value.get("Fn::GetAtt", [None])[0]):
                found.add(alarm["MetricName"])
    return found


def test_every_function_alarms_on_errors_and_throttles(resources: dict[str, Any]) -> None:
    # CDK's deploy-time helpers (the bucket-notifications handler) have no name and run once per deploy.
    functions = {lid: f for lid, f in of_type(resources, "AWS::Lambda::Function").items() if "FunctionName" in f}
    assert len(functions) >= len(schema.FUNCTIONS)
    for lid in functions:
        assert {"Errors", "Throttles"} <= alarms_on(resources, "FunctionName", lid), lid


def test_every_dead_letter_queue_alarms_on_depth(resources: dict[str, Any]) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    redrive_targets = {
        q["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] for q in queues.values() if "RedrivePolicy" in q
    }
    named = {lid for lid, q in queues.items() if q["QueueName"].endswith(("-dlq", "-stream-failures"))}
    dead_letters = redrive_targets | named
    assert len(dead_letters) >= len(schema.QUEUES) + 1  # one per queue, plus the purge schedule's
    for lid in dead_letters:
        assert "ApproximateNumberOfMessagesVisible" in alarms_on(resources, "QueueName", lid), lid
    for lid in set(queues) - dead_letters:
        assert "ApproximateAgeOfOldestMessage" in alarms_on(resources, "QueueName", lid), lid


def test_ocr_latency_and_purge_failures_raise_alarms(resources: dict[str, Any]) -> None:
    alarms = list(of_type(resources, "AWS::CloudWatch::Alarm").values())
    [latency] = [a for a in alarms if a["MetricName"] == OCR_FRAME_METRIC]
    assert latency["ExtendedStatistic"] == "p95" and latency["Namespace"] == "ALPR"
    functions = {
        p["FunctionName"]: lid for lid, p in of_type(resources, "AWS::Lambda::Function").items() if "FunctionName" in p
    }
    purge = functions["alpr-purge"]
    assert {"Errors", "Invocations"} <= alarms_on(resources, "FunctionName", purge)
    [not_run] = [a for a in alarms if a["MetricName"] == "Invocations"]
    assert not_run["ComparisonOperator"] == "LessThanThreshold" and not_run["TreatMissingData"] == "breaching"


def test_every_alarm_notifies_the_ops_topic_and_a_dashboard_exists(resources: dict[str, Any]) -> None:
    topics = {lid for lid, t in of_type(resources, "AWS::SNS::Topic").items() if t["TopicName"] == "alpr-ops-alarms"}
    assert len(topics) == 1
    for lid, alarm in of_type(resources, "AWS::CloudWatch::Alarm").items():
        assert alarm["AlarmActions"] == [{"Ref": next(iter(topics))}], lid
    [dashboard] = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["DashboardName"] == "alpr-pipeline"
