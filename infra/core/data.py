"""The data plane, built from ``alpr.schema``: the keys, the access-log and images buckets, every table, every
queue with its dead-letter queue, and the alerts topic."""

from __future__ import annotations

import aws_cdk as cdk
import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from alpr import schema
from infra.core.grants import allow, allow_table
from infra.core.removal import KEEP

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

# Every queue keeps a message as long as SQS allows (14 days, the maximum MessageRetentionPeriod: Amazon SQS
# Developer Guide, "Amazon SQS message quotas"): a failure is there to list and replay for two weeks, and a
# backlog survives a long outage. The default, 4 days, loses a failure set aside on a Friday of a long weekend.
QUEUE_RETENTION = cdk.Duration.days(14)

# ``-c table_deletion_protection=true`` turns DynamoDB deletion protection on for every table. Off by default:
# CloudFormation cannot delete a protected table, so a failed first create would leave every table behind and
# the next deploy would stop at "already exists" (the aws-cdk integration test for the property has to switch
# protection off before it can delete its stack, aws/aws-cdk#24581). Turn it on once the stack is up (README).
TABLE_DELETION_PROTECTION_CONTEXT = "table_deletion_protection"


def camel(name: str) -> str:
    """``hotlist-api`` -> ``HotlistApi``: construct ids derived from schema names."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


class DataPlane(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.prefix = prefix
        self._stream_failures_announced = False
        self._protect_tables = str(self.node.try_get_context(TABLE_DELETION_PROTECTION_CONTEXT)).lower() == "true"
        self.data_key = kms.Key(
            self,
            "DataKey",
            enable_key_rotation=True,
            description="ALPR reads, images and records at rest",
            removal_policy=KEEP,
        )
        # Queues get their own key: S3 notifications need the queue key's policy to name the bucket, and the
        # bucket already depends on the data key.
        self.queue_key = kms.Key(
            self,
            "QueueKey",
            enable_key_rotation=True,
            description="ALPR event queues and alert topic",
        )
        # EventBridge puts an event its target refused into the target's dead-letter queue itself, so the key of
        # an encrypted DLQ must let events.amazonaws.com generate and decrypt data keys (Amazon SQS Developer
        # Guide, "Configuring AWS KMS permissions": AWS services that send to an encrypted queue need them in the
        # key policy). Scoped to this account's rules; the rule's ARN would make the key depend on the rule.
        self.queue_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeDeadLetters",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
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

    def grant_access_gate(self, function: lambda_.IFunction) -> None:
        """Every function whose routes pass the access gate (functions/rest.py ``gate_every_route``): it looks up
        the caller's training record (policy 418.4(d)) and records every call, allowed or refused."""
        self.grant_access_records(function)
        allow_table(function, self.table(schema.TRAINING), ["GetItem"], indexes=False)

    def stream_failure_destination(self) -> lambda_.IEventSourceDlq:
        """The on-failure destination of every stream event source mapping: the images bucket, so Lambda keeps the
        failed batch itself (an SQS or SNS destination gets only its shard and sequence numbers, and the stream
        forgets the records after 24 hours); S3 announces each one to the stream-failures queue."""
        if not self._stream_failures_announced:
            self.images.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.SqsDestination(self.queue(schema.STREAM_FAILURES_QUEUE)),
                s3.NotificationKeyFilter(prefix=schema.BUCKET.stream_failures),
            )
            self._stream_failures_announced = True
        return _StreamFailureObjects(self.images)

    def grant_hotlist_snapshots(self, function: lambda_.IFunction) -> None:
        """A function that matches plates against the lists in force (alpr.services.match ``MatcherCache``): the
        pointer names the snapshots, read from their bucket (match's alerts, search's hotlist badge)."""
        allow_table(function, self.table(schema.HOTLIST_VERSIONS), ["GetItem"])
        allow(function, ["s3:GetObject"], [self.objects(schema.BUCKET.hotlist_snapshots)])

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
            removal_policy=KEEP,
        )

    def _images_bucket(self) -> s3.Bucket:
        # No lifecycle rule expires a current version under frames/ (or evidence/): S3's Expiration adds a delete
        # marker to a versioned object whatever its Object Lock legal hold, and the held frame is then 404 by key
        # (Amazon S3 User Guide, "Expiring objects"; Object Lock protects versions, not keys). The purge deletes
        # frames, skipping held ones; the alarm on a purge that did not run is the backstop. Lifecycle only
        # removes what the purge's deletes leave: noncurrent versions (never a locked one) and lone delete
        # markers.
        rules = [
            s3.LifecycleRule(
                id="frames-noncurrent-versions",
                prefix=schema.BUCKET.frames,
                noncurrent_version_expiration=cdk.Duration.days(1),
                expired_object_delete_marker=True,
            ),
            # Failed stream records, with their data, for STREAM_FAILURE_DAYS (then gone: they hold plates).
            s3.LifecycleRule(
                id="stream-failures",
                prefix=schema.BUCKET.stream_failures,
                expiration=cdk.Duration.days(schema.STREAM_FAILURE_DAYS),
                noncurrent_version_expiration=cdk.Duration.days(1),
            ),
            s3.LifecycleRule(
                id="abandoned-uploads",
                prefix=schema.BUCKET.uploads,
                expiration=cdk.Duration.days(2),
                noncurrent_version_expiration=cdk.Duration.days(1),
            ),
        ]
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
            lifecycle_rules=rules,
            removal_policy=KEEP,
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
                point_in_time_recovery_enabled=True, recovery_period_in_days=schema.BACKUP_RECOVERY_DAYS
            ),
            time_to_live_attribute=table.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if table.stream else None,
            deletion_protection=self._protect_tables,
            removal_policy=KEEP,
        )
        for index in table.indexes:
            construct.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.partition),
                sort_key=attribute(index.sort) if index.sort else None,
                projection_type=(
                    dynamodb.ProjectionType.ALL
                    if index.projects_all
                    else dynamodb.ProjectionType.INCLUDE
                    if index.non_key_attributes(table.key_names())
                    else dynamodb.ProjectionType.KEYS_ONLY
                ),
                non_key_attributes=list(index.non_key_attributes(table.key_names())) or None,
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
            retention_period=QUEUE_RETENTION,
        )
        return sqs.Queue(
            self,
            f"{name}Queue",
            queue_name=queue.physical_name(self.prefix),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key,
            enforce_ssl=True,
            retention_period=QUEUE_RETENTION,
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


def schedule_dead_letters(scope: Construct, construct_id: str, data: DataPlane, name: str, what: str) -> sqs.Queue:
    """The dead-letter queue of a scheduled EventBridge target: kept 14 days like every failure queue, on the queue
    key (whose policy lets EventBridge use it)."""
    from infra.guardrails.nag import acknowledge

    queue = sqs.Queue(
        scope,
        construct_id,
        queue_name=f"{data.prefix}-{name}",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=data.queue_key,
        enforce_ssl=True,
        retention_period=QUEUE_RETENTION,
    )
    acknowledge(
        queue,
        "AwsSolutions::AwsSolutions-SQS3",
        f"it is itself a dead-letter queue (of {what}'s EventBridge target), which SQS3 cannot see",
    )
    return queue


@jsii.implements(lambda_.IEventSourceDlq)
class _StreamFailureObjects:
    """Like CDK's ``S3OnFailureDestination``, which grants the function read and write on the whole bucket; this
    grants only what Lambda needs to write the record (s3:PutObject, s3:ListBucket: AWS Lambda Developer Guide,
    "Retaining discarded records for a DynamoDB event source", execution role permissions for an S3 destination)
    on Lambda's own prefix. The bucket key (KMS) is every function's already."""

    def __init__(self, bucket: s3.IBucket) -> None:
        self._bucket = bucket

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        allow(target_handler, ["s3:PutObject"], [self._bucket.arn_for_objects(f"{schema.BUCKET.stream_failures}*")])
        allow(target_handler, ["s3:ListBucket"], [self._bucket.bucket_arn])
        return lambda_.DlqDestinationConfig(destination=self._bucket.bucket_arn)
