"""The agent's store-and-forward spool: every selected frame is on disk before it is sent, and leaves only after
the server's 202.

Durability: each frame is one file (a JSON header line, then the JPEG), written to a temporary name, fsync'd,
renamed into place and the directory fsync'd, so after ``kill -9`` or a power cut a frame is either wholly in
the spool or not there at all (POSIX rename is atomic). The counters live in ``state.json``, written the same
way. A frame lost to a crash between capture and commit was never selected in the counters either, so the
counters always add up: selected = sent + refused + dropped + in the spool.

When full (``max_frames`` or ``max_bytes``), the stated policy decides and every frame it drops is counted:
``drop-oldest`` (default: the newest frames are the ones an officer is waiting for) or ``drop-newest`` (keep the
backlog, refuse new frames).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from alpr.schema import CaptureClock

FRAME_SUFFIX = ".frame"
TEMP_SUFFIX = ".tmp"
STATE_FILE = "state.json"
POLICIES = ("drop-oldest", "drop-newest")


@dataclass(frozen=True)
class SpooledFrame:
    path: Path
    client_frame_id: str
    captured_at: str
    content_type: str
    latitude: float | None
    longitude: float | None
    size: int

    def read_image(self) -> bytes:
        with self.path.open("rb") as handle:
            handle.readline()
            return handle.read()


@dataclass
class Counters:
    """What the agent did, across restarts."""

    frames_read: int = 0
    frames_selected: int = 0
    frames_spooled: int = 0
    frames_sent: int = 0
    frames_duplicate: int = 0
    frames_refused: int = 0
    frames_dropped: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    last_sent_at: str | None = None
    clock_skew_s: float | None = None
    # Frames stamped by this box's clock because they carried no clock of their own (schema.CaptureClock), and the
    # clock that stamped the last frame spooled.
    frames_box_clock: int = 0
    last_clock: str | None = None
    # Crash bookkeeping: the last frame whose commit the counters include, and a frame whose outcome is
    # counted but whose file may still be there (removed on the next start).
    committed_sequence: int = 0
    removing: str | None = None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    temp = path.with_name(path.name + TEMP_SUFFIX)
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    _fsync_dir(path.parent)


class Spool:
    def __init__(
        self, directory: Path, max_frames: int = 10_000, max_bytes: int = 2 * 1024**3, policy: str = "drop-oldest"
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"spool policy must be one of {', '.join(POLICIES)}")
        self.directory = directory
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self.policy = policy
        self._lock = threading.RLock()
        directory.mkdir(parents=True, exist_ok=True)
        # Half-written files from a crash were never committed: remove them.
        for temp in directory.glob(f"*{TEMP_SUFFIX}"):
            temp.unlink(missing_ok=True)
        self.counters = self._load_counters()
        self._recover()
        self._sequence = max((self._sequence_of(p) for p in self._paths()), default=self.counters.committed_sequence)

    def _recover(self) -> None:
        """Makes the counters agree with the disk after a crash between a file operation and the counters."""
        counters = self.counters
        if counters.removing:
            (self.directory / counters.removing).unlink(missing_ok=True)
            counters.removing = None
        uncounted = [p for p in self._paths() if self._sequence_of(p) > counters.committed_sequence]
        counters.frames_selected += len(uncounted)
        counters.frames_spooled += len(uncounted)
        if uncounted:
            counters.committed_sequence = max(self._sequence_of(p) for p in uncounted)
        self.save_counters()

    # --- counters ----------------------------------------------------------------------------------------

    def _load_counters(self) -> Counters:
        path = self.directory / STATE_FILE
        if not path.exists():
            return Counters()
        raw = json.loads(path.read_text())
        known = {k: v for k, v in raw.items() if k in Counters.__dataclass_fields__}
        return Counters(**known)

    def save_counters(self) -> None:
        with self._lock:
            atomic_write(self.directory / STATE_FILE, json.dumps(asdict(self.counters), indent=1).encode())

    def count(self, save: bool = True, **changes: int) -> None:
        with self._lock:
            for name, delta in changes.items():
                setattr(self.counters, name, getattr(self.counters, name) + delta)
            if save:
                self.save_counters()

    def note_error(self, message: str, at: str) -> None:
        with self._lock:
            self.counters.last_error, self.counters.last_error_at = message[:500], at
            self.save_counters()

    # --- frames ------------------------------------------------------------------------------------------

    def _paths(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{FRAME_SUFFIX}"))

    @staticmethod
    def _sequence_of(path: Path) -> int:
        try:
            return int(path.name.split("-", 1)[0])
        except ValueError:
            return 0

    def add(
        self,
        image: bytes,
        client_frame_id: str,
        captured_at: str,
        content_type: str = "image/jpeg",
        latitude: float | None = None,
        longitude: float | None = None,
        clock: CaptureClock = CaptureClock.BOX,
    ) -> bool:
        """Commits a selected frame to disk; False when the full-spool policy refused it (counted as dropped)."""
        header = {
            "client_frame_id": client_frame_id,
            "captured_at": captured_at,
            "content_type": content_type,
            "latitude": latitude,
            "longitude": longitude,
            "clock": clock,
        }
        with self._lock:
            self.counters.frames_selected += 1
            self.counters.last_clock = clock
            if clock == CaptureClock.BOX:
                self.counters.frames_box_clock += 1
            record = json.dumps(header).encode() + b"\n" + image
            if not self._make_room(len(record)):
                self.counters.frames_dropped += 1
                self.save_counters()
                return False
            self._sequence += 1
            path = self.directory / f"{self._sequence:012d}-{_safe(client_frame_id)}{FRAME_SUFFIX}"
            atomic_write(path, record)
            self.counters.frames_spooled += 1
            self.counters.committed_sequence = self._sequence
            self.save_counters()
            return True

    def _make_room(self, incoming: int) -> bool:
        paths = self._paths()
        total = sum(p.stat().st_size for p in paths)
        while paths and (len(paths) + 1 > self.max_frames or total + incoming > self.max_bytes):
            if self.policy == "drop-newest":
                return False
            oldest = paths.pop(0)
            total -= oldest.stat().st_size
            self.counters.frames_dropped += 1
            self.counters.removing = oldest.name
            self.save_counters()
            oldest.unlink(missing_ok=True)
            self.counters.removing = None
        return incoming <= self.max_bytes

    def pending(self) -> Iterator[SpooledFrame]:
        """Frames waiting to be sent, oldest first."""
        for path in self._paths():
            frame = self.load(path)
            if frame is not None:
                yield frame

    def load(self, path: Path) -> SpooledFrame | None:
        try:
            with path.open("rb") as handle:
                header = json.loads(handle.readline())
            size = path.stat().st_size
        except (FileNotFoundError, ValueError):
            return None
        return SpooledFrame(
            path=path,
            client_frame_id=header["client_frame_id"],
            captured_at=header["captured_at"],
            content_type=header.get("content_type", "image/jpeg"),
            latitude=header.get("latitude"),
            longitude=header.get("longitude"),
            size=size,
        )

    def remove(self, frame: SpooledFrame, outcome: str, at: str) -> None:
        """After the server's answer: ``sent`` (202/201), ``duplicate`` (202 for a resend) or ``refused`` (4xx)."""
        with self._lock:
            if outcome in ("sent", "duplicate"):
                self.counters.frames_sent += 1
                self.counters.last_sent_at = at
                if outcome == "duplicate":
                    self.counters.frames_duplicate += 1
            else:
                self.counters.frames_refused += 1
            # Counted first, then removed: a crash in between is finished by _recover on the next start.
            self.counters.removing = frame.path.name
            self.save_counters()
            frame.path.unlink(missing_ok=True)
            _fsync_dir(self.directory)
            self.counters.removing = None

    def depth(self) -> int:
        return len(self._paths())

    def oldest(self) -> SpooledFrame | None:
        return next(self.pending(), None)

    def status(self) -> dict[str, Any]:
        oldest = self.oldest()
        return {
            "spool": str(self.directory),
            "spool_depth": self.depth(),
            "spool_bytes": sum(p.stat().st_size for p in self._paths()),
            "spool_policy": f"{self.policy} (max {self.max_frames} frames, {self.max_bytes} bytes)",
            "oldest_unsent": oldest.captured_at if oldest else None,
            **{k: v for k, v in asdict(self.counters).items() if k not in ("committed_sequence", "removing")},
        }


def _safe(client_frame_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in client_frame_id)[:80]


@contextlib.contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """One agent per spool: a second one would send the same frames twice concurrently."""
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "agent.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another agent is using the spool {directory}") from exc
        handle.write(str(os.getpid()))
        handle.flush()
        yield
