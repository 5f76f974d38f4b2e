"""The one definition of the platform's data.

Table names, keys, indexes, TTL attributes, bucket prefixes, queues, topics, retention classes and
role names live here and nowhere else. The CDK stack (``infra/``), the local embedded stack
(``alpr.local``) and the tests all build their resources from these objects, so the three can
never describe the same table differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

KeyType = Literal["S", "N", "B"]

# Every expiring item carries the same TTL attribute, an epoch-seconds number as DynamoDB requires.
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class Index:
    name: str
    partition: Key
    sort: Key | None = None


@dataclass(frozen=True)
class Table:
    """A DynamoDB table. ``logical_name`` is the suffix of the deployed name (``<prefix>-<logical>``)."""

    logical_name: str
    partition: Key
    sort: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream: bool = False
    # Records that must never be changed once written (access records) are insert-only in IAM.
    append_only: bool = False

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}"

    def key_attributes(self) -> dict[str, KeyType]:
        """Every attribute that a key schema of the table or one of its indexes names."""
        keys = [self.partition, self.sort]
        for index in self.indexes:
            keys += [index.partition, index.sort]
        return {k.name: k.type for k in keys if k is not None}

    def index(self, name: str) -> Index:
        for index in self.indexes:
            if index.name == name:
                return index
        raise KeyError(name)


CAMERAS = Table("cameras", partition=Key("camera_id"))

# The frame ledger: one item per uploaded frame, whose status says where it ended up.
FRAMES = Table(
    "frames",
    partition=Key("frame_id"),
    indexes=(Index("by_status", Key("status"), Key("received_at")),),
    ttl_attribute=TTL_ATTRIBUTE,
)

READS = Table(
    "reads",
    partition=Key("read_id"),
    indexes=(
        # Exact-plate lookups touch one partition.
        Index("by_plate", Key("plate"), Key("captured_at")),
        Index("by_camera", Key("camera_id"), Key("captured_at")),
        Index("by_frame", Key("frame_id"), Key("read_id")),
    ),
    ttl_attribute=TTL_ATTRIBUTE,
    stream=True,
)

HOTLIST = Table(
    "hotlist",
    partition=Key("plate"),
    sort=Key("entry_id"),
)

ALERTS = Table(
    "alerts",
    partition=Key("alert_id"),
    indexes=(Index("by_plate", Key("plate"), Key("created_at")),),
    ttl_attribute=TTL_ATTRIBUTE,
)

ACCESS_LOG = Table(
    "access-log",
    partition=Key("day"),
    sort=Key("record_id"),
    indexes=(Index("by_member", Key("member_id"), Key("at")),),
    append_only=True,
)

# Powertools idempotency records (functions.ocr): which S3 object versions were already read, so a duplicated
# S3 event does no work twice. Processing state only: the stored result carries no plate text.
IDEMPOTENCY = Table("idempotency", partition=Key("id"), ttl_attribute=TTL_ATTRIBUTE)

TABLES: tuple[Table, ...] = (CAMERAS, FRAMES, READS, HOTLIST, ALERTS, ACCESS_LOG, IDEMPOTENCY)


@dataclass(frozen=True)
class BucketLayout:
    """Prefixes inside the images bucket. Keys encode source/camera/date so lifecycle rules can act per class."""

    frames: str = "frames/"
    # Large frames land here through a presigned upload and are checked before they become frames.
    uploads: str = "uploads/"
    evidence: str = "evidence/"
    hotlists: str = "hotlists/"

    def frame_key(self, source: str, camera_id: str, date_path: str, frame_id: str, extension: str) -> str:
        return f"{self.frames}{source}/{camera_id}/{date_path}/{frame_id}.{extension}"

    def upload_key(self, camera_id: str, frame_id: str) -> str:
        return f"{self.uploads}{camera_id}/{frame_id}"


IMAGES_BUCKET_LOGICAL = "images"
BUCKET = BucketLayout()


@dataclass(frozen=True)
class Queue:
    logical_name: str
    # After this many failed deliveries a message moves to the dead-letter queue.
    max_receive_count: int = 3
    visibility_timeout_s: int = 120

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}"

    def dead_letter_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}-dlq"


# S3 ObjectCreated notifications for new frames feed the OCR function through this queue.
FRAME_EVENTS_QUEUE = Queue("frame-events", visibility_timeout_s=180)
# Presigned uploads land in the uploads/ prefix and are checked through this queue.
UPLOAD_EVENTS_QUEUE = Queue("upload-events")
# Reads-stream batches the match function gave up on, kept to list and replay.
STREAM_FAILURES_QUEUE = Queue("stream-failures")
QUEUES: tuple[Queue, ...] = (FRAME_EVENTS_QUEUE, UPLOAD_EVENTS_QUEUE, STREAM_FAILURES_QUEUE)

ALERTS_TOPIC_LOGICAL = "alerts"


class SourceClass(StrEnum):
    """Where a camera's data comes from; it decides retention and sharing (policy 418.5, 418.7)."""

    VEHICLE = "vehicle"  # vehicle-mounted cameras, data forwarded to NCRIC
    FIXED = "fixed"  # Flock fixed cameras
    AXON = "axon"  # Axon Fleet in-car cameras


