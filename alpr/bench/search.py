"""``alpr bench search``: a city's worth of reads in the local stack, and what each query shape examines.

Loads N reads (default 1,000,000: fixed cameras over their 30 days, vehicle-mounted over a year, a few
already expired) into the reads table as ``alpr.schema`` defines it, with the same item layout the OCR
service writes (``stores.read_item``), then runs the real search code through boto3 against moto:

- exact: one plate;  prefix: ``8TR*``;  infix: ``*RK51*`` (position unknown);  window: 15 minutes.

``examined`` is DynamoDB's ScannedCount summed over the queries (items read before any filter), so
``examined_per_returned`` is what a query costs per read it returns. ``median_ms`` is measured against
moto, which scans its whole in-memory table for every query whatever the index: it grows with N locally
and says nothing about DynamoDB, where a query's cost follows ``examined``.

Loading goes straight into moto's in-memory backend (a million HTTP writes would take most of an hour);
every query goes through HTTP like the API's.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from alpr import schema
from alpr.clock import FixedClock, iso
from alpr.domain.records import PlateRead
from alpr.domain.retention import RetentionPolicy
from alpr.domain.search import PlatePattern, SearchCriteria
from alpr.schema import SourceClass

NOW = datetime(2026, 11, 2, 18, 30, tzinfo=UTC)
TARGET_PLATE = "8TRK512"
TARGET_READS = 40
QUERY_SHAPES = {
    "exact": TARGET_PLATE,
    "prefix": "8TR*",
    "infix": "*RK51*",
}
WINDOW = (NOW - timedelta(days=2, minutes=15), NOW - timedelta(days=2))
CAMERAS = {SourceClass.FIXED: 40, SourceClass.VEHICLE: 15, SourceClass.AXON: 5}
SOURCE_SHARE = ((SourceClass.FIXED, 0.70), (SourceClass.VEHICLE, 0.25), (SourceClass.AXON, 0.05))
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def synthetic_reads(count: int, seed: int = 418) -> Any:
    rng = random.Random(seed)
    retention = RetentionPolicy()
    for n in range(count):
        source = rng.choices([s for s, _ in SOURCE_SHARE], [w for _, w in SOURCE_SHARE])[0]
        if n < TARGET_READS:
            plate = TARGET_PLATE
        elif rng.random() < 0.85:  # California: digit, three letters, three digits
            plate = f"{rng.randint(1, 9)}{''.join(rng.choices(LETTERS, k=3))}{rng.randint(0, 999):03d}"
        else:
            plate = "".join(rng.choices(ALNUM, k=rng.randint(5, 8)))
        # About 1% already past retention: DynamoDB deletes them lazily, so searches must skip them.
        span = retention.days(source) + (3 if rng.random() < 0.01 else 0)
        captured = NOW - timedelta(seconds=rng.uniform(0, span * 86400))
        camera = f"{source.value}-{rng.randrange(CAMERAS[source]):02d}"
        frame = f"bench-{n:08x}"
        latitude = 37.70 + rng.random() * 0.05
        longitude = -122.18 + rng.random() * 0.06
        yield PlateRead(
            read_id=f"{frame}#0",
            frame_id=frame,
            camera_id=camera,
            source=source,
            plate=plate,
            raw_text=plate,
            confidence=round(rng.uniform(0.6, 0.99), 4),
            box=[600, 480, 180, 90],
            captured_at=iso(captured),
            latitude=round(latitude, 5),
            longitude=round(longitude, 5),
            image_key=f"frames/{source.value}/{camera}/{captured:%Y/%m/%d}/{frame}.jpg",
            created_at=iso(captured + timedelta(seconds=2)),
            expires_at=retention.expires_epoch(source, captured),
        )


def _bulk_load(table_name: str, region: str, reads: Any) -> int:
    from boto3.dynamodb.types import TypeSerializer
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from alpr.repositories.stores import read_item

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    serialize = TypeSerializer().serialize
    count = 0
    for read in reads:
        item = read_item(read)
        backend.put_item(table_name, {k: serialize(v) for k, v in item.items()})
        count += 1
    return count


def run(count: int, repeat: int = 3, progress: Any = None) -> dict[str, Any]:
    from moto.server import ThreadedMotoServer

    from alpr.config import Settings
    from alpr.local.provision import create_table
    from alpr.local.stack import free_port
    from alpr.repositories.factory import Repositories
    from alpr.services.search import SearchService

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    region = "us-west-2"
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(
        {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    )
    try:
        import boto3

        session = boto3.session.Session(region_name=region)
        settings = Settings(prefix="alpr-bench", images_bucket="unused", alerts_topic_arn="", time_zone="UTC")
        # Every table as the schema defines it, less streams (the bench has no consumer for them): the search
        # reads more than the reads table (sightings, hotlist badges), and a table it gains later must not
        # break the bench again (it once failed with ResourceNotFoundException on the sightings table).
        dynamodb = session.client("dynamodb")
        for each in schema.TABLES:
            create_table(dynamodb, dataclasses.replace(each, stream=False), settings.table_name(each))
        table = schema.READS
        started = time.monotonic()
        loaded = _bulk_load(settings.table_name(table), region, synthetic_reads(count))
        if progress:
            progress(f"loaded {loaded} reads in {time.monotonic() - started:.0f} s")
        service = SearchService(Repositories(settings, session), FixedClock(NOW))
        shapes: dict[str, SearchCriteria] = {
            name: SearchCriteria(plate=PlatePattern.parse(pattern)) for name, pattern in QUERY_SHAPES.items()
        }
        shapes["window"] = SearchCriteria(start=WINDOW[0], end=WINDOW[1])
        queries = {}
        for name, criteria in shapes.items():
            timings, outcome = [], None
            for _ in range(repeat):
                begun = time.perf_counter()
                outcome = service.search(criteria, limit=10_000)
                timings.append((time.perf_counter() - begun) * 1000)
            assert outcome is not None
            queries[name] = {
                "returned": outcome.matched,
                "examined": outcome.examined,
                "examined_per_returned": round(outcome.examined / outcome.matched, 3) if outcome.matched else None,
                "index_queries": outcome.queries,
                "median_ms": round(statistics.median(timings), 1),
            }
            if progress:
                progress(f"{name}: {queries[name]}")
        return {"reads": loaded, "queries": queries}
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
