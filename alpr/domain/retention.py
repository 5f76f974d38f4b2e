"""Retention math from policy 418.5.

The capture date, in the department's time zone, is day 1. A class with ``purge_after_days = N``
keeps an item through day N and removes it at local midnight that starts day N + 1:
- ``fixed``/``axon``: N = 30, "deleted in 30 calendar days": captured 1 March, visible all of
  30 March, gone from 00:00 on 31 March (local time).
- ``vehicle``: N = 365, "stored for one year ... purged on the 366th day": kept through day 365,
  gone from 00:00 on day 366.
A department may shorten a class in configuration but never lengthen it past the policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alpr.schema import DEPARTMENT_TIME_ZONE, RETENTION, Env, SourceClass, retention_days_env


class RetentionConfigError(ValueError):
    pass


class RetentionPolicy:
    def __init__(
        self,
        overrides: Mapping[SourceClass, int] | None = None,
        time_zone: str = DEPARTMENT_TIME_ZONE,
    ) -> None:
        self._zone = ZoneInfo(time_zone)
        self._days = {source: rule.purge_after_days for source, rule in RETENTION.items()}
        for source, days in (overrides or {}).items():
            limit = RETENTION[source].purge_after_days
            if not 1 <= days <= limit:
                raise RetentionConfigError(
                    f"retention for {source.value} may be shortened to 1..{limit} days, not {days}: "
                    f"the policy says {RETENTION[source].policy_words}"
                )
            self._days[source] = days

    def days(self, source: SourceClass) -> int:
        return self._days[source]

    def expires_at(self, source: SourceClass, captured_at: datetime) -> datetime:
        """The instant the item must no longer be visible (UTC)."""
        capture_date = captured_at.astimezone(self._zone).date()
        purge_date = capture_date + timedelta(days=self._days[source])
        return datetime.combine(purge_date, time.min, tzinfo=self._zone).astimezone(UTC)

    def purge_cutoff(self, source: SourceClass, now: datetime) -> datetime:
        """Items of the class captured before this instant are past retention at ``now``.

        Expired means capture date + N <= today (local), i.e. captured before local midnight starting
        day today - N + 1. The purge applies this as well as each item's stored ``expires_at``, so a
        class shortened in configuration is applied to data captured before the change.
        """
        today = now.astimezone(self._zone).date()
        first_kept_day = today - timedelta(days=self._days[source] - 1)
        return datetime.combine(first_kept_day, time.min, tzinfo=self._zone).astimezone(UTC)

    def age_days(self, captured_at: datetime, now: datetime) -> int:
        """The day of retention the item is in at ``now``: the capture date is day 1."""
        return (now.astimezone(self._zone).date() - captured_at.astimezone(self._zone).date()).days + 1

    def expires_epoch(self, source: SourceClass, captured_at: datetime) -> int:
        return int(self.expires_at(source, captured_at).timestamp())

    @staticmethod
    def is_expired(expires_epoch: int | None, now: datetime) -> bool:
        """Items under an evidence hold carry no TTL and never expire here."""
        return expires_epoch is not None and now.timestamp() >= expires_epoch

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RetentionPolicy:
        overrides = {
            source: int(environ[retention_days_env(source)])
            for source in SourceClass
            if environ.get(retention_days_env(source))
        }
        return cls(overrides, environ.get(Env.TIME_ZONE, DEPARTMENT_TIME_ZONE))
