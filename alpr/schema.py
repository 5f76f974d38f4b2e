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
    # What the index holds besides the keys (the table's and its own): None is every attribute (ALL); a tuple is
    # INCLUDE with those attributes (KEYS_ONLY when empty). Each projected copy is stored and written again on
    # every change of the item, so an index projects only what its queries filter on when its callers fetch
    # the items by key anyway.
    projection: tuple[str, ...] | None = None

    @property
    def projects_all(self) -> bool:
        return self.projection is None

    def non_key_attributes(self, table_keys: tuple[str, ...]) -> tuple[str, ...]:
        """The INCLUDE list: the projection less every key attribute (DynamoDB projects those itself)."""
        keys = {*table_keys, self.partition.name, *([self.sort.name] if self.sort else [])}
        return tuple(a for a in (self.projection or ()) if a not in keys)


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

    def key_names(self) -> tuple[str, ...]:
        return (self.partition.name, *([self.sort.name] if self.sort else []))

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

# The attributes a plate search filters on before it fetches a read (alpr.repositories.search ``_filter``).
SEARCH_FILTERED: tuple[str, ...] = (TTL_ATTRIBUTE, "captured_at", "camera_id", "source")

READS = Table(
    "reads",
    partition=Key("read_id"),
    indexes=(
        # Exact-plate lookups touch one partition.
        Index("by_plate", Key("plate"), Key("captured_at")),
        Index("by_camera", Key("camera_id"), Key("captured_at")),
        Index("by_frame", Key("frame_id"), Key("read_id")),
        # Sparse: only reads under an evidence hold carry held_by_case.
        Index("by_hold", Key("held_by_case"), Key("captured_at")),
        # Search indexes (alpr.domain.search): one per plate position, keyed by the three characters there
        # and sorted by the rest of the plate, so a partial plate with three known characters in a row reads
        # only the reads it returns; and one by (source, capture day) for time windows.
        # These seven serve only the search (alpr.repositories.search), which filters on SEARCH_FILTERED and then
        # fetches the reads it keeps by key: they project just that (issue 13, finding 14). by_plate, by_camera,
        # by_frame and by_hold keep ALL: their callers (match, holds, purge, sightings, the audit sample) use the
        # whole read, and a fetch by key after each of those queries would cost a read per item instead.
        Index("by_window", Key("window_bucket"), Key("captured_at"), projection=SEARCH_FILTERED),
        *(Index(f"by_gram{p}", Key(f"gram{p}"), Key(f"gram{p}_tail"), projection=SEARCH_FILTERED) for p in range(6)),
    ),
    ttl_attribute=TTL_ATTRIBUTE,
    stream=True,
)

# Manual hotlist entries (full plates and partial patterns). Never deleted: deactivated, with every change
# kept in HOTLIST_CHANGES. No TTL: an entry's expiry ends its matching, not its record.
HOTLIST = Table(
    "hotlist",
    partition=Key("entry_id"),
    indexes=(Index("by_value", Key("value"), Key("entered_at")),),
)

HOTLIST_CHANGES = Table(
    "hotlist-changes",
    partition=Key("entry_id"),
    sort=Key("change_id"),
    append_only=True,
)

# One item per imported list version (its report), plus the pointer item (HOTLIST_POINTER_KEY) naming the
# snapshots in force, which every match container re-reads every few seconds.
HOTLIST_VERSIONS = Table(
    "hotlist-versions",
    partition=Key("list_name"),
    sort=Key("version"),
)
HOTLIST_POINTER_KEY = {"list_name": "#pointer", "version": "#current"}


def hotlist_uploads_partition(list_name: str) -> str:
    """HOTLIST_VERSIONS partition of a list's upload tickets (one item per presigned upload, sort key its id)."""
    return f"#uploads/{list_name}"


# Alerts silenced for one entry, per member or for everyone ("*"); high-priority entries cannot be muted.
ALERT_MUTES = Table(
    "alert-mutes",
    partition=Key("member_id"),
    sort=Key("entry_id"),
)

ALERTS = Table(
    "alerts",
    partition=Key("alert_id"),
    indexes=(
        Index("by_plate", Key("plate"), Key("created_at")),
        Index("by_entry", Key("entry_id"), Key("created_at")),
    ),
    ttl_attribute=TTL_ATTRIBUTE,
)

