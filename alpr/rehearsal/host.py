"""Runs the template's functions in-process, each in its own "container": its deployed environment, its role's
credentials and its own runtime (clients, caches), and delivers events through its event source mappings."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from alpr.clock import Clock
from alpr.config import Settings
from alpr.local.lambda_runtime import Handler, LocalContext, failed_item_ids, load_handler
from alpr.local.pumps import Pump, SqsPump, StreamPump
from alpr.rehearsal.wiring import EventSource, FunctionWiring
from alpr.repositories.stream_failures import StreamFailureStore
from alpr.runtime import Runtime, install
from alpr.schema import Env

log = logging.getLogger("alpr.rehearsal")

# Set by the rehearsal, not by the template: where the embedded AWS listens, the local JWKS location (tokens carry
# the AWS issuer URL), no X-Ray daemon. Everything else a function sees comes from its deployed configuration.
LOCAL_ONLY = ("AWS_ENDPOINT_URL", Env.JWKS_URL.value, "POWERTOOLS_TRACE_DISABLED", "POWERTOOLS_METRICS_DISABLED")


@dataclass
class Invocation:
    function: str
    trigger: str
    error: str | None = None
    failed_items: int = 0


def _matches(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """Lambda event filtering: a record passes when any filter's pattern matches it (EventBridge pattern syntax,
    evaluated with moto's EventBridge matcher). SQS bodies are matched as JSON when they are JSON."""
    if not patterns:
        return True
    from moto.events.models import EventPattern

    # As JSON, the form Lambda matches (boto3 has parsed the stream record's timestamp into a datetime).
    subject = json.loads(json.dumps(record, default=str))
    if "body" in subject:
        with suppress(TypeError, ValueError):
            subject["body"] = json.loads(subject["body"])
    return any(EventPattern.load(json.dumps(p)).matches_event(subject) for p in patterns)


@dataclass
class FunctionHost:
    functions: dict[str, FunctionWiring]
    credentials: dict[str, dict[str, str]]
    local_environment: dict[str, str]
    region: str
    clock: Clock
    invocations: list[Invocation] = field(default_factory=list)
    filtered_out: dict[str, int] = field(default_factory=dict)
    _runtimes: dict[str, Runtime] = field(default_factory=dict)

    def environment(self, name: str) -> dict[str, str]:
        wiring = self.functions[name]
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ALPR_", "POWERTOOLS_"))}
        return {
            **inherited,
            # What Lambda's runtime sets (Lambda developer guide, "Defined runtime environment variables").
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": wiring.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(wiring.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "_HANDLER": wiring.handler,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            **self.credentials[name],
            **wiring.environment,
            **self.local_environment,
        }

    @contextmanager
    def container(self, name: str) -> Iterator[Runtime]:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.environment(name))
        try:
            if name not in self._runtimes:
                self._runtimes[name] = Runtime(Settings.from_env(), self.clock)
            install(self._runtimes[name])
            yield self._runtimes[name]
        finally:
            install(None)
            os.environ.clear()
            os.environ.update(saved)

    def invoke(self, name: str, event: dict[str, Any], trigger: str = "direct") -> Any:
        wiring = self.functions[name]
        handler = load_handler(wiring.handler)
        record = Invocation(name, trigger)
        self.invocations.append(record)
        context = LocalContext(
            function_name=wiring.name, memory_limit_in_mb=wiring.memory_mb, timeout_s=wiring.timeout_s
        )
        with self.container(name):
            try:
                result = handler(event, context)
            except Exception as exc:
                record.error = f"{type(exc).__name__}: {exc}"
                raise
        record.failed_items = len(failed_item_ids(result))
        return result

    def session(self, name: str) -> Any:
        """A boto3 session with the function's role: what Lambda's pollers use to read its event sources."""
        import boto3

        credentials = self.credentials[name]
        return boto3.session.Session(
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=credentials.get("AWS_SESSION_TOKEN"),
            region_name=self.region,
        )

    def delivering(self, source: EventSource) -> Handler:
        """The handler behind an event source mapping: filtered records never reach the function (for SQS, Lambda
        deletes them), the rest are delivered in one invocation."""

        def deliver(event: dict[str, Any], _context: Any) -> Any:
            records = event.get("Records", [])
            kept = [r for r in records if _matches(source.filters, r)]
            dropped = len(records) - len(kept)
            if dropped:
                self.filtered_out[source.function] = self.filtered_out.get(source.function, 0) + dropped
            if not kept:
                return {"batchItemFailures": []}
            result = self.invoke(source.function, {**event, "Records": kept}, trigger=source.source_arn)
            return result if source.report_item_failures else None

        return deliver

    @staticmethod
    def _failure_destination(session: Any, endpoint: str, arn: str | None) -> StreamFailureStore:
        """A stream mapping's on-failure destination must be a bucket (arn:aws:s3:::name): only an S3 destination
        keeps the failed records themselves (alpr/domain/stream_failures.py)."""
        if not arn or not arn.startswith("arn:aws:s3:::"):
            raise ValueError(f"stream on-failure destination {arn!r} is not an S3 bucket: the records would be lost")
        return StreamFailureStore(session.client("s3", endpoint_url=endpoint), arn.removeprefix("arn:aws:s3:::"))

    def pumps(self, endpoint: str, operator_sqs: Any) -> list[Pump]:
        """Pollers reading each mapping's source with the function's role; queue URLs are looked up by the
        operator (GetQueueUrl is not something Lambda's pollers need a grant for)."""

        def url(arn: str) -> str:
            return str(operator_sqs.get_queue_url(QueueName=arn.split(":")[5])["QueueUrl"])

        pumps: list[Pump] = []
        for wiring in self.functions.values():
            session = self.session(wiring.name)
            for source in wiring.event_sources:
                if not source.enabled:
                    continue
                sqs = session.client("sqs", endpoint_url=endpoint)
                if source.service == "sqs":
                    pumps.append(
                        SqsPump(
                            wiring.name,
                            sqs,
                            url(source.source_arn),
                            self.delivering(source),
                            self.region,
                            batch_size=min(source.batch_size, 10),  # ReceiveMessage returns at most 10
                        )
                    )
                elif source.service == "dynamodb":
                    pumps.append(
                        StreamPump(
                            wiring.name,
                            session.client("dynamodbstreams", endpoint_url=endpoint),
                            source.source_arn,
                            self.delivering(source),
                            # Written with the function's own role, as Lambda does: a missing grant is refused.
                            self._failure_destination(session, endpoint, source.on_failure_arn),
                            wiring.arn,
                            max_attempts=(source.max_retry_attempts if source.max_retry_attempts is not None else 2)
                            + 1,
                            batch_size=source.batch_size,
                        )
                    )
        return pumps
