"""Alert notifications on SNS: enough for an officer to act, never the image itself."""

from __future__ import annotations

import json
from typing import Any

from alpr.domain.records import Alert


class AlertPublisher:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, alert: Alert, image_link: str) -> None:
        message = {
            "alert_id": alert.alert_id,
            "plate": alert.plate,
            "match": alert.match_kind,
            "why": alert.why,
            "listed": alert.hotlist_value,
            "list": alert.hotlist_source,
            "priority": alert.priority,
            "reason": alert.reason.value,
            "case_number": alert.case_number,
            "vehicle": alert.description,
            "camera_id": alert.camera_id,
            "latitude": alert.latitude,
            "longitude": alert.longitude,
            "place": _place(alert),
            "captured_at": alert.captured_at,
            "image_link": image_link,
            "verify": "Verify through CLETS before enforcement action (policy 418.4(f)).",
        }
        self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=f"ALPR hotlist {alert.match_kind}: {alert.plate}",
            Message=json.dumps(message),
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": alert.reason.value},
                "priority": {"DataType": "String", "StringValue": alert.priority},
                "match": {"DataType": "String", "StringValue": alert.match_kind},
            },
        )


def _place(alert: Alert) -> str:
    if alert.latitude is None or alert.longitude is None:
        return f"camera {alert.camera_id}"
    return f"{alert.latitude:.5f},{alert.longitude:.5f} (camera {alert.camera_id})"