ACCESS_LOG = Table(
    "access-log",
    partition=Key("day"),
    sort=Key("record_id"),
    indexes=(Index("by_member", Key("member_id"), Key("at")),),
    append_only=True,
)

# Evidence holds (policy 418.5): one item per hold; what it covers and whether it is still in force.
HOLDS = Table(
    "holds",
    partition=Key("hold_id"),
    indexes=(Index("by_status", Key("status"), Key("requested_at")),),
)

# Who requested, placed, released or booked a hold, and when: never changed once written.
HOLD_EVENTS = Table(
    "hold-events",
    partition=Key("hold_id"),
    sort=Key("event_id"),
    append_only=True,
)

# One report per purge run (and per segment of a fanned-out run), newest last in the sort key.
PURGE_REPORTS = Table(
    "purge-reports",
    partition=Key("kind"),
    sort=Key("report_id"),
)

# Outside agencies the department may share with (policy 418.7). Keyed by ORI; every change is kept in
# AGENCY_CHANGES, which is insert-only.
AGENCIES = Table("agencies", partition=Key("ori"))
AGENCY_CHANGES = Table("agency-changes", partition=Key("ori"), sort=Key("change_id"), append_only=True)

# Requests for ALPR data from outside agencies (418.7(a)-(c)): approved and denied requests are retained on
# file with no expiry, so this table has no TTL attribute.
SHARE_REQUESTS = Table(
    "share-requests",
    partition=Key("request_id"),
    indexes=(
        Index("by_status", Key("status"), Key("filed_at")),
        Index("by_agency", Key("ori"), Key("filed_at")),
    ),
)

# One item per vehicle read delivered to NCRIC (418.5): its acknowledgement, or the attempts so far. It
# expires with the read it describes.
NCRIC_DELIVERIES = Table(
    "ncric-deliveries",
    partition=Key("read_id"),
    indexes=(Index("by_status", Key("status"), Key("updated_at")),),
    ttl_attribute=TTL_ATTRIBUTE,
)

# Completion of department-approved training (policy 418.4(d)), kept by administrators.
TRAINING = Table("training", partition=Key("member_id"))

TABLES: tuple[Table, ...] = (
    CAMERAS,
    FRAMES,
    READS,
    HOTLIST,
    ALERTS,
    ACCESS_LOG,
    HOTLIST_CHANGES,
    HOTLIST_VERSIONS,
    ALERT_MUTES,
    HOLDS,
    HOLD_EVENTS,
    PURGE_REPORTS,
    AGENCIES,
    AGENCY_CHANGES,
    SHARE_REQUESTS,
    NCRIC_DELIVERIES,
    TRAINING,
)

# Several frames of one passing car, read as one plate (alpr.domain.sightings). ``plate`` is the
# frames' consensus; each read carries its ``sighting_id``.
SIGHTINGS = Table(
    "sightings",
    partition=Key("sighting_id"),
    indexes=(
        Index("by_plate", Key("plate"), Key("first_seen")),
        # Open sightings of a camera: the latest ones are the only ones a new read can join.
        Index("by_camera", Key("camera_id"), Key("last_seen")),
    ),
    ttl_attribute=TTL_ATTRIBUTE,
)
TABLES += (SIGHTINGS,)

# The head of each day's hash chain of access records: {seq, hash} of the last record appended that day.
# An append moves the head and puts the record in one transaction (alpr.repositories.access).
ACCESS_CHAIN_HEADS = Table("access-chain-heads", partition=Key("day"))

# Quarterly audits (policy 418.6.1): drafts are edited here; a finalized audit points at its locked copy
# under BucketLayout.audits.
AUDITS = Table("audits", partition=Key("audit_id"), indexes=(Index("by_quarter", Key("quarter"), Key("created_at")),))

# Administration records (418.3.1(e), 418.6): designations of the ALPR administrator, camera changes and
# error reports to NCRIC. ``kind`` partitions them; never changed once written.
ADMIN_LOG = Table("admin-log", partition=Key("kind"), sort=Key("record_id"), append_only=True)
TABLES += (ACCESS_CHAIN_HEADS, AUDITS, ADMIN_LOG)

