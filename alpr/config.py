"""Runtime settings, read from the environment that the CDK stack or the local stack sets."""

from __future__ import annotations

import os
from dataclasses import dataclass

from alpr import schema


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

    def table_name(self, table: schema.Table) -> str:
        return table.physical_name(self.prefix)

    @classmethod
    def from_env(cls) -> Settings:
        prefix = os.environ.get("ALPR_PREFIX", "alpr")
        return cls(
            prefix=prefix,
            images_bucket=os.environ.get("ALPR_IMAGES_BUCKET", f"{prefix}-{schema.IMAGES_BUCKET_LOGICAL}"),
            alerts_topic_arn=os.environ.get("ALPR_ALERTS_TOPIC_ARN", ""),
            time_zone=os.environ.get("ALPR_TIME_ZONE", schema.DEPARTMENT_TIME_ZONE),
            frame_events_queue_url=os.environ.get("ALPR_FRAME_EVENTS_QUEUE_URL", ""),
            hotlist_refresh_s=float(os.environ.get("ALPR_HOTLIST_REFRESH_S", "30")),
            ncric_retry_base_s=float(os.environ.get("ALPR_NCRIC_RETRY_BASE_S", "30")),
            ncric_destination_max_age_s=int(os.environ.get("ALPR_NCRIC_DESTINATION_MAX_AGE_S", "300")),
            hotlist_snapshots_kept=int(os.environ.get("ALPR_HOTLIST_SNAPSHOTS_KEPT", "3")),
            historical_search_page_size=int(os.environ.get("ALPR_HISTORICAL_SEARCH_PAGE_SIZE", "1000")),
            purge_reads_per_segment=int(os.environ.get("ALPR_PURGE_READS_PER_SEGMENT", "200000")),
            purge_page_size=int(os.environ.get("ALPR_PURGE_PAGE_SIZE", "0")),
            purge_pages_per_invocation=int(os.environ.get("ALPR_PURGE_PAGES_PER_INVOCATION", "0")),
        )
