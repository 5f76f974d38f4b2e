"""The data plane, built from ``alpr.schema``: the keys, the access-log and images buckets, every table, every
queue with its dead-letter queue, and the alerts topic."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from alpr import schema
from infra.core.grants import allow_table

# Actions that would change or remove a record of an append-only table (access records, change logs) once
# written: the table's resource policy denies them to every principal.
APPEND_ONLY_FORBIDDEN_ACTIONS = (
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
    "dynamodb:RestoreTableToPointInTime",
    "dynamodb:ImportTable",
)

_ATTRIBUTE_TYPES = {"S": "STRING", "N": "NUMBER", "B": "BINARY"}


def camel(name: str) -> str:
    """``hotlist-api`` -> ``HotlistApi``: construct ids derived from schema names."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


class DataPlane(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.prefix = prefix
        self.data_key = kms.Key(
            self,
            "DataKey",
            enable_key_rotation=True,
            description="ALPR reads, images and records at rest",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # Queues get their own key: S3 notifications need the queue key's policy to name the bucket, and the
        # bucket already depends on the data key.
        self.queue_key = kms.Key(
            self,
            "QueueKey",
            enable_key_rotation=True,
            description="ALPR event queues and alert topic",
        )
        self.access_logs = self._access_log_bucket()
        self.images = self._images_bucket()
        self._tables = {t.logical_name: self._table(t) for t in schema.TABLES}
        self._queues = {q.logical_name: self._queue(q) for q in schema.QUEUES}
        self.alerts_topic = sns.Topic(
            self,
            "AlertsTopic",
            topic_name=f"{prefix}-{schema.ALERTS_TOPIC_LOGICAL}",
            master_key=self.queue_key,
            enforce_ssl=True,
        )

    # --- lookups -----------------------------------------------------------------------------------------

    def table(self, table: schema.Table) -> dynamodb.Table:
        return self._tables[table.logical_name]

    @property
    def tables(self) -> list[dynamodb.Table]:
        return list(self._tables.values())

    def queue(self, queue: schema.Queue) -> sqs.Queue:
        return self._queues[queue.logical_name]

    def dead_letters(self, queue: schema.Queue) -> sqs.IQueue:
        redrive = self.queue(queue).dead_letter_queue
        assert redrive is not None
        return redrive.queue

    def objects(self, prefix: str) -> str:
        """The ARN pattern of every object under one area (``schema.BUCKET``) of the images bucket."""
        return self.images.arn_for_objects(f"{prefix}*")

    def grant_access_records(self, function: lambda_.IFunction) -> None:
        """A function that records accesses appends to the log and moves that day's chain head in the same
        transaction (alpr.repositories.access): it needs both, and nothing that changes a record."""
        allow_table(function, self.table(schema.ACCESS_LOG), ["PutItem"])
        allow_table(function, self.table(schema.ACCESS_CHAIN_HEADS), ["GetItem", "UpdateItem"])

    # --- storage -----------------------------------------------------------------------------------------

    def _access_log_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _images_bucket(self) -> s3.Bucket:
        # Backstop lifecycle per class: purge deletes on time; this catches anything it missed, a day late.
        # Versions under an Object Lock legal hold are never removed by lifecycle.
        backstops = [
            s3.LifecycleRule(
                id=f"backstop-{rule.source.value}",
                prefix=f"{schema.BUCKET.frames}{rule.source.value}/",
                expiration=cdk.Duration.days(rule.purge_after_days + 1),
                noncurrent_version_expiration=cdk.Duration.days(1),
            )
            for rule in schema.RETENTION.values()
        ]
        backstops.append(
            s3.LifecycleRule(
                id="abandoned-uploads",
                prefix=schema.BUCKET.uploads,
                expiration=cdk.Duration.days(2),
                noncurrent_version_expiration=cdk.Duration.days(1),
            )
        )
        return s3.Bucket(
            self,
            "Images",
            object_lock_enabled=True,
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.data_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="images/",
            lifecycle_rules=backstops,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _table(self, table: schema.Table) -> dynamodb.Table:
        def attribute(key: schema.Key) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=key.name, type=dynamodb.AttributeType(_ATTRIBUTE_TYPES[key.type]))

        construct = dynamodb.Table(
            self,
            camel(table.logical_name) + "Table",
            table_name=table.physical_name(self.prefix),
            partition_key=attribute(table.partition),
            sort_key=attribute(table.sort) if table.sort else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.data_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=table.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if table.stream else None,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in table.indexes:
            construct.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.partition),
                sort_key=attribute(index.sort) if index.sort else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        if table.append_only:
            _deny_changes(construct)
        return construct

    def _queue(self, queue: schema.Queue) -> sqs.Queue:
        name = camel(queue.logical_name)
        dead_letters = sqs.Queue(
            self,
            f"{name}Dlq",
            queue_name=queue.dead_letter_name(self.prefix),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        return sqs.Queue(
            self,
            f"{name}Queue",
            queue_name=queue.physical_name(self.prefix),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key,
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(queue.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=queue.max_receive_count),
        )


def _deny_changes(table: dynamodb.Table) -> None:
    """Records that must never change once written: the table's own policy denies every changing action to
    every principal, whatever an identity policy grants."""
    cfn = table.node.default_child
    assert isinstance(cfn, dynamodb.CfnTable)
    cfn.resource_policy = dynamodb.CfnTable.ResourcePolicyProperty(
        policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccessRecordsAreAppendOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": list(APPEND_ONLY_FORBIDDEN_ACTIONS),
                    "Resource": "*",
                }
            ],
        }
    )