# Powertools idempotency records (functions.ocr): which S3 object versions were already read, so a duplicated
# S3 event does no work twice. Processing state only: the stored result carries no plate text.
IDEMPOTENCY = Table("idempotency", partition=Key("id"), ttl_attribute=TTL_ATTRIBUTE)
TABLES += (IDEMPOTENCY,)

# Historical hotlist searches (issue 4, point 4): one job per entry added or extended, run from a queue. The job
# keeps its progress (where the scan of the reads stopped, reads scanned, hits) so a redelivered or continued
# message resumes instead of starting over, and an officer sees the search's status and counts.
HISTORICAL_SEARCHES = Table(
    "historical-searches",
    partition=Key("job_id"),
    indexes=(Index("by_entry", Key("entry_id"), Key("queued_at")),),
)
TABLES += (HISTORICAL_SEARCHES,)

# Camera health (policy 418.3.1(c), how the system is monitored): one item per camera with its last heartbeat
# (agent version, spool depth, last error) and its last accepted frame. Operational state, no plate data.
CAMERA_HEALTH = Table("camera-health", partition=Key("camera_id"))
TABLES += (CAMERA_HEALTH,)
# A camera that has sent neither a heartbeat nor a frame for longer than its expected interval is "silent".
DEFAULT_CAMERA_EXPECTED_INTERVAL_S = 900
# The CloudWatch metric the scheduled health check publishes (count of silent cameras) and its alarm watches.
CAMERA_HEALTH_METRIC = "SilentCameras"


@dataclass(frozen=True)
class BucketLayout:
    """Prefixes inside the images bucket. Keys encode source/camera/date so lifecycle rules can act per class."""

    frames: str = "frames/"
    # Large frames land here through a presigned upload and are checked before they become frames.
    uploads: str = "uploads/"
    evidence: str = "evidence/"
    hotlists: str = "hotlists/"
    # Administrators drop list files here: hotlists/incoming/<list name>/<file>.csv
    hotlist_incoming: str = "hotlists/incoming/"
    hotlist_snapshots: str = "hotlists/snapshots/"
    hotlist_reports: str = "hotlists/reports/"
    # Lists administrators upload through the API's presigned POST: hotlists/uploads/<list name>/<upload id>
    hotlist_uploads: str = "hotlists/uploads/"
    # Finalized quarterly audits and annual-bundle manifests, under Object Lock compliance retention.
    audits: str = "audits/"
    # One seal per day of the access-record chain, also under compliance retention (alpr.services.access_seals).
    access_seals: str = "audits/access-seals/"
    # Where Lambda writes a stream event source mapping's on-failure records when its destination is this bucket:
    # aws/lambda/<mapping UUID>/<shard id>/yyyy/mm/dd/<time>-<uuid>, each with the whole failed batch (AWS Lambda
    # Developer Guide, "Retaining discarded records for a DynamoDB event source": "For Amazon S3 destinations,
    # Lambda also sends the entire invocation record along with the metadata"). The prefix is Lambda's, not ours.
    stream_failures: str = "aws/lambda/"

    def frame_key(self, source: str, camera_id: str, date_path: str, frame_id: str, extension: str) -> str:
        return f"{self.frames}{source}/{camera_id}/{date_path}/{frame_id}.{extension}"

    def upload_key(self, camera_id: str, frame_id: str) -> str:
        return f"{self.uploads}{camera_id}/{frame_id}"

    def hotlist_upload_key(self, list_name: str, upload_id: str) -> str:
        return f"{self.hotlist_uploads}{list_name}/{upload_id}"


IMAGES_BUCKET_LOGICAL = "images"
BUCKET = BucketLayout()


