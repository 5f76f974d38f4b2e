"""The deployed platform, built from the same definitions (``alpr.schema``) as the local stack."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from alpr import schema
from infra import observability, security
from infra.admin import add_administration
from infra.api_stage import logged_stage
from infra.audit import add_audits
from infra.bundling import REPO_ROOT, light_function_code
from infra.hotlist import wire_hotlists
from infra.log_groups import encrypted_log_group
from infra.retention import add_retention
from infra.search import add_staff_search
from infra.share import wire_sharing
from infra.sightings import add_sightings

DOCKER_EXCLUDES = [
    ".git",
    ".venv",
    "cdk.out",
    "node_modules",
    "tests",
    ".alpr-local",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".benchmarks",
    "training",
    "*.egg-info",
]


class AlprStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str = "alpr", **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
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
        self.tables = {t.logical_name: self._table(t) for t in schema.TABLES}
        self.queues = {q.logical_name: self._queue(q) for q in schema.QUEUES}
        self.alerts_topic = sns.Topic(
            self,
            "AlertsTopic",
            topic_name=f"{prefix}-{schema.ALERTS_TOPIC_LOGICAL}",
            master_key=self.queue_key,
            enforce_ssl=True,
        )
        self.functions = self._functions()
        self._wire_events()
        self._grant()
        wire_hotlists(self)
        add_sightings(self)
        add_retention(self)
        self.sharing = wire_sharing(self)
        self.ingest_api = self._ingest_api()
        add_staff_search(self)
        add_audits(self)
        add_administration(self)
        observability.monitor(self)
        # Keep last: it covers every bucket, table, function and API stage created above.
        security.harden(self)

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
            _camel(table.logical_name) + "Table",
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
        return construct

    def _queue(self, queue: schema.Queue) -> sqs.Queue:
        name = _camel(queue.logical_name)
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

    # --- functions ---------------------------------------------------------------------------------------

    def _functions(self) -> dict[str, lambda_.Function]:
        environment = {
            "ALPR_PREFIX": self.prefix,
            "ALPR_IMAGES_BUCKET": self.images.bucket_name,
            "ALPR_ALERTS_TOPIC_ARN": self.alerts_topic.topic_arn,
            "ALPR_TIME_ZONE": schema.DEPARTMENT_TIME_ZONE,
            "POWERTOOLS_METRICS_NAMESPACE": "ALPR",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        light_code = light_function_code()
        functions: dict[str, lambda_.Function] = {}
        for spec in schema.FUNCTIONS:
            common: dict[str, Any] = {
                "function_name": f"{self.prefix}-{spec.name}",
                "memory_size": spec.memory_mb,
                "timeout": cdk.Duration.seconds(spec.timeout_s),
                "environment": {**environment, "POWERTOOLS_SERVICE_NAME": spec.name, **spec.environment},
                "architecture": lambda_.Architecture.X86_64,
                "tracing": lambda_.Tracing.ACTIVE,
                "log_group": encrypted_log_group(self, f"{_camel(spec.name)}Logs"),
            }
            if spec.invoked_async:
                common["dead_letter_queue"] = sqs.Queue(
                    self,
                    f"{_camel(spec.name)}InvocationDlq",
                    queue_name=f"{self.prefix}-{spec.name}-invocation-dlq",
                    encryption=sqs.QueueEncryption.KMS,
                    encryption_master_key=self.queue_key,
                    enforce_ssl=True,
                    retention_period=cdk.Duration.days(14),
                )
            if spec.name == "ocr":
                # OpenCV, ONNX Runtime and the PP-OCR models are over the 250 MB zip limit: a container image.
                functions[spec.name] = lambda_.DockerImageFunction(
                    self,
                    "OcrFunction",
                    code=lambda_.DockerImageCode.from_image_asset(
                        str(REPO_ROOT),
                        file="functions/ocr/Dockerfile",
                        exclude=DOCKER_EXCLUDES,
                    ),
                    **common,
                )
            else:
                functions[spec.name] = lambda_.Function(
                    self,
                    f"{_camel(spec.name)}Function",
                    runtime=lambda_.Runtime.PYTHON_3_12,
                    handler=spec.handler,
                    code=light_code,
                    **common,
                )
        return functions

    def _wire_events(self) -> None:
        frame_events = self.queues[schema.FRAME_EVENTS_QUEUE.logical_name]
        upload_events = self.queues[schema.UPLOAD_EVENTS_QUEUE.logical_name]
        self.images.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(frame_events),
            s3.NotificationKeyFilter(prefix=schema.BUCKET.frames),
        )
        self.images.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(upload_events),
            s3.NotificationKeyFilter(prefix=schema.BUCKET.uploads),
        )
        self.functions["ocr"].add_event_source(
            sources.SqsEventSource(frame_events, batch_size=5, report_batch_item_failures=True)
        )
        self.functions["ingest-uploads"].add_event_source(
            sources.SqsEventSource(upload_events, batch_size=5, report_batch_item_failures=True)
        )
        self.functions["match"].add_event_source(
            sources.DynamoEventSource(
                self.tables[schema.READS.logical_name],
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                bisect_batch_on_error=True,
                retry_attempts=3,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(self.queues[schema.STREAM_FAILURES_QUEUE.logical_name]),
                filters=[
                    lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.is_equal("INSERT")}),
                    # A read joining a sighting: its consensus is matched too (other changes never reach match).
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("MODIFY"),
                            "dynamodb": {"NewImage": {"sighting_id": {"S": lambda_.FilterRule.exists()}}},
                        }
                    ),
                ],
            )
        )
        purge_failures = sqs.Queue(
            self,
            "PurgeScheduleDlq",
            queue_name=f"{self.prefix}-purge-schedule-dlq",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key,
            enforce_ssl=True,
        )
        security.acknowledge(
            purge_failures,
            "AwsSolutions::AwsSolutions-SQS3",
            "it is itself a dead-letter queue (of the purge schedule's EventBridge target), which SQS3 cannot see",
        )
        events.Rule(
            self,
            "DailyPurge",
            schedule=events.Schedule.cron(minute="15", hour="8"),  # 00:15 Pacific standard time
            targets=[
                targets.LambdaFunction(self.functions["purge"], dead_letter_queue=purge_failures, retry_attempts=2)
            ],
        )

    def _grant(self) -> None:
        t, fn, images = self.tables, self.functions, self.images
        frames_objects = images.arn_for_objects(f"{schema.BUCKET.frames}*")
        uploads_objects = images.arn_for_objects(f"{schema.BUCKET.uploads}*")

        def allow(function: str, actions: list[str], resources: list[str]) -> None:
            fn[function].add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))

        def table_actions(function: str, table: schema.Table, actions: list[str]) -> None:
            construct = t[table.logical_name]
            allow(function, [f"dynamodb:{a}" for a in actions], [construct.table_arn, f"{construct.table_arn}/index/*"])

        for name in ("ingest", "ingest-uploads"):
            table_actions(name, schema.CAMERAS, ["GetItem"])
            table_actions(name, schema.FRAMES, ["GetItem", "PutItem"])
            allow(name, ["s3:PutObject", "s3:GetObject"], [frames_objects])
        allow("ingest", ["s3:PutObject"], [uploads_objects])
        allow("ingest-uploads", ["s3:GetObject", "s3:DeleteObject"], [uploads_objects])

        allow("ocr", ["s3:GetObject"], [frames_objects])
        table_actions("ocr", schema.FRAMES, ["GetItem", "PutItem", "UpdateItem"])
        table_actions("ocr", schema.READS, ["PutItem"])
        table_actions("ocr", schema.IDEMPOTENCY, ["GetItem", "PutItem", "UpdateItem", "DeleteItem"])

        table_actions("match", schema.HOTLIST, ["GetItem"])
        table_actions("match", schema.ALERTS, ["GetItem", "PutItem"])
        allow("match", ["s3:GetObject"], [frames_objects])  # signs the short-lived image link in the alert
        self.alerts_topic.grant_publish(fn["match"])

        table_actions("purge", schema.READS, ["Query", "Scan", "GetItem", "UpdateItem", "DeleteItem"])
        table_actions("purge", schema.FRAMES, ["GetItem", "DeleteItem", "Scan"])
        table_actions("purge", schema.ALERTS, ["Query", "Scan", "DeleteItem"])
        allow("purge", ["s3:ListBucketVersions"], [images.bucket_arn])
        allow("purge", ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObjectLegalHold"], [frames_objects])

        table_actions("share", schema.READS, ["GetItem", "Query"])
        allow("share", ["s3:GetObject"], [frames_objects])

        # The queue key needs no blanket grant: the event sources, the stream's on-failure queue and the
        # topic grant their consumers and publishers exactly the key use they need.
        for function in fn.values():
            self.data_key.grant_encrypt_decrypt(function)

    def _ingest_api(self) -> apigw.RestApi:
        api = apigw.RestApi(
            self,
            "IngestApi",
            rest_api_name=f"{self.prefix}-ingest",
            binary_media_types=["image/*", "application/octet-stream"],
            deploy_options=logged_stage(self, "IngestApi", rate=200, burst=400),
            cloud_watch_role=True,
        )
        integration = apigw.LambdaIntegration(self.functions["ingest"])
        # Refused at the gateway when missing; the ingest function checks the values.
        camera_headers = {f"method.request.header.{h}": True for h in ("X-Camera-Id", "X-Camera-Key")}
        frames = api.root.add_resource("v1").add_resource("frames")
        methods = [
            frames.add_method("POST", integration, request_parameters=camera_headers),
            frames.add_resource("uploads").add_method("POST", integration, request_parameters=camera_headers),
        ]
        for method in methods:
            for rule in ("AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4"):
                security.acknowledge(
                    method,
                    rule,
                    "cameras, not people, call it: each sends its id and key, checked against a salted hash by ingest",
                )
        return api


_ATTRIBUTE_TYPES = {"S": "STRING", "N": "NUMBER", "B": "BINARY"}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
