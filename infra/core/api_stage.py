"""The one stage configuration every REST API uses: throttled, traced, access-logged to an encrypted group."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from infra.guardrails.log_groups import encrypted_log_group


def logged_stage(scope: Construct, api_id: str, rate: int, burst: int, log_user: bool = False) -> apigw.StageOptions:
    """``log_user`` adds the Cognito user to each access-log line, for APIs behind the staff sign-in."""
    api_logs = encrypted_log_group(scope, f"{api_id}Logs")
    return apigw.StageOptions(
        stage_name="v1",
        throttling_rate_limit=rate,
        throttling_burst_limit=burst,
        access_log_destination=apigw.LogGroupLogDestination(api_logs),
        access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
            caller=False,
            http_method=True,
            ip=True,
            protocol=True,
            request_time=True,
            resource_path=True,
            response_length=True,
            status=True,
            user=log_user,
        ),
        tracing_enabled=True,
        logging_level=apigw.MethodLoggingLevel.ERROR,
    )
