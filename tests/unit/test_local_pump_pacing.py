"""Under load the local stack's TTL sweep and shard listing run now and then, not on every pump round;
with their defaults (what tests' drain() relies on) the sweep runs on every poll."""

from __future__ import annotations

from typing import Any

from alpr.clock import FixedClock
from alpr.config import Settings
from alpr.local.pumps import StreamPump
from alpr.local.ttl import TtlSweeper
from tests.conftest import SUITE_NOW


class CountingTables:
    """A DynamoDB resource whose tables are always empty; counts how many tables a sweep opened."""

    def __init__(self) -> None:
        self.opened = 0

    def Table(self, name: str) -> Any:
        self.opened += 1
        return self

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return {"Items": []}


SETTINGS = Settings(prefix="t", images_bucket="b", alerts_topic_arn="arn", time_zone="America/Los_Angeles")


def test_a_sweeper_with_an_interval_skips_polls_inside_it() -> None:
    tables = CountingTables()
    sweeper = TtlSweeper("ttl", tables, SETTINGS, FixedClock(SUITE_NOW), every_s=3600)
    sweeper.poll_once()
    after_first = tables.opened
    sweeper.poll_once()
    assert after_first > 0 and tables.opened == after_first


def test_by_default_every_poll_sweeps() -> None:
    tables = CountingTables()
    sweeper = TtlSweeper("ttl", tables, SETTINGS, FixedClock(SUITE_NOW))
    sweeper.poll_once()
    after_first = tables.opened
    sweeper.poll_once()
    assert after_first > 0 and tables.opened == 2 * after_first


class OneShardStream:
    def __init__(self, shards: list[str]) -> None:
        self.shards, self.described = shards, 0

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        self.described += 1
        return {"StreamDescription": {"Shards": [{"ShardId": s} for s in self.shards]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        return {"ShardIterator": f"it-{kwargs['ShardId']}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        return {"Records": [], "NextShardIterator": ShardIterator}


def pump(streams: OneShardStream) -> StreamPump:
    return StreamPump("match", streams, "arn:stream", lambda event, context: None, failures=None, function_arn="")  # type: ignore[arg-type]


def test_shards_are_listed_once_while_they_are_open() -> None:
    streams = OneShardStream(["shard-1"])
    stream_pump = pump(streams)
    for _ in range(5):
        stream_pump.poll_once()
    assert streams.described == 1


def test_a_stream_without_shards_yet_is_listed_again_on_the_next_poll() -> None:
    streams = OneShardStream([])
    stream_pump = pump(streams)
    stream_pump.poll_once()
    streams.shards.append("shard-1")
    stream_pump.poll_once()
    assert streams.described == 2 and stream_pump._iterators == {"shard-1": "it-shard-1"}
