"""CloudWatch Logs for every function, API stage and the trail: one customer-managed key, one retention setting.

Log lines carry correlation ids, camera ids and request metadata, so they are encrypted like the data at rest
(418.6): with a rotating customer-managed key whose policy lets CloudWatch Logs in this account and region use
it for this account's log groups only. Retention comes from the context value ``log_retention_days``
(default 365), and every group is kept when the stack is deleted.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

LOG_RETENTION_CONTEXT = "log_retention_days"
DEFAULT_LOG_RETENTION_DAYS = 365
# The values CloudWatch Logs accepts for RetentionInDays.
ALLOWED_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                          2922, 3288, 3653)  # fmt: skip
KEY_ID = "LogsKey"


def log_retention_days(scope: Construct) -> int:
    raw = scope.node.try_get_context(LOG_RETENTION_CONTEXT)
    days = DEFAULT_LOG_RETENTION_DAYS if raw is None else int(raw)
    if days not in ALLOWED_RETENTION_DAYS:
        raise ValueError(
            f"context {LOG_RETENTION_CONTEXT}={days} is not a retention CloudWatch Logs offers; "
            f"choose one of {', '.join(map(str, ALLOWED_RETENTION_DAYS))}"
        )
    return days


def logs_key(scope: Construct) -> kms.Key:
    """The stack's one key for log groups, created on first use."""
    stack = cdk.Stack.of(scope)
    existing = stack.node.try_find_child(KEY_ID)
    if isinstance(existing, kms.Key):
        return existing
    key = kms.Key(
        stack,
        KEY_ID,
        enable_key_rotation=True,
        description="ALPR CloudWatch log groups (functions, API access logs, trail)",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsForThisAccountsLogGroups",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        )
    )
    return key


def encrypted_log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    group = logs.LogGroup(
        scope,
        construct_id,
        encryption_key=logs_key(scope),
        retention=logs.RetentionDays.INFINITE,  # replaced just below by the one setting
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    cfn: logs.CfnLogGroup = group.node.default_child  # type: ignore[assignment]
    cfn.retention_in_days = log_retention_days(scope)
    return group


def cover_framework_functions(stack: cdk.Stack) -> None:
    """Functions CDK adds on its own (S3 notification and deployment helpers) log to an encrypted group too."""
    for resource in stack.node.find_all():
        if not (isinstance(resource, cdk.CfnResource) and resource.cfn_resource_type == "AWS::Lambda::Function"):
            continue
        if isinstance(resource, lambda_.CfnFunction) and resource.logging_config is not None:
            continue
        # A plain CfnResource (the notifications handler) is CDK's own, written without a LoggingConfig.
        group = encrypted_log_group(resource.node.scope or stack, "EncryptedLogs")  # type: ignore[arg-type]
        resource.add_property_override("LoggingConfig", {"LogGroup": group.log_group_name})