class Env(StrEnum):
    """The environment variables a function reads (``alpr.config.Settings``, one field each; Powertools reads its
    own), set by the CDK stack and the local stack. Declared once, here, next to the functions that read them;
    which function is deployed with which is declared here too (``function_environment``). Those no function is
    deployed with keep their defaults (``Settings``) unless an operator sets them."""

    PREFIX = "ALPR_PREFIX"
    IMAGES_BUCKET = "ALPR_IMAGES_BUCKET"
    ALERTS_TOPIC_ARN = "ALPR_ALERTS_TOPIC_ARN"
    TIME_ZONE = "ALPR_TIME_ZONE"
    USER_POOL_ID = "ALPR_USER_POOL_ID"
    USER_POOL_CLIENT_ID = "ALPR_USER_POOL_CLIENT_ID"
    JWKS_URL = "ALPR_JWKS_URL"
    # The purge function's name: a hold released past its date hands its reads to it.
    PURGE_FUNCTION = "ALPR_PURGE_FUNCTION"
    TRANSPARENCY_CACHE_S = "ALPR_TRANSPARENCY_CACHE_S"
    AUDIT_RETENTION_DAYS = "ALPR_AUDIT_RETENTION_DAYS"
    AUDIT_SAMPLE_SIZE = "ALPR_AUDIT_SAMPLE_SIZE"
    HOTLIST_REFRESH_S = "ALPR_HOTLIST_REFRESH_S"
    HOTLIST_SNAPSHOTS_KEPT = "ALPR_HOTLIST_SNAPSHOTS_KEPT"
    HISTORICAL_SEARCH_PAGE_SIZE = "ALPR_HISTORICAL_SEARCH_PAGE_SIZE"
    NCRIC_RETRY_BASE_S = "ALPR_NCRIC_RETRY_BASE_S"
    NCRIC_DESTINATION_MAX_AGE_S = "ALPR_NCRIC_DESTINATION_MAX_AGE_S"
    PURGE_READS_PER_SEGMENT = "ALPR_PURGE_READS_PER_SEGMENT"
    PURGE_PAGE_SIZE = "ALPR_PURGE_PAGE_SIZE"
    PURGE_PAGES_PER_INVOCATION = "ALPR_PURGE_PAGES_PER_INVOCATION"
    # Powertools reads these itself.
    POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
    POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
    POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"


def retention_days_env(source: SourceClass) -> str:
    """The variable that shortens one source class's retention (``ALPR_RETENTION_DAYS_FIXED``, ...): a policy
    may only shorten it (alpr.domain.retention)."""
    return f"ALPR_RETENTION_DAYS_{source.value.upper()}"


