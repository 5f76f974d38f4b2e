"""Hotlist use cases: importing state and federal lists, manual entries (each queues a historical search),
and the snapshots the matchers load."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from alpr import schema
from alpr.clock import Clock, iso
from alpr.domain.alerts import ADMINISTERS_HOTLIST, ENTERS_HOTLIST, READS_HOTLIST, Identity, require
from alpr.domain.errors import Conflict, NotFound
from alpr.domain.hotlist import entries as rules
from alpr.domain.hotlist.entries import HotlistChange, HotlistEntry
from alpr.domain.hotlist.imports import (
    ImportRefused,
    UploadStatus,
    UploadTicket,
    check_direct_body,
    check_upload_size,
    parse_list,
    refusal,
    valid_list_name,
)
from alpr.domain.hotlist.matcher import manual_snapshot
from alpr.domain.hotlist.searches import HistoricalSearch, snapshots_to_delete
from alpr.domain.hotlist.snapshot import build_snapshot
from alpr.repositories.factory import Repositories
from alpr.repositories.hotlist import PresignedPost
from alpr.services.historical import HistoricalSearchService


class ImportStatus:
    IN_FORCE = "in_force"
    REFUSED = "refused"
    SUPERSEDED = "superseded"


@dataclass
class ImportReport:
    list_name: str
    version: str
    number: int
    status: str
    imported_by: str
    imported_at: str
    origin: str
    rows: int = 0
    imported: int = 0
    bad_count: int = 0
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    refused_because: str | None = None
    snapshot_key: str | None = None
    snapshot_bytes: int = 0

    def as_item(self) -> dict[str, Any]:
        return dict(self.__dict__)


MANUAL_SNAPSHOTS = "manual"


def snapshot_folder(list_name: str) -> str:
    return f"{schema.BUCKET.hotlist_snapshots}{list_name}/"


def snapshot_key(list_name: str, version: str) -> str:
    return f"{snapshot_folder(list_name)}{version}.snap"


@dataclass(frozen=True)
class Upload:
    ticket: UploadTicket
    post: PresignedPost


def upload_of(key: str) -> tuple[str, str]:
    """hotlists/uploads/<list name>/<upload id> -> (list name, upload id)."""
    parts = PurePosixPath(key[len(schema.BUCKET.hotlist_uploads) :]).parts
    if not key.startswith(schema.BUCKET.hotlist_uploads) or len(parts) != 2:
        raise ImportRefused(f"{key} is not an upload key ({schema.BUCKET.hotlist_uploads}<list name>/<upload id>)")
    return valid_list_name(parts[0]), parts[1]


def list_name_of(incoming_key: str) -> str:
    """hotlists/incoming/<list name>/<file>: the folder names the list the file replaces."""
    relative = PurePosixPath(incoming_key[len(schema.BUCKET.hotlist_incoming) :])
    if len(relative.parts) < 2:
        raise ImportRefused(
            f"drop list files into {schema.BUCKET.hotlist_incoming}<list name>/, e.g. "
            f"{schema.BUCKET.hotlist_incoming}ca-svs/2026-11-02.csv"
        )
    return valid_list_name(relative.parts[0])


class HotlistService:
    def __init__(
        self,
        repos: Repositories,
        clock: Clock,
        historical: HistoricalSearchService | None = None,
        snapshots_kept: int = 3,
    ) -> None:
        self._repos = repos
        self._clock = clock
        self._historical = historical or HistoricalSearchService(repos, clock)
        self._snapshots_kept = snapshots_kept

    # --- imported lists ----------------------------------------------------------------------------------

    def import_list(self, member: Identity, list_name: str, data: bytes, origin: str = "api") -> ImportReport:
        require(member, ADMINISTERS_HOTLIST, "importing a state or federal hotlist")
        return self._import(valid_list_name(list_name), data, member.member_id, origin)

    def import_small_list(self, member: Identity, list_name: str, data: bytes) -> ImportReport:
        """A list in the API request's body: only one that the web ACL's body-size rule lets through."""
        require(member, ADMINISTERS_HOTLIST, "importing a state or federal hotlist")
        name = valid_list_name(list_name)
        check_direct_body(len(data), schema.MAX_DIRECT_HOTLIST_IMPORT_BYTES, f"/v1/hotlists/{name}/uploads")
        return self._import(name, data, member.member_id, "api")

    # --- uploads (presigned POST straight to S3, imported when S3 announces the file) -------------------------

    def request_upload(self, member: Identity, list_name: str, size: int | None = None, filename: str = "") -> Upload:
        """A presigned POST for one list file; the import that follows is attributed to ``member``."""
        require(member, ADMINISTERS_HOTLIST, "importing a state or federal hotlist")
        name = valid_list_name(list_name)
        if size is not None:
            check_upload_size(size, schema.MAX_HOTLIST_UPLOAD_BYTES)
        now = self._clock.now()
        upload_id = uuid.uuid4().hex
        ticket = UploadTicket(
            upload_id=upload_id,
            list_name=name,
            requested_by=member.member_id,
            requested_at=iso(now),
            upload_expires_at=iso(now + timedelta(seconds=schema.PRESIGNED_URL_TTL_S)),
            max_bytes=schema.MAX_HOTLIST_UPLOAD_BYTES,
            key=schema.BUCKET.hotlist_upload_key(name, upload_id),
            filename=filename[:200],
        )
        # The ticket first: the file's S3 event may reach the importer before this call has answered.
        self._repos.hotlist_versions.put_upload(ticket)
        post = self._repos.list_uploads.presigned_post(
            ticket.key, schema.MAX_HOTLIST_UPLOAD_BYTES, schema.PRESIGNED_URL_TTL_S
        )
        return Upload(ticket, post)

    def upload(self, member: Identity, list_name: str, upload_id: str) -> tuple[UploadTicket, dict[str, Any] | None]:
        """The ticket as it stands now and, once imported, the version's report (bad rows and all)."""
        require(member, READS_HOTLIST, "looking at hotlist imports")
        name = valid_list_name(list_name)
        ticket = self._repos.hotlist_versions.upload(name, upload_id)
        if ticket is None:
            raise NotFound(f"no upload {upload_id} for list {name}")
        report = self._repos.hotlist_versions.version(name, ticket.version) if ticket.version else None
        return ticket.seen_at(iso(self._clock.now())), report

    def import_uploaded_file(self, key: str) -> ImportReport | None:
        """The file of an upload ticket has landed; None when this ticket's import already ran (a repeated event).

        Raises ImportRefused for a file no ticket asked for (nothing is imported, and the file stays)."""
        list_name, upload_id = upload_of(key)
        tickets = self._repos.hotlist_versions
        ticket = tickets.upload(list_name, upload_id)
        if ticket is None:
            raise ImportRefused(f"{key}: no upload was requested under this name; nothing was imported")
        size = self._repos.list_uploads.size(key)
        if not tickets.start_upload_import(list_name, upload_id, size):
            return None
        origin = f"upload {upload_id} (s3://{self._repos.images.bucket}/{key})"
        try:
            # S3 refuses a body over the policy's content-length-range; this holds where the policy is not checked
            check_upload_size(size, ticket.max_bytes)
        except ImportRefused as refused:
            report = self._refused(list_name, ticket.requested_by, origin, refused.message)
        else:
            report = self._import(list_name, self._repos.list_uploads.get(key), ticket.requested_by, origin)
        done = ticket.model_copy(
            update={
                "status": UploadStatus(report.status),
                "version": report.version,
                "finished_at": iso(self._clock.now()),
                "refused_because": report.refused_because or "",
            }
        )
        tickets.finish_upload(done)
        return report

    def _refused(self, list_name: str, by: str, origin: str, why: str) -> ImportReport:
        number = self._repos.hotlist_versions.next_number()
        report = ImportReport(
            list_name, f"v{number:08d}", number, ImportStatus.REFUSED, by, iso(self._clock.now()), origin
        )
        report.refused_because = why
        self._repos.hotlist_versions.put_version(report.as_item())
        return report

    def import_dropped_file(self, key: str, dropped_by: str) -> ImportReport:
        """A file an administrator put in the bucket: write access to hotlists/incoming/ is the authority."""
        data = self._repos.images.get_bytes(key)
        return self._import(list_name_of(key), data, dropped_by, f"s3://{self._repos.images.bucket}/{key}")

    def _import(self, list_name: str, data: bytes, by: str, origin: str) -> ImportReport:
        try:
            parsed = parse_list(data)
        except ImportRefused as refused:
            return self._refused(list_name, by, origin, refused.message)
        number = self._repos.hotlist_versions.next_number()
        version = f"v{number:08d}"
        report = ImportReport(list_name, version, number, ImportStatus.REFUSED, by, iso(self._clock.now()), origin)
        report.rows, report.imported, report.bad_count = parsed.rows, len(parsed.records), parsed.bad_count
        report.bad_rows = [{"line": b.line, "reason": b.reason} for b in parsed.bad_rows]
        report.refused_because = refusal(parsed)
        if report.refused_because:
            report.imported = 0
            self._repos.hotlist_versions.put_version(report.as_item())
            return report
        # Snapshot first, pointer last: until the one conditional pointer write, matchers keep the old version,
        # so a failure anywhere before it leaves the previous list in force.
        snapshot = build_snapshot(list_name, version, parsed.records)
        report.snapshot_key, report.snapshot_bytes = snapshot_key(list_name, version), len(snapshot)
        self._repos.snapshots.put(report.snapshot_key, snapshot)
        swapped = self._repos.hotlist_versions.swap_list(
            list_name,
            {"version": version, "number": number, "snapshot_key": report.snapshot_key, "count": report.imported},
        )
        report.status = ImportStatus.IN_FORCE if swapped else ImportStatus.SUPERSEDED
        self._repos.hotlist_versions.put_version(report.as_item())
        if swapped:
            self.prune_snapshots(list_name)
        return report

    def versions(self, member: Identity, list_name: str) -> list[dict[str, Any]]:
        require(member, READS_HOTLIST, "looking at hotlist imports")
        in_force = self._repos.hotlist_versions.pointer().get("lists", {}).get(list_name, {}).get("version")
        versions = self._repos.hotlist_versions.versions(valid_list_name(list_name))
        for version in versions:
            version["in_force"] = version["version"] == in_force
        return versions

    def lists_in_force(self) -> dict[str, Any]:
        return dict(self._repos.hotlist_versions.pointer().get("lists", {}))

    # --- manual entries ------------------------------------------------------------------------------------

    def add(self, member: Identity, **fields: Any) -> tuple[HotlistEntry, HistoricalSearch]:
        """Adds an entry, puts it in force, and queues the search for its earlier sightings."""
        require(member, ENTERS_HOTLIST, "adding a hotlist entry")
        now = self._clock.now()
        entry = rules.new_entry(entered_by=member.member_id, now=now, **fields)
        self._repos.hotlist.add(entry, rules.change_record(None, entry, member.member_id, "added", now))
        self.publish_manual_snapshot()
        return entry, self._historical.enqueue(entry, member.member_id)

    def deactivate(self, member: Identity, entry_id: str, why: str) -> HotlistEntry:
        return self._change(
            member, entry_id, "deactivated", lambda e, now: rules.deactivated(e, member.member_id, why, now)
        )

    def extend(self, member: Identity, entry_id: str, days: int) -> tuple[HotlistEntry, HistoricalSearch]:
        """A new expiry, and a new search: an entry that had lapsed missed the reads taken meanwhile."""
        entry = self._change(member, entry_id, "extended", lambda e, now: rules.extended(e, days, now))
        return entry, self._historical.enqueue(entry, member.member_id)

    def search_again(self, member: Identity, entry_id: str) -> HistoricalSearch:
        """Queues another search for an entry in force (e.g. after a search's message went to the dead letters)."""
        require(member, ENTERS_HOTLIST, "searching again for a hotlist entry")
        entry = self._get(entry_id)
        # A search of the reads in retention is a use of the entry's justification: its author's, or a supervisor's.
        if entry.entered_by != member.member_id:
            require(member, ADMINISTERS_HOTLIST, "searching again for another member's hotlist entry")
        if not entry.in_force(self._clock.now()):
            raise Conflict(f"entry {entry_id} is not in force: nothing is being looked for")
        return self._historical.enqueue(entry, member.member_id)

    def _change(
        self,
        member: Identity,
        entry_id: str,
        action: str,
        change: Callable[[HotlistEntry, datetime], HotlistEntry],
    ) -> HotlistEntry:
        require(member, ENTERS_HOTLIST, f"changing a hotlist entry ({action})")
        before = self._get(entry_id)
        if before.entered_by != member.member_id:
            require(member, ADMINISTERS_HOTLIST, "changing another member's hotlist entry")
        now = self._clock.now()
        after = change(before, now)
        self._repos.hotlist.replace(before, after, rules.change_record(before, after, member.member_id, action, now))
        self.publish_manual_snapshot()
        return after

    def _get(self, entry_id: str) -> HotlistEntry:
        entry = self._repos.hotlist.get(entry_id)
        if entry is None:
            raise NotFound(f"no hotlist entry {entry_id}")
        return entry

    def entries(self, member: Identity, include_inactive: bool = False) -> list[HotlistEntry]:
        require(member, READS_HOTLIST, "listing hotlist entries")
        now = self._clock.now()
        return [e for e in self._repos.hotlist.all() if include_inactive or e.in_force(now)]

    def history(self, member: Identity, entry_id: str) -> list[HotlistChange]:
        require(member, READS_HOTLIST, "reading a hotlist entry's history")
        self._get(entry_id)
        return self._repos.hotlist.history(entry_id)

    def publish_manual_snapshot(self) -> bool:
        """Puts the manual entries in force into a new snapshot and points matchers at it.

        The number is taken before the entries are read, and the pointer only moves to a higher number: the
        build that started last wins, and it saw every change committed before any earlier build started.
        """
        number = self._repos.hotlist_versions.next_number()
        now = self._clock.now()
        data = manual_snapshot(self._repos.hotlist.all(), now)
        key = f"{snapshot_folder(MANUAL_SNAPSHOTS)}v{number:08d}.json"
        self._repos.snapshots.put(key, data)
        swapped = self._repos.hotlist_versions.swap_manual(
            {"number": number, "snapshot_key": key, "built_at": iso(now)}
        )
        if swapped:
            self.prune_snapshots(MANUAL_SNAPSHOTS)
        return swapped

    # --- snapshots ---------------------------------------------------------------------------------------

    def prune_snapshots(self, list_name: str) -> list[str]:
        """After a successful swap: deletes the list's snapshots older than the one in force and the
        ``snapshots_kept`` before it. Reads the pointer again, so it never deletes what is in force now."""
        pointer = self._repos.hotlist_versions.pointer()
        if list_name == MANUAL_SNAPSHOTS:
            in_force = pointer.get("manual", {}).get("snapshot_key")
        else:
            in_force = pointer.get("lists", {}).get(list_name, {}).get("snapshot_key")
        if not in_force:
            return []
        doomed = snapshots_to_delete(
            self._repos.snapshots.keys(snapshot_folder(list_name)), in_force, self._snapshots_kept
        )
        self._repos.snapshots.delete(doomed)
        return doomed
