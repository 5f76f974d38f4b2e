"""``alpr bench purge``: N expired reads (with images, ledger entries, some alerts) purged on an embedded AWS,
timed, and extrapolated to a full table in 15-minute Lambda invocations."""

from __future__ import annotations

import math
import time
from typing import Any

# One Lambda invocation may run 15 minutes; a segment plans for this much work and keeps the rest as margin.
LAMBDA_BUDGET_S = 15 * 60 - 120


def project_fan_out(items_per_s: float, target: int, reads_per_segment: int) -> dict[str, Any]:
    """How a run over ``target`` expired reads splits at the measured rate: one segment per
    ``reads_per_segment`` reads (the scheduled invocation queues one message each, all run side by side),
    each segment a chain of invocations of ``LAMBDA_BUDGET_S`` that queue the rest of their segment."""
    from alpr.services.purge import plan_segments

    per_invocation = int(items_per_s * LAMBDA_BUDGET_S)
    segments = plan_segments(target, reads_per_segment)
    per_segment = math.ceil(target / segments)
    chain = math.ceil(per_segment / max(1, per_invocation))
    return {
        "target_items": target,
        "invocation_budget_s": LAMBDA_BUDGET_S,
        "items_per_invocation": per_invocation,
        "fan_out_segments": segments,
        "items_per_segment": per_segment,
        "invocations_per_segment": chain,
        "invocations_total": segments * chain,
        "wall_time_min_if_segments_run_in_parallel": round(per_segment / max(items_per_s, 1e-9) / 60, 1),
        "invocation_hours_total": round(target / max(items_per_s, 1e-9) / 3600, 1),
    }


def _moto_direct_writer(bucket: str) -> Any:
    """Seeding only: 100,000 PUTs through moto's HTTP front take many minutes, so the images go straight into
    its in-process store (same bucket, versioning and Object Lock). The purge itself then runs over HTTP."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    def write(key: str, body: bytes, meta: Any) -> None:
        backend.put_object(bucket, key, body, disable_notification=True)

    return write


def bench_purge(reads: int, alerts_every: int, target: int) -> dict[str, Any]:
    """Seeds ``reads`` expired reads (with images, ledger entries, some alerts) plus as many live ones on
    an embedded AWS, runs one purge, and extrapolates to ``target`` reads in 15-minute invocations."""
    import logging
    import tempfile
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from alpr import schema
    from alpr.clock import FixedClock
    from alpr.local.retention_seed import SeedSpec, seed_reads
    from alpr.local.stack import LocalConfig, LocalStack, free_port
    from alpr.services.purge import READS_PER_SEGMENT

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    now = datetime(2026, 11, 2, 18, 30, tzinfo=UTC)
    clock = FixedClock(now)
    config = LocalConfig(
        moto_port=free_port(), api_port=free_port(), prefix="alpr-bench", state_dir=Path(tempfile.mkdtemp())
    )
    stack = LocalStack(config, clock=clock).start(run_pumps=False, serve_api=False)
    try:
        rt = stack.runtime
        write_image = _moto_direct_writer(rt.settings.images_bucket)
        fixed = rt.repos.cameras.get("demo-fixed-1")
        vehicle = rt.repos.cameras.get("demo-car-1")
        assert fixed is not None and vehicle is not None
        started = time.perf_counter()
        for start in range(0, reads, 10_000):
            count = min(10_000, reads - start)
            expired = [
                SeedSpec(fixed, now - timedelta(days=31, minutes=i % 1440), with_alert=(start + i) % alerts_every == 0)
                for i in range(count)
            ]
            live = [SeedSpec(vehicle, now - timedelta(days=10, minutes=i % 1440)) for i in range(count // 10)]
            seed_reads(rt.repos, rt.retention, now, expired + live, write_image=write_image)
        seeded_s = time.perf_counter() - started
        started = time.perf_counter()
        [report] = rt.purge.run_all(1)
        purge_s = time.perf_counter() - started
        pages = stack.session.client("dynamodb").get_paginator("scan")
        left = sum(p["Count"] for p in pages.paginate(TableName=rt.settings.table_name(schema.READS), Select="COUNT"))
    finally:
        stack.stop()
    deleted = report.deleted["fixed"]["reads"]
    return {
        "items": deleted,
        "seconds": round(purge_s, 1),
        "items_per_s": round(deleted / purge_s, 1) if purge_s else 0.0,
        "live_reads_seeded": reads // 10,
        "seed_s": round(seeded_s, 1),
        "image_versions_deleted": report.image_versions_deleted,
        "alerts_deleted": report.deleted["fixed"]["alerts"],
        "reads_left": left,
        "failures": len(report.failures),
        **project_fan_out(deleted / purge_s if purge_s else 0.0, target, READS_PER_SEGMENT),
        "note": "moto in-process on this machine; real DynamoDB/S3 calls have more latency but run in parallel",
    }
