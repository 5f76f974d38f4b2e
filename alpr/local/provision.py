"""Creates every resource from the shared definitions in ``alpr.schema`` against any AWS endpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from alpr import schema
from alpr.config import Settings


@dataclass
class Provisioned:
    queue_urls: dict[str, str] = field(default_factory=dict)
    dead_letter_urls: dict[str, str] = field(default_factory=dict)
    stream_arns: dict[str, str] = field(default_factory=dict)
    alerts_subscriber_url: str = ""
    user_pool_id: str = ""
    user_pool_client_id: str = ""


def _attribute_definitions(table: schema.Table) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": t} for n, t in table.key_attributes().items()]


def _projection(index: schema.Index, table_keys: tuple[str, ...]) -> dict[str, Any]:
    """As infra/core/data.py declares it: ALL, INCLUDE with the index's attributes, or KEYS_ONLY."""
    if index.projects_all:
        return {"ProjectionType": "ALL"}
    included = list(index.non_key_attributes(table_keys))
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": included} if included else {"ProjectionType": "KEYS_ONLY"}


def _key_schema(partition: schema.Key, sort: schema.Key | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        keys.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return keys


def create_table(dynamodb: Any, table: schema.Table, name: str) -> str | None:
    """Returns the stream ARN when the table has a stream."""
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": _attribute_definitions(table),
        "KeySchema": _key_schema(table.partition, table.sort),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition, index.sort),
                "Projection": _projection(index, table.key_names()),
            }
            for index in table.indexes
        ]
    if table.stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    description = dynamodb.create_table(**kwargs)["TableDescription"]
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    return description.get("LatestStreamArn")


def create_queue(sqs: Any, queue: schema.Queue, prefix: str, visibility_timeout_s: int) -> tuple[str, str]:
    dlq_url = sqs.create_queue(QueueName=queue.dead_letter_name(prefix))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=queue.physical_name(prefix),
        Attributes={
            "VisibilityTimeout": str(visibility_timeout_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}),
        },
    )["QueueUrl"]
    return url, dlq_url


def provision(session: Any, settings: Settings, visibility_timeout_s: int | None = None) -> Provisioned:
    """Tables with TTL and streams, the Object Lock bucket with its notifications, queues and the topic."""
    out = Provisioned()
    dynamodb = session.client("dynamodb")
    for table in schema.TABLES:
        stream = create_table(dynamodb, table, settings.table_name(table))
        if stream:
            out.stream_arns[table.logical_name] = stream

    sqs = session.client("sqs")
    for queue in schema.QUEUES:
        timeout = queue.visibility_timeout_s if visibility_timeout_s is None else visibility_timeout_s
        url, dlq = create_queue(sqs, queue, settings.prefix, timeout)
        out.queue_urls[queue.logical_name] = url
        out.dead_letter_urls[queue.logical_name] = dlq

    s3 = session.client("s3")
    s3.create_bucket(
        Bucket=settings.images_bucket,
        ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": session.region_name},
    )
    s3.put_bucket_versioning(Bucket=settings.images_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=settings.images_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )

    def queue_arn(logical: str) -> str:
        attrs = sqs.get_queue_attributes(QueueUrl=out.queue_urls[logical], AttributeNames=["QueueArn"])
        return attrs["Attributes"]["QueueArn"]

    s3.put_bucket_notification_configuration(
        Bucket=settings.images_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn(queue.logical_name),
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
                }
                for prefix, queue in schema.BUCKET_NOTIFICATIONS
            ]
        },
    )

    sns = session.client("sns")
    topic_arn = sns.create_topic(Name=f"{settings.prefix}-{schema.ALERTS_TOPIC_LOGICAL}")["TopicArn"]
    if topic_arn != settings.alerts_topic_arn:
        raise RuntimeError(f"alerts topic is {topic_arn}, settings say {settings.alerts_topic_arn}")
    # Stands in for the dispatch system that subscribes to alerts in AWS.
    out.alerts_subscriber_url = sqs.create_queue(QueueName=f"{settings.prefix}-alerts-subscriber")["QueueUrl"]
    sub_arn = sqs.get_queue_attributes(QueueUrl=out.alerts_subscriber_url, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=sub_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    out.user_pool_id, out.user_pool_client_id = create_user_pool(session.client("cognito-idp"), settings.prefix)
    return out


def create_user_pool(cognito: Any, prefix: str) -> tuple[str, str]:
    """The staff login as the CDK stack builds it: authenticator app (TOTP) required, temporary passwords."""
    spec = schema.USER_POOL
    pool_id = cognito.create_user_pool(
        PoolName=spec.physical_name(prefix),
        Policies={
            "PasswordPolicy": {
                "MinimumLength": spec.min_password_length,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": spec.temporary_password_days,
            }
        },
        MfaConfiguration="OFF",
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True, "Required": False}],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=spec.client_name,
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["name"],
        AuthSessionValidity=spec.auth_session_minutes,
    )["UserPoolClient"]["ClientId"]
    # As CloudFormation does for the pool's MfaConfiguration ON with EnabledMfas [SOFTWARE_TOKEN_MFA]: the
    # pool is created, then its MFA set (SetUserPoolMfaConfig), which moto needs to ask for MFA_SETUP.
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    for role, description in schema.ROLE_DESCRIPTIONS.items():
        cognito.create_group(UserPoolId=pool_id, GroupName=role.value, Description=description)
    return pool_id, client_id
