"""DynamoDB's TTL service, which moto does not run: deletes items past their ``expires_at`` and marks the
stream records of those deletions as the TTL service's (``userIdentity`` dynamodb.amazonaws.com), so the
purge's stream trigger sees what it sees in AWS. Like DynamoDB it is lazy: it runs when polled, and
until then expired items stay in the table (every read path filters them out)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from alpr import schema
from alpr.clock import Clock
from alpr.config import Settings
from alpr.local.lambda_runtime import Handler
from alpr.repositories.dynamo import is_conditional_failure, scan_all

log = logging.getLogger("alpr.local")

TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def _key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, default=str)


@dataclass
class TtlSweeper:
    name: str
    dynamodb: Any  # boto3 resource
    settings: Settings
    clock: Clock
    # Keys (as stream records write them) this sweeper deleted, per streamed table: the TTL's deletions.
    removed: dict[str, set[str]] = field(default_factory=dict)
    # Seconds (real time) between sweeps. 0 sweeps on every poll, which tests' drain() relies on; a sweep scans
    # every TTL table, so a long-running stack under load sweeps now and then, as lazily as DynamoDB does.
    every_s: float = 0.0
    _swept_at: float | None = None

    def poll_once(self) -> int:
        started = time.monotonic()
        if self._swept_at is not None and started - self._swept_at < self.every_s:
            return 0
        self._swept_at = started
        deleted = 0
        now = int(self.clock.now().timestamp())
        for spec in schema.TABLES:
            if not spec.ttl_attribute:
                continue
            table = self.dynamodb.Table(self.settings.table_name(spec))
            key_names = [k.name for k in (spec.partition, spec.sort) if k is not None]
            for item in scan_all(table, Attr(spec.ttl_attribute).lte(now)):
                key = {name: item[name] for name in key_names}
                try:
                    # As DynamoDB does: only if the item is still expired when the delete lands.
                    table.delete_item(Key=key, ConditionExpression=Attr(spec.ttl_attribute).lte(now))
                except ClientError as exc:
                    if is_conditional_failure(exc):
                        continue
                    raise
                if spec.stream:
                    self.removed.setdefault(spec.logical_name, set()).add(
                        _key_text({name: {spec.key_attributes()[name]: str(item[name])} for name in key_names})
                    )
                deleted += 1
        if deleted:
            log.info("ttl sweeper: deleted %d expired item(s)", deleted)
        return deleted

    def ttl_removals_only(self, table: schema.Table, handler: Handler) -> Handler:
        """Wraps a stream handler with the event filter the CDK stack sets: REMOVE by the TTL service."""

        def filtered(event: dict, context: Any) -> Any:
            records = []
            for record in event.get("Records", []):
                key = _key_text(record.get("dynamodb", {}).get("Keys", {}))
                if record.get("eventName") == "REMOVE" and key in self.removed.get(table.logical_name, set()):
                    records.append({**record, "userIdentity": TTL_IDENTITY})
            if not records:
                return {"batchItemFailures": []}
            return handler({**event, "Records": records}, context)

        return filtered