@dataclass(frozen=True)
class RetentionClass:
    source: SourceClass
    # The item is gone at the start (department local time) of capture date + purge_after_days.
    # The capture date counts as day 1, so 365 means "purged on the 366th day".
    purge_after_days: int
    policy_words: str
    forwarded_to_ncric: bool = False
    shareable: bool = True


RETENTION: dict[SourceClass, RetentionClass] = {
    SourceClass.VEHICLE: RetentionClass(
        SourceClass.VEHICLE,
        purge_after_days=365,
        policy_words="stored for one year ... purged on the 366th day (418.5)",
        forwarded_to_ncric=True,
    ),
    SourceClass.FIXED: RetentionClass(
        SourceClass.FIXED,
        purge_after_days=30,
        policy_words="deleted in 30 calendar days (418.5)",
    ),
    SourceClass.AXON: RetentionClass(
        SourceClass.AXON,
        purge_after_days=30,
        policy_words="aligned with Flock retention; cannot be shared (418.109)",
        shareable=False,
    ),
}

DEPARTMENT_TIME_ZONE = "America/Los_Angeles"


class Role(StrEnum):
    """Cognito groups; a member's role decides what the page and the API let them do."""

    OFFICER = "officer"
    ADMINISTRATOR = "administrator"
    CAPTAIN = "captain"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: where its handler lives and what it may touch."""

    name: str
    handler: str
    memory_mb: int = 512
    timeout_s: int = 30
    environment: dict[str, str] = field(default_factory=dict)


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("ingest", "functions.ingest.handler.handler", memory_mb=512, timeout_s=15),
    FunctionSpec("ingest-uploads", "functions.ingest.uploads.handler", memory_mb=512, timeout_s=60),
    FunctionSpec("ocr", "functions.ocr.handler.handler", memory_mb=2048, timeout_s=120),
    FunctionSpec("match", "functions.match.handler.handler", memory_mb=512, timeout_s=30),
    FunctionSpec("purge", "functions.purge.handler.handler", memory_mb=1024, timeout_s=900),
    FunctionSpec("share", "functions.share.handler.handler", memory_mb=512, timeout_s=60),
)

# API Gateway refuses bodies over 10 MB and Lambda sync payloads over 6 MB once base64-encoded, so
# frames above this size use the presigned-upload flow.
MAX_DIRECT_FRAME_BYTES = 4 * 1024 * 1024
MAX_PRESIGNED_FRAME_BYTES = 25 * 1024 * 1024
PRESIGNED_URL_TTL_S = 300
