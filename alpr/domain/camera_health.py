"""Camera health (policy 418.3.1(c)): what a heartbeat says, and when a camera counts as silent."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from alpr.clock import iso, parse_timestamp
from alpr.domain.cameras import Camera
from alpr.schema import CaptureClock


class Heartbeat(BaseModel):
    """What an agent reports (POST /v1/cameras/heartbeat); every field is bounded, none carries plate data."""

    agent_version: str = Field(default="", max_length=40)
    spool_depth: int = Field(default=0, ge=0)
    oldest_unsent: str | None = Field(default=None, max_length=40)
    last_error: str | None = Field(default=None, max_length=500)
    frames_sent: int = Field(default=0, ge=0)
    frames_dropped: int = Field(default=0, ge=0)
    frames_refused: int = Field(default=0, ge=0)
    clock_skew_s: float | None = None
    source: str = Field(default="", max_length=200)
    # The clock that stamped the last frame spooled, and how many frames only the box's own clock could stamp.
    last_clock: CaptureClock | None = None
    frames_box_clock: int = Field(default=0, ge=0)


class CameraHealthRecord(BaseModel):
    camera_id: str
    last_heartbeat_at: str | None = None
    last_frame_at: str | None = None
    heartbeat: Heartbeat | None = None


class HealthState(StrEnum):
    OK = "ok"
    SILENT = "silent"
    NEVER_SEEN = "never_seen"
    NOT_WATCHED = "not_watched"
    DEACTIVATED = "deactivated"


class CameraHealth(BaseModel):
    camera_id: str
    name: str
    state: HealthState
    last_seen: str | None
    expected_interval_s: int | None
    silent_for_s: int | None
    agent_version: str = ""
    spool_depth: int | None = None
    last_error: str | None = None
    last_clock: CaptureClock | None = None
    frames_box_clock: int | None = None
    clock_skew_s: float | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def capture_clock(self) -> str:
        """How far this camera's capture times can be trusted, in words (the CLI and the page show it): the clock
        that stamped its last frame, the frames only the box's clock stamped, and that clock's offset."""
        if self.last_clock is None:
            return ""
        words = [f"last frame: {self.last_clock.value}"]
        if self.frames_box_clock:
            words.append(f"{self.frames_box_clock} frame(s) by the box's clock")
        if self.clock_skew_s is not None:
            words.append(f"box clock {self.clock_skew_s:+.1f} s from the server's")
        return "; ".join(words)


def last_seen(record: CameraHealthRecord | None) -> datetime | None:
    if record is None:
        return None
    stamps = [parse_timestamp(s) for s in (record.last_heartbeat_at, record.last_frame_at) if s]
    return max(stamps) if stamps else None


def assess(camera: Camera, record: CameraHealthRecord | None, now: datetime) -> CameraHealth:
    seen = last_seen(record)
    silent_for = int((now - seen).total_seconds()) if seen else None
    if not camera.active:
        state = HealthState.DEACTIVATED
    elif not camera.expected_interval_s:
        state = HealthState.NOT_WATCHED
    elif seen is None:
        state = HealthState.NEVER_SEEN
    elif now - seen > timedelta(seconds=camera.expected_interval_s):
        state = HealthState.SILENT
    else:
        state = HealthState.OK
    beat = record.heartbeat if record else None
    return CameraHealth(
        camera_id=camera.camera_id,
        name=camera.name,
        state=state,
        last_seen=iso(seen) if seen else None,
        expected_interval_s=camera.expected_interval_s,
        silent_for_s=silent_for,
        agent_version=beat.agent_version if beat else "",
        spool_depth=beat.spool_depth if beat else None,
        last_error=beat.last_error if beat else None,
        last_clock=beat.last_clock if beat else None,
        frames_box_clock=beat.frames_box_clock if beat else None,
        clock_skew_s=beat.clock_skew_s if beat else None,
    )


# Alarm on a watched camera that went quiet. A camera registered but never seen is listed (``never_seen``) but
# does not alarm: registration comes before installation, and an alarm from day one would teach people to ignore it.
ALARMING = frozenset({HealthState.SILENT})
