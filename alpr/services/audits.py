"""Audits (policy 418.6.1, Civil Code §§ 1798.90.51-53): the quarterly random review, the annual bundle
for the Independent Police Auditor, and verification of the access-record chain."""

from __future__ import annotations

import csv
import io
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alpr import schema
from alpr.clock import Clock, iso
from alpr.domain import quarterly as rules
from alpr.domain.access import AccessRecord, new_access_record
from alpr.domain.audit import MINIMUM_SAMPLE, Quarter, draw_sample, manifest, sha256_hex, verify_manifest
from alpr.domain.errors import DomainError
from alpr.domain.holds import Identity, require_role
from alpr.domain.quarterly import AuditStatus, LockedCopy, QuarterlyAudit
from alpr.repositories.access_chain import DayVerification
from alpr.repositories.dynamo import from_item
from alpr.repositories.factory import Repositories
from alpr.schema import Role
from alpr.services.access_seals import AccessSealer
from alpr.services.audit_datasets import DATASETS, NOT_RECORDED, summarize, utc_days

EXPORTS_BUNDLES = frozenset({Role.AUDITOR, Role.CAPTAIN})
MANIFEST_FILE = "manifest.json"
AUDIT_ACCESS_PURPOSE = "audit (418.6.1)"
DEPARTMENT = "San Leandro Police Department"


@dataclass(frozen=True)
class Bundle:
    bundle_id: str
    files: dict[str, bytes]
    manifest: dict[str, Any]
    stored_prefix: str


def bundle_prefix(bundle_id: str) -> str:
    return f"{schema.BUCKET.audits}bundles/{bundle_id}/"