class OperatorEnv(StrEnum):
    """The variables read on an operator's or an installer's machine: the command line, the local stack, the
    edge agent and the reader's tuning. No function is deployed with them (tests/unit/test_env_names.py)."""

    # A fixed "now" for a command: a test and demo device, honoured against the local stack only.
    CLOCK = "ALPR_CLOCK"
    # Who a CLI command acts as (alpr/cli/common.py): one identity source for every command.
    MEMBER = "ALPR_MEMBER"
    MEMBER_NAME = "ALPR_MEMBER_NAME"
    ROLES = "ALPR_ROLES"
    # The local stack's state folder (alpr/local/state_file.py).
    LOCAL_STATE = "ALPR_LOCAL_STATE"
    # The edge agent's spool folder and camera key (alpr/agent/).
    AGENT_SPOOL = "ALPR_AGENT_SPOOL"
    CAMERA_KEY = "ALPR_CAMERA_KEY"
    # The plate reader's threads and its second-opinion threshold (alpr/ocr/reader.py).
    OCR_THREADS = "ALPR_OCR_THREADS"
    OCR_SECOND_OPINION_BELOW = "ALPR_OCR_SECOND_OPINION_BELOW"


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: where its handler lives and what it may touch."""

    name: str
    handler: str
    memory_mb: int = 512
    timeout_s: int = 30
    # Fixed values of settings for this function alone.
    environment: dict[Env, str] = field(default_factory=dict)
    # Variables the CDK stack sets for this function alone, from resources it creates (infra/core/functions.py
    # Functions.provide), beside those every function gets (EVERY_FUNCTION_ENV).
    needs: frozenset[Env] = frozenset()
    # Invoked asynchronously (schedules, events): failed invocations go to a dead-letter queue.
    invoked_async: bool = False
    # Concurrency kept for this function alone, so a burst elsewhere (OCR) cannot starve it (cameras uploading,
    # staff searching). AWS keeps at least 100 of the account's limit unreserved (Lambda Developer Guide,
    # "Configuring reserved concurrency").
    reserved_concurrency: int | None = None


INGEST_FUNCTION = FunctionSpec(
    "ingest", "functions.ingest.handler.handler", memory_mb=512, timeout_s=15, reserved_concurrency=50
)
INGEST_UPLOADS_FUNCTION = FunctionSpec(
    "ingest-uploads", "functions.ingest.uploads.handler", memory_mb=512, timeout_s=60
)
OCR_FUNCTION = FunctionSpec("ocr", "functions.ocr.handler.handler", memory_mb=2048, timeout_s=120)
MATCH_FUNCTION = FunctionSpec("match", "functions.match.handler.handler", memory_mb=512, timeout_s=30)
PURGE_FUNCTION = FunctionSpec(
    "purge", "functions.purge.handler.handler", memory_mb=1024, timeout_s=900, invoked_async=True
)
SHARE_FUNCTION = FunctionSpec("share", "functions.share.handler.handler", memory_mb=512, timeout_s=29)
NCRIC_DELIVER_FUNCTION = FunctionSpec("ncric-deliver", "functions.share.forwarder.deliver", memory_mb=512, timeout_s=60)
HOTLIST_IMPORT_FUNCTION = FunctionSpec(
    "hotlist-import", "functions.hotlist.importer.handler", memory_mb=1536, timeout_s=300
)
HOTLIST_API_FUNCTION = FunctionSpec("hotlist-api", "functions.hotlist.api.handler", memory_mb=1024, timeout_s=29)
# Pages through the reads still in retention for one entry; hands over to a new message before it times out.
HOTLIST_SEARCH_FUNCTION = FunctionSpec(
    "hotlist-search", "functions.hotlist.search.handler", memory_mb=1024, timeout_s=300
)
# Evidence holds and the compliance report, for administrators and the records custodian.
RETENTION_API_FUNCTION = FunctionSpec(
    "retention-api",
    "functions.retention.handler.handler",
    memory_mb=512,
    timeout_s=60,
    # A hold released past its date hands its reads to the purge function.
    needs=frozenset({Env.PURGE_FUNCTION}),
)
SEARCH_FUNCTION = FunctionSpec(
    "search",
    "functions.search.handler.handler",
    memory_mb=1024,
    timeout_s=29,
    reserved_concurrency=20,
    # Staff login: the pool and its app client (the tokens' audience).
    needs=frozenset({Env.USER_POOL_ID, Env.USER_POOL_CLIENT_ID}),
)
# Quarterly audits, annual bundles and access-chain verification, for auditors (418.6.1).
AUDIT_API_FUNCTION = FunctionSpec("audit-api", "functions.audit.handler.handler", memory_mb=1024, timeout_s=29)
# ALPR administration (418.3.1(e), 418.4(d), 418.6): designee, cameras, members' training, error reports.
ADMIN_API_FUNCTION = FunctionSpec(
    "admin-api",
    "functions.admin.handler.handler",
    memory_mb=512,
    timeout_s=29,
    # Members are the pool's role groups.
    needs=frozenset({Env.USER_POOL_ID}),
)
# The public transparency summary (418.3.1(g)): no login, no plate data, read-only.
TRANSPARENCY_FUNCTION = FunctionSpec(
    "transparency",
    "functions.audit.public.handler",
    memory_mb=512,
    timeout_s=29,
    # A warm container answers from its copy for 15 minutes: the page needs no login, so no caller can
    # make every request scan the tables.
    environment={Env.TRANSPARENCY_CACHE_S: "900"},
)
# Camera health (418.3.1(c)): every few minutes, counts the cameras silent past their expected interval and
# publishes CAMERA_HEALTH_METRIC, which the SilentCameras alarm watches (infra/guardrails/observability.py).
CAMERA_HEALTH_FUNCTION = FunctionSpec(
    "camera-health", "functions.cameras.health.handler", memory_mb=256, timeout_s=60, invoked_async=True
)
CAMERA_HEALTH_EVERY_MINUTES = 5

# Seals each finished day of the access-record chain under Object Lock (alpr/services/access_seals.py), daily.
ACCESS_SEALER_FUNCTION = FunctionSpec(
    "access-sealer", "functions.audit.sealer.handler", memory_mb=256, timeout_s=300, invoked_async=True
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    INGEST_FUNCTION,
    INGEST_UPLOADS_FUNCTION,
    OCR_FUNCTION,
    MATCH_FUNCTION,
    PURGE_FUNCTION,
    SHARE_FUNCTION,
    NCRIC_DELIVER_FUNCTION,
    HOTLIST_IMPORT_FUNCTION,
    HOTLIST_API_FUNCTION,
    HOTLIST_SEARCH_FUNCTION,
    RETENTION_API_FUNCTION,
    SEARCH_FUNCTION,
    AUDIT_API_FUNCTION,
    ADMIN_API_FUNCTION,
    TRANSPARENCY_FUNCTION,
    ACCESS_SEALER_FUNCTION,
    CAMERA_HEALTH_FUNCTION,
)

# What every function is deployed with: where its data is, the department's time zone and Powertools' settings.
EVERY_FUNCTION_ENV: frozenset[Env] = frozenset(
    {
        Env.PREFIX,
        Env.IMAGES_BUCKET,
        Env.ALERTS_TOPIC_ARN,
        Env.TIME_ZONE,
        Env.POWERTOOLS_SERVICE_NAME,
        Env.POWERTOOLS_METRICS_NAMESPACE,
        Env.POWERTOOLS_LOG_LEVEL,
    }
)


def function_environment(spec: FunctionSpec) -> frozenset[Env]:
    """The variables the CDK stack deploys a function with: every function's, its own fixed values and what it
    needs of the resources the stack creates (tests/infra/test_template.py holds the template to this)."""
    return EVERY_FUNCTION_ENV | spec.needs | frozenset(spec.environment)


# AWS: "set the source queue's visibility timeout to at least six times the timeout that you configure on your
# function" (Lambda Developer Guide, "Creating and configuring an Amazon SQS event source mapping"): the extra
# time lets Lambda retry a batch while the function is throttled, before the message counts as received again.
SQS_VISIBILITY_PER_FUNCTION_TIMEOUT = 6


@dataclass(frozen=True)
class Queue:
    logical_name: str
    # The function its event source mapping invokes; None for queues nothing polls (failure queues).
    consumer: FunctionSpec | None = None
    # After this many failed deliveries a message moves to the dead-letter queue.
    max_receive_count: int = 3
    # At most this many concurrent invocations of the consumer (the event source's maximum concurrency, 2 to
    # 1000): a burst on one queue cannot take the account's concurrency from ingest and search.
    max_concurrency: int = 5

    @property
    def visibility_timeout_s(self) -> int:
        if self.consumer is None:
            return 120
        return SQS_VISIBILITY_PER_FUNCTION_TIMEOUT * self.consumer.timeout_s

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}"

    def dead_letter_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}-dlq"


# S3 ObjectCreated notifications for new frames feed the OCR function through this queue.
FRAME_EVENTS_QUEUE = Queue("frame-events", consumer=OCR_FUNCTION, max_concurrency=20)
# Presigned uploads land in the uploads/ prefix and are checked through this queue.
UPLOAD_EVENTS_QUEUE = Queue("upload-events", consumer=INGEST_UPLOADS_FUNCTION)
# Reads-stream records a function gave up on: S3 announces each on-failure record Lambda writes under
# BUCKET.stream_failures (kept STREAM_FAILURE_DAYS, the records with it) to this queue, which alarms on depth;
# `alpr dead-letters` lists them and `--replay <this queue>` runs the records through their function again.
STREAM_FAILURES_QUEUE = Queue("stream-failures")
# The stream keeps a record 24 hours; a failed one is kept this long, with its data, to be replayed.
STREAM_FAILURE_DAYS = 14
# Hotlist files dropped into hotlists/incoming/ are imported through this queue.
HOTLIST_EVENTS_QUEUE = Queue("hotlist-events", consumer=HOTLIST_IMPORT_FUNCTION, max_receive_count=2)
# Vehicle reads on their way to NCRIC (418.5): one message per read id; a read that cannot be delivered
# after max_receive_count tries waits in the dead-letter queue for `alpr ncric replay`.
NCRIC_FORWARD_QUEUE = Queue("ncric-forward", consumer=NCRIC_DELIVER_FUNCTION, max_receive_count=6)
# One message per historical search job ({"job_id": ...}); a job that runs out of time sends itself again.
HISTORICAL_SEARCH_QUEUE = Queue("historical-searches", consumer=HOTLIST_SEARCH_FUNCTION, max_receive_count=3)
# A purge run's fan-out: one message per parallel-scan segment, and one per continuation of a segment that
# ran out of its invocation's time.
PURGE_WORK_QUEUE = Queue("purge-work", consumer=PURGE_FUNCTION, max_receive_count=3)
QUEUES: tuple[Queue, ...] = (
    FRAME_EVENTS_QUEUE,
    UPLOAD_EVENTS_QUEUE,
    STREAM_FAILURES_QUEUE,
    HOTLIST_EVENTS_QUEUE,
    NCRIC_FORWARD_QUEUE,
    HISTORICAL_SEARCH_QUEUE,
    PURGE_WORK_QUEUE,
)

# The daily purge schedule's EventBridge dead-letter queue (events it could not deliver to the purge function).
PURGE_SCHEDULE_DLQ_LOGICAL = "purge-schedule-dlq"


def invocation_dlq_name(spec: FunctionSpec, prefix: str) -> str:
    """Where Lambda puts an asynchronous invocation of ``spec`` that failed every retry."""
    return f"{prefix}-{spec.name}-invocation-dlq"


def failure_queues(prefix: str) -> dict[str, str | None]:
    """Every queue a failure is parked in, by name, with the queue its messages go back to on a replay (None:
    nothing to send them back to; they are listed to act on by hand). ``alpr dead-letters`` reads this."""
    out: dict[str, str | None] = {q.dead_letter_name(prefix): q.physical_name(prefix) for q in QUEUES}
    out[STREAM_FAILURES_QUEUE.physical_name(prefix)] = None
    out[f"{prefix}-{PURGE_SCHEDULE_DLQ_LOGICAL}"] = None
    for spec in FUNCTIONS:
        if spec.invoked_async:
            out[invocation_dlq_name(spec, prefix)] = None
    return out


# Which bucket prefix notifies which queue on ObjectCreated.
BUCKET_NOTIFICATIONS: tuple[tuple[str, Queue], ...] = (
    (BUCKET.frames, FRAME_EVENTS_QUEUE),
    (BUCKET.uploads, UPLOAD_EVENTS_QUEUE),
    (BUCKET.hotlist_incoming, HOTLIST_EVENTS_QUEUE),
    (BUCKET.hotlist_uploads, HOTLIST_EVENTS_QUEUE),
    (BUCKET.stream_failures, STREAM_FAILURES_QUEUE),
)

ALERTS_TOPIC_LOGICAL = "alerts"


def ncric_destination_parameter(prefix: str) -> str:
    """SSM parameter holding where vehicle reads go (JSON: {"kind": "https", "url": ...} or
    {"kind": "s3", "bucket": ..., "prefix": ...}), so the department changes it without a deploy."""
    return f"/{prefix}/ncric/destination"


def ncric_credential_secret(prefix: str) -> str:
    """Secrets Manager secret holding what NCRIC's HTTPS endpoint authenticates us by: {"header": ..., "value": ...}
    or a bare bearer token. Deployed empty ("{}"); until it is set, HTTPS deliveries wait and nothing is sent."""
    return f"{prefix}/ncric/https-credential"


class SourceClass(StrEnum):
    """Where a camera's data comes from; it decides retention and sharing (policy 418.5, 418.7)."""

    VEHICLE = "vehicle"  # vehicle-mounted cameras, data forwarded to NCRIC
    FIXED = "fixed"  # Flock fixed cameras
    AXON = "axon"  # Axon Fleet in-car cameras


