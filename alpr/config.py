"""Runtime settings: the one model of what a function reads from its environment (set by the CDK stack or the
local stack). The variables' names are declared once, in ``alpr.schema.Env``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from alpr import schema
from alpr.schema import Env


@dataclass(frozen=True)
class Settings:
    prefix: str
    images_bucket: str
    alerts_topic_arn: str
    time_zone: str
    frame_events_queue_url: str = ""
    # How often a match container re-reads the hotlist pointer to notice a new list version.
    hotlist_refresh_s: float = 30.0
    # NCRIC forwarding: the first retry waits this long, each later one twice as long (capped).
    ncric_retry_base_s: float = 30.0
    # How long a function keeps the NCRIC destination it read from SSM before reading it again.
    ncric_destination_max_age_s: int = 300
    # Hotlist snapshots kept besides the one in force, for a rollback; older ones are deleted after a swap.
    hotlist_snapshots_kept: int = 3
    # Reads per page of a historical hotlist search (one progress write per page).
    historical_search_page_size: int = 1000
    # Purge fan-out: reads planned per parallel-scan segment (one invocation chain each), the scan's page
    # size (0: DynamoDB's 1 MB pages) and pages per invocation before it hands the rest on (0: until the
    # time budget runs out). Small values make the fan-out testable locally.
    purge_reads_per_segment: int = 200_000
    purge_page_size: int = 0
    purge_pages_per_invocation: int = 0
    # The purge function's name, where holds hand released reads to it (AWS); empty: purge in-process (local).
    purge_function: str = ""
    # Audits: Object Lock retention of a finalized audit (None: the service's default) and the sample size.
    audit_retention_days: int | None = None
    audit_sample_size: int = 5
    # How long a warm transparency container answers from its copy.
    transparency_cache_s: float = 0.0

    def table_name(self, table: schema.Table) -> str:
        return table.physical_name(self.prefix)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: Env, default: str) -> str:
            return env.get(name.value) or default

        prefix = get(Env.PREFIX, "alpr")
        retention = env.get(Env.AUDIT_RETENTION_DAYS.value)
        return cls(
            prefix=prefix,
            images_bucket=get(Env.IMAGES_BUCKET, f"{prefix}-{schema.IMAGES_BUCKET_LOGICAL}"),
            alerts_topic_arn=get(Env.ALERTS_TOPIC_ARN, ""),
            time_zone=get(Env.TIME_ZONE, schema.DEPARTMENT_TIME_ZONE),
            frame_events_queue_url=get(Env.FRAME_EVENTS_QUEUE_URL, ""),
            hotlist_refresh_s=float(get(Env.HOTLIST_REFRESH_S, "30")),
            ncric_retry_base_s=float(get(Env.NCRIC_RETRY_BASE_S, "30")),
            ncric_destination_max_age_s=int(get(Env.NCRIC_DESTINATION_MAX_AGE_S, "300")),
            hotlist_snapshots_kept=int(get(Env.HOTLIST_SNAPSHOTS_KEPT, "3")),
            historical_search_page_size=int(get(Env.HISTORICAL_SEARCH_PAGE_SIZE, "1000")),
            purge_reads_per_segment=int(get(Env.PURGE_READS_PER_SEGMENT, "200000")),
            purge_page_size=int(get(Env.PURGE_PAGE_SIZE, "0")),
            purge_pages_per_invocation=int(get(Env.PURGE_PAGES_PER_INVOCATION, "0")),
            purge_function=get(Env.PURGE_FUNCTION, ""),
            audit_retention_days=int(retention) if retention else None,
            audit_sample_size=int(get(Env.AUDIT_SAMPLE_SIZE, "5")),
            transparency_cache_s=float(get(Env.TRANSPARENCY_CACHE_S, "0")),
        )
