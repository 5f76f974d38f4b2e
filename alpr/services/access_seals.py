"""Anchoring the access-record chain outside its table (Civil Code § 1798.90.52 records a court can rely on).

The hash chain (``alpr.repositories.access_chain``) shows an edited, inserted or removed record, but not a day
whose records and head were deleted together, nor a day rewritten from scratch. So each UTC day, once over, is
*sealed*: its record count and last hash go into an S3 Object Lock (compliance mode) object that nobody can
change or delete, and a day without records is sealed as empty. The first seal run also locks the day sealing
begins (``chain-began.json``).

Who seals and when: in AWS the ``access-sealer`` function (``schema.FUNCTIONS``) on a schedule a few minutes
after midnight UTC; on the local stack a pump (``alpr.local.pumps``), which also begins the chain when the stack
starts. Each run seals every day from the beginning to yesterday that has no seal yet.

``verify`` checks every day from the beginning to yesterday against its seal and today against its head, and
names each day that is unsealed, deleted, truncated, added to or rewritten, and any records dated before the
chain began or in the future (back-dated with a clock override, or written around the system).
"""

from __future__ import annotations

from datetime import date, timedelta

from alpr.clock import Clock, iso
from alpr.domain.audit import GENESIS, ChainBreak
from alpr.repositories.access_chain import AccessChain, DayVerification
from alpr.repositories.access_seals import AccessSealStore

# Seals are kept as long as audits (two years at least; alpr.services.audits refuses less).
SEAL_RETENTION_DAYS = 731
# How many days one run seals at most, so a long-stopped sealer catches up over a few runs.
MAX_DAYS_PER_RUN = 400


def _days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _broken(day: str, records: int, head_seq: int, problem: str) -> DayVerification:
    return DayVerification(day, records, head_seq, ChainBreak(-1, "-", problem))


class AccessSealer:
    def __init__(
        self, chain: AccessChain, store: AccessSealStore, clock: Clock, retention_days: int = SEAL_RETENTION_DAYS
    ) -> None:
        self._chain = chain
        self._store = store
        self._clock = clock
        self._retention = timedelta(days=retention_days)
        # Seals never change once written: what this process has seen need not be read again.
        self._began: str | None = None
        self._sealed_through: date | None = None

    def _today(self) -> date:
        return self._clock.now().date()

    def began(self) -> str | None:
        if self._began is None:
            stored = self._store.get(self._store.genesis_key)
            self._began = str(stored.body["day"]) if stored else None
        return self._began

    def begin(self) -> str:
        """The first day sealing covers: locked on the first run as the earliest day with records, or today."""
        began = self.began()
        if began:
            return began
        today = self._today().isoformat()
        first = min([*self._chain.days(), today])
        now = self._clock.now()
        self._store.put(self._store.genesis_key, {"day": first, "written_at": iso(now)}, now + self._retention)
        self._began = first
        return first

    def seal_due(self) -> list[str]:
        """Seals every finished day since the beginning that has no seal yet; returns the days sealed."""
        yesterday = self._today() - timedelta(days=1)
        if self._sealed_through is not None and self._sealed_through >= yesterday:
            return []
        first = date.fromisoformat(self.begin())
        sealed = set(self._store.sealed_days())
        due = [day for day in _days(first, yesterday) if day not in sealed][:MAX_DAYS_PER_RUN]
        for day in due:
            seq, head_hash = self._chain.head(day)
            now = self._clock.now()
            body = {
                "day": day,
                "records": seq,
                "head_hash": head_hash,
                "empty": seq == 0,
                "sealed_at": iso(now),
            }
            self._store.put(self._store.key(day), body, now + self._retention)
        if len(due) < MAX_DAYS_PER_RUN:
            self._sealed_through = yesterday
        return due

    # --- verifying ---------------------------------------------------------------------------------------

    def verify(self, days: list[str] | None = None) -> list[DayVerification]:
        """Every day (or the days asked for) checked against its chain and its seal, in day order."""
        today = self._today()
        began = self.began()
        recorded = set(self._chain.days())
        if began is None:
            wanted = sorted(recorded) if days is None else sorted(days)
            return [self._unanchored(day, today) for day in wanted]
        sealed_range = _days(date.fromisoformat(began), today - timedelta(days=1))
        wanted = sorted(recorded | set(sealed_range) | {today.isoformat()} if days is None else set(days))
        return [self._verify_day(day, began, today) for day in wanted]

    def _unanchored(self, day: str, today: date) -> DayVerification:
        checked = self._chain.verify_day(day)
        if checked.intact and day > today.isoformat():
            return _broken(day, checked.records, checked.head_seq, "dated in the future")
        return checked

    def _verify_day(self, day: str, began: str, today: date) -> DayVerification:
        checked = self._chain.verify_day(day)
        records, head_seq = checked.records, checked.head_seq
        if day < began:
            if records == 0 and head_seq == 0:
                return checked
            return _broken(
                day,
                records,
                head_seq,
                f"records dated before the chain began on {began}: back-dated, or written around it",
            )
        if day > today.isoformat():
            return _broken(
                day, records, head_seq, "records dated in the future: a clock override, or written around it"
            )
        if day == today.isoformat():
            return checked
        seal = self._store.get(self._store.key(day))
        if seal is None:
            return _broken(day, records, head_seq, "not sealed: the day's seal is missing (has the sealer run?)")
        if seal.later_versions or seal.hidden:
            what = f"overwritten {seal.later_versions} time(s)" if seal.later_versions else "hidden by a delete marker"
            return _broken(day, records, head_seq, f"its seal was {what} after sealing")
        sealed_records, sealed_hash = int(seal.body["records"]), str(seal.body["head_hash"])
        if records == 0 and head_seq == 0 and sealed_records > 0:
            return _broken(day, 0, 0, f"deleted: sealed with {sealed_records} record(s), none remain")
        if not checked.intact:
            return checked
        if records < sealed_records:
            return _broken(
                day, records, head_seq, f"truncated: sealed with {sealed_records} record(s), {records} remain"
            )
        if records > sealed_records:
            return _broken(
                day, records, head_seq, f"{records - sealed_records} record(s) added after the day was sealed"
            )
        head_hash = self._chain.head(day)[1] if records else GENESIS
        if head_hash != sealed_hash:
            return _broken(day, records, head_seq, "rewritten: the chain no longer ends at the sealed hash")
        return DayVerification(day, records, head_seq, None)