class CaptureClock(StrEnum):
    """Which clock stamped a frame's capture time at the camera box (alpr/agent/sources.py); the agent reports
    the last one and how many frames only its own clock could stamp, so a records custodian knows how far a
    read's time can be trusted."""

    EXIF = "exif"  # the camera's own EXIF time, with its offset
    STREAM = "stream"  # the stream's presentation time, anchored to the box's clock when the stream began
    FILE = "file"  # a video file's timeline
    BOX = "box"  # the box's clock when the frame arrived: the frame carried no clock of its own


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

# Point-in-time recovery keeps a table restorable to any second of this many days (1 to 35, default 35:
# DynamoDB Developer Guide, "Point-in-time recovery"), so a purged read stays restorable this long after the
# purge. Kept short so a "deleted in 30 calendar days" read is not restorable for another 35; the compliance report
# and the transparency page state it.
BACKUP_RECOVERY_DAYS = 7


class Role(StrEnum):
    """Cognito groups; a member's role decides what the page and the API let them do."""

    OFFICER = "officer"
    ADMINISTRATOR = "administrator"
    CAPTAIN = "captain"
    AUDITOR = "auditor"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.OFFICER: "Search ALPR data, view reads and images, request holds",
    Role.ADMINISTRATOR: "Manage cameras, hotlists, users, training records and holds",
    Role.CAPTAIN: "Bureau of Services Captain or designee: approves sharing requests",
    Role.AUDITOR: "Reads access records and runs audits; no plate search",
}