def local_range(first: date, last: date, time_zone: str) -> tuple[str, str]:
    """[local midnight of ``first``, local midnight after ``last``) as UTC text."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    return iso(start), iso(end)


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """One column per attribute seen; nested values as JSON, so nothing is lost in the flat form."""
    columns = sorted({key for row in rows for key in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for k, v in row.items()})
    return out.getvalue().encode()


def to_json(value: Any) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True, default=str) + "\n").encode()


class AuditService:
    def __init__(
        self,
        repos: Repositories,
        clock: Clock,
        time_zone: str = schema.DEPARTMENT_TIME_ZONE,
        retention_days: int | None = None,
        sample_size: int = MINIMUM_SAMPLE,
    ) -> None:
        self._repos = repos
        self._clock = clock
        self._zone = time_zone
        self._retention_days = rules.audit_retention_days(retention_days)
        if sample_size < MINIMUM_SAMPLE:
            raise ValueError(f"the quarterly sample is at least {MINIMUM_SAMPLE} images, not {sample_size}")
        self._sample_size = sample_size

    # --- the quarterly audit ---------------------------------------------------------------------------

    def run_quarterly(
        self, actor: Identity, quarter: Quarter | None = None, seed: int | None = None, size: int | None = None
    ) -> QuarterlyAudit:
        require_role(actor, rules.RUNS_AUDITS, "running the quarterly audit")
        now = self._clock.now()
        chosen = quarter or Quarter.preceding(now, self._zone)
        start_at, end_at = chosen.bounds(self._zone)
        if end_at > now:
            raise DomainError(f"{chosen.label} has not ended yet: the audit reviews a preceding quarter")
        rules.not_yet_audited(chosen.label, self._repos.audits.all())
        start, end = iso(start_at), iso(end_at)
        records = [from_item(AccessRecord, r) for r in DATASETS["access_records"].rows(self._repos, start, end)]
        images = {r.record_id: r for r in records if rules.is_image_access(r)}
        sample = draw_sample(images, secrets.randbits(48) if seed is None else seed, size or self._sample_size)
        audit = QuarterlyAudit(
            audit_id=f"{chosen.label}-{uuid.uuid4().hex[:8]}",
            quarter=chosen.label,
            period_start=start,
            period_end=end,
            time_zone=self._zone,
            seed=sample.seed,
            population_size=sample.population_size,
            requested=sample.requested,
            shortfall_note=sample.shortfall_note,
            sample=[rules.sampled_access(n, images[rid]) for n, rid in enumerate(sample.chosen, start=1)],
            summary={
                **rules.access_summary(records),
                **summarize(self._repos, start, end),
                "access_chain": self._chain_summary(start, end),
            },
            created_by=actor.member_id,
            created_at=iso(now),
        )
        self._repos.audits.add(audit)
        self._record(actor, "audit.run", f"audit={audit.audit_id}", audit.audit_id, len(audit.sample))
        return audit

    def _chain_summary(self, start: str, end: str) -> dict[str, Any]:
        checked = self.sealer.verify(list(utc_days(start, end)))
        return {
            "days_checked": len(checked),
            "records": sum(v.records for v in checked),
            "broken": [v.describe() for v in checked if not v.intact],
        }

    def list_audits(self, actor: Identity) -> list[QuarterlyAudit]:
        require_role(actor, rules.READS_AUDITS, "listing audits")
        return self._repos.audits.all()

    def finalized(self, actor: Identity) -> list[dict[str, Any]]:
        """The finished audits, newest quarter first, with where each is locked and its digest: the auditors'
        register (no sampled access is shown, so nothing here names a plate)."""
        require_role(actor, rules.READS_AUDITS, "listing finalized audits")
        done = [a for a in self._repos.audits.all() if a.locked is not None]
        return [
            {
                "audit_id": a.audit_id,
                "quarter": a.quarter,
                "finalized_at": a.finalized_at,
                "finalized_by": a.finalized_by,
                "sample_size": len(a.sample),
                "population": a.population_size,
                "seed": a.seed,
                "draws": 1 + len(a.other_draws),
                **a.outcome(),
                "key": a.locked.key,
                "version_id": a.locked.version_id,
                "sha256": a.locked.sha256,
                "retain_until": a.locked.retain_until,
            }
            for a in sorted(done, key=lambda a: (a.quarter, a.finalized_at or ""), reverse=True)
            if a.locked is not None
        ]

    def get(self, actor: Identity, audit_id: str) -> QuarterlyAudit:
        """A finalized audit is read from its locked copy, and checked against the digest in the index."""
        require_role(actor, rules.READS_AUDITS, "reading audits")
        audit = self._repos.audits.get(audit_id)
        if audit.locked is not None:
            body = self._repos.audit_archive.read(audit.locked.key, audit.locked.version_id)
            if sha256_hex(body) != audit.locked.sha256:
                raise DomainError(f"the locked copy of {audit_id} does not match the digest recorded at finalizing")
            audit = QuarterlyAudit.model_validate_json(body).model_copy(update={"locked": audit.locked})
        self._record(actor, "audit.open", f"audit={audit.audit_id}", audit.audit_id, len(audit.sample))
        return audit

    def review(self, actor: Identity, audit_id: str, item: int, consistent: bool, comment: str) -> QuarterlyAudit:
        require_role(actor, rules.RUNS_AUDITS, "reviewing sampled accesses")
        before = self._repos.audits.get(audit_id)
        after = rules.reviewed(before, item, consistent, comment, actor.member_id, iso(self._clock.now()))
        self._repos.audits.replace(before, after)
        return after

    def notes(self, actor: Identity, audit_id: str, notes: Mapping[str, str]) -> QuarterlyAudit:
        require_role(actor, rules.RUNS_AUDITS, "writing audit notes")
        before = self._repos.audits.get(audit_id)
        after = rules.with_notes(before, notes)
        self._repos.audits.replace(before, after)
        return after

    def finalize(self, actor: Identity, audit_id: str) -> QuarterlyAudit:
        """Writes the audit under Object Lock (compliance mode) and marks the index entry finalized."""
        require_role(actor, rules.RUNS_AUDITS, "finalizing an audit")
        before = self._repos.audits.get(audit_id)
        everyone = self._repos.audits.all()
        rules.ready_to_finalize(before, everyone)
        other_draws = rules.other_draws(before, everyone)
        now = self._clock.now()
        final = before.model_copy(
            update={
                "status": AuditStatus.FINALIZED,
                "finalized_by": actor.member_id,
                "finalized_at": iso(now),
                "other_draws": other_draws,
            }
        )
        body = to_json(final.model_dump(mode="json", exclude={"locked"}))
        until = now + timedelta(days=self._retention_days)
        key = f"{schema.BUCKET.audits}quarterly/{final.quarter}/{final.audit_id}.json"
        stored = self._repos.image_versions.put_locked(key, body, "application/json", until)
        final = final.model_copy(
            update={
                "locked": LockedCopy(
                    key=key, version_id=stored.version_id, sha256=stored.sha256, retain_until=iso(until)
                )
            }
        )
        self._repos.audits.finalize(before, final, [d.audit_id for d in other_draws])
        return final

    # --- the annual bundle -----------------------------------------------------------------------------

    def bundle(self, actor: Identity, first: date, last: date) -> Bundle:
        """Every dataset for [first, last] (local days) as CSV and JSON, with a manifest of SHA-256 digests.
        The files and the manifest are also stored under Object Lock, so the export can be checked later."""
        require_role(actor, EXPORTS_BUNDLES, "exporting the annual audit bundle")
        if last < first:
            raise DomainError("the bundle's end date is before its start date")
        now = self._clock.now()
        start, end = local_range(first, last, self._zone)
        bundle_id = f"{first.isoformat()}_{last.isoformat()}-{uuid.uuid4().hex[:8]}"
        files: dict[str, bytes] = {}
        datasets: dict[str, Any] = {}
        for dataset in DATASETS.values():
            if not dataset.recorded:
                datasets[dataset.name] = {"description": dataset.description, "rows": NOT_RECORDED}
                continue
            rows = dataset.rows(self._repos, start, end)
            files[f"{dataset.name}.json"] = to_json(rows)
            files[f"{dataset.name}.csv"] = to_csv(rows)
            datasets[dataset.name] = {"description": dataset.description, "rows": len(rows)}
        meta = {
            "bundle_id": bundle_id,
            "purpose": "annual audit with the Independent Police Auditor (policy 418.6.1)",
            "from": first.isoformat(),
            "to": last.isoformat(),
            "period_start": start,
            "period_end": end,
            "time_zone": self._zone,
            "generated_at": iso(now),
            "generated_by": actor.member_id,
            "datasets": datasets,
        }
        recorded = manifest(files, meta)
        files_with_manifest = {**files, MANIFEST_FILE: to_json(recorded)}
        until = now + timedelta(days=self._retention_days)
        prefix = bundle_prefix(bundle_id)
        for name, data in files_with_manifest.items():
            content_type = "text/csv" if name.endswith(".csv") else "application/json"
            self._repos.image_versions.put_locked(f"{prefix}{name}", data, content_type, until)
        total = sum(d["rows"] for d in datasets.values() if isinstance(d["rows"], int))
        self._record(actor, "audit.bundle", f"bundle={bundle_id} {first}..{last}", bundle_id, total)
        return Bundle(bundle_id, files_with_manifest, recorded, prefix)

    def stored_manifest(self, bundle_id: str) -> bytes:
        return self._repos.audit_archive.read(f"{bundle_prefix(bundle_id)}{MANIFEST_FILE}")

    # --- the access-record chain -----------------------------------------------------------------------

    def verify_access_chain(self, actor: Identity, days: list[str] | None = None) -> list[DayVerification]:
        require_role(actor, rules.READS_AUDITS, "verifying the access records")
        return self.sealer.verify(days or None)

    @property
    def sealer(self) -> AccessSealer:
        """The chain checked against its seals (alpr/services/access_seals.py)."""
        return AccessSealer(self._repos.access_log.chain, self._repos.access_seals, self._clock)

    def _record(self, actor: Identity, action: str, subject: str, case: str, results: int) -> None:
        """Audits show who looked at what (plates included): showing them to a person is itself an access."""
        self._repos.access_log.append(
            new_access_record(
                self._clock.now(),
                member_id=actor.member_id,
                member_name=actor.name,
                organization=getattr(actor, "organization", DEPARTMENT),
                action=action,
                subject=subject,
                purpose=AUDIT_ACCESS_PURPOSE,
                case_number=case,
                results=results,
            )
        )


def check_bundle(files: Mapping[str, bytes], stored_manifest: bytes | None = None) -> list[str]:
    """What a reviewer runs on an exported folder: every file against the manifest, and the manifest
    against the copy stored under Object Lock when one is given."""
    if MANIFEST_FILE not in files:
        return [f"{MANIFEST_FILE}: missing"]
    recorded = json.loads(files[MANIFEST_FILE])
    problems = verify_manifest({k: v for k, v in files.items() if k != MANIFEST_FILE}, recorded)
    if stored_manifest is not None and sha256_hex(stored_manifest) != sha256_hex(files[MANIFEST_FILE]):
        problems.append(f"{MANIFEST_FILE}: differs from the copy stored under Object Lock at export")
    return problems