@dataclass(frozen=True)
class UserPoolSpec:
    """The staff login (Cognito): password, then an authenticator app (TOTP), required in AWS and locally."""

    logical_name: str = "staff"
    min_password_length: int = 14
    client_name: str = "staff-page"
    # Page sessions are short: a patrol car laptop left open does not stay logged in for a shift.
    id_token_minutes: int = 60
    # How long an administrator's temporary password works for the member's first login.
    temporary_password_days: int = 3
    # How long each login step's Cognito session lasts (the app client's AuthSessionValidity, 3 to 15
    # minutes; the default 3 is short for installing an authenticator app on a first login).
    auth_session_minutes: int = 10
    # The name an authenticator app shows beside the member's codes (the otpauth:// URI's issuer).
    authenticator_issuer: str = "San Leandro PD ALPR"

    @property
    def password_rules(self) -> str:
        """The pool's password policy in words, for the page and for a refused new password."""
        return (
            f"a password needs at least {self.min_password_length} characters, with an upper-case letter, "
            "a lower-case letter, a digit and a symbol"
        )

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}"


USER_POOL = UserPoolSpec()


# API Gateway refuses bodies over 10 MB and Lambda sync payloads over 6 MB once base64-encoded, so
# frames above this size use the presigned-upload flow.
MAX_DIRECT_FRAME_BYTES = 4 * 1024 * 1024
MAX_PRESIGNED_FRAME_BYTES = 25 * 1024 * 1024
PRESIGNED_URL_TTL_S = 300

# AWS WAF's core rule set (AWSManagedRulesCommonRuleSet, on every web ACL: infra/security.web_acl) blocks request
# bodies over 8 KB with its SizeRestrictions_BODY rule ("Inspects for request bodies that are over 8 KB (8,192
# bytes)", https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
WAF_COMMON_RULES_MAX_BODY_BYTES = 8192
# A hotlist sent in the body of POST /v1/hotlists/<list>/imports must pass that rule; anything larger goes
# through a presigned S3 upload (POST /v1/hotlists/<list>/uploads), which no web ACL sees.
MAX_DIRECT_HOTLIST_IMPORT_BYTES = WAF_COMMON_RULES_MAX_BODY_BYTES
# The presigned POST's content-length-range: a statewide list is ~50 MB; S3 refuses a larger body.
MAX_HOTLIST_UPLOAD_BYTES = 64 * 1024 * 1024
# The page's browser POSTs the file straight to the images bucket: a cross-origin request, which the bucket's CORS
# rule allows (POST only) from the staff page's origin. The page is served by CloudFront (a *.cloudfront.net name
# unless a department domain is given as context ``page_origin``); S3 allows one * in an AllowedOrigin
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html).
DEFAULT_PAGE_ORIGIN = "https://*.cloudfront.net"


# Request bodies the ingest API passes to its function as base64 (API Gateway's binaryMediaTypes): without an
# entry, a Lambda proxy integration treats the body as UTF-8 text and a JPEG inside it is mangled ("Binary media
# types for REST APIs", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html).
# multipart/form-data is how IP cameras push an event's JPEG (alpr.domain.camera_push).
INGEST_BINARY_MEDIA_TYPES = ("image/*", "application/octet-stream", "multipart/form-data")


def is_binary_media_type(content_type: str | None, media_types: tuple[str, ...] = INGEST_BINARY_MEDIA_TYPES) -> bool:
    """Matches a Content-Type against binaryMediaTypes entries as API Gateway does (``type/*`` wildcards)."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return any(
        mime == entry or (entry.endswith("/*") and mime.startswith(entry[:-1])) or entry == "*/*"
        for entry in media_types
    )
