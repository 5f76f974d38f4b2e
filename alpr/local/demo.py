"""Demo data for the local stack: three cameras (one per source class), a hotlist entry and a photo."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from alpr.clock import iso
from alpr.domain.hotlist.entries import MAX_ENTRY_DAYS, change_record, new_entry
from alpr.domain.records import HotlistReason
from alpr.domain.training import TrainingRecord
from alpr.local.staff_accounts import add_member, first_login, new_password
from alpr.runtime import Runtime
from alpr.schema import Role, SourceClass
from alpr.services.cameras import register_camera

DEMO_PLATE = "7ABC123"
DEMO_CAMERAS = (
    ("demo-fixed-1", SourceClass.FIXED, "Flock, E 14th St at Davis St", 37.7249, -122.1561),
    ("demo-car-1", SourceClass.VEHICLE, "Patrol car 12 (vehicle-mounted)", None, None),
    ("demo-axon-1", SourceClass.AXON, "Axon Fleet, patrol car 7", None, None),
)


def seed(runtime: Runtime) -> dict[str, str]:
    keys = {}
    for camera_id, source, name, latitude, longitude in DEMO_CAMERAS:
        keys[camera_id] = register_camera(runtime.repos.cameras, camera_id, source, name, latitude, longitude)
    now = runtime.clock.now()
    entry = new_entry(
        value=DEMO_PLATE,
        entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-hotlist/{DEMO_PLATE}")),
        reason=HotlistReason.STOLEN_VEHICLE,
        case_number="SLPD-DEMO-0001",
        state="CA",
        entered_by="demo-seed",
        now=now,
        expires_in_days=MAX_ENTRY_DAYS,
    )
    runtime.repos.hotlist.add(entry, change_record(None, entry, "demo-seed", "added", now))
    runtime.hotlist.publish_manual_snapshot()
    return keys


# Staff accounts for trying the search page: (username, name, role, trained). Each has finished the first
# login (new password, authenticator app) except FIRST_LOGIN_MEMBER, who holds a temporary password.
DEMO_STAFF = (
    ("officer", "Officer Dana Reyes", Role.OFFICER, True),
    ("admin", "Sgt. Lee Park", Role.ADMINISTRATOR, True),
    ("captain", "Capt. Morgan Hale", Role.CAPTAIN, True),
    ("auditor", "Sam Ortiz", Role.AUDITOR, True),
    ("untrained", "Officer Chris Vale", Role.OFFICER, False),
    ("recruit", "Officer Jamie Cruz (new member)", Role.OFFICER, True),
)
FIRST_LOGIN_MEMBER = "recruit"
DEMO_COURSE = "Department ALPR user training (NCRIC-aligned), policy 418.98"


@dataclass(frozen=True)
class DemoStaff:
    # The password each member logs in with: the temporary one for a member whose first login is not done.
    passwords: dict[str, str]
    # The authenticator app's secret of each member who has one (moto gives all the same one).
    authenticators: dict[str, str]


def seed_staff(runtime: Runtime, cognito: Any, pool_id: str) -> DemoStaff:
    """The demo members; all but ``untrained`` have a training record."""
    staff = DemoStaff({}, {})
    for username, name, role, trained in DEMO_STAFF:
        temporary = new_password()
        add_member(cognito, pool_id, username, name, (role,), temporary)
        if username == FIRST_LOGIN_MEMBER:
            staff.passwords[username] = temporary
        else:
            staff.passwords[username] = new_password()
            directory = runtime.repos.staff_directory
            staff.authenticators[username] = first_login(directory, username, temporary, staff.passwords[username])
        if trained:
            runtime.repos.training.put(
                TrainingRecord(
                    member_id=username,
                    course=DEMO_COURSE,
                    completed_on=runtime.clock.now().date().isoformat(),
                    recorded_by="demo-seed",
                    recorded_at=iso(runtime.clock.now()),
                )
            )
    return staff


def render_plate_photo(
    plate: str = DEMO_PLATE, width: int = 1280, height: int = 720, seed_value: int = 7
) -> np.ndarray:
    """A street-like frame with a car's rear and a California-style plate: made here, so no licence issue."""
    rng = np.random.default_rng(seed_value)
    frame = np.full((height, width, 3), 90, np.uint8)
    frame[: height // 2] = (170, 150, 120)
    frame = np.asarray(cv2.add(frame, rng.integers(0, 25, frame.shape, dtype=np.uint8)), dtype=np.uint8)
    car = (width // 4, height // 4, width * 3 // 4, height * 7 // 8)
    cv2.rectangle(frame, car[:2], car[2:], (40, 40, 140), -1)
    plate_w, plate_h = 300, 150
    x = (width - plate_w) // 2
    y = car[3] - plate_h - 60
    cv2.rectangle(frame, (x, y), (x + plate_w, y + plate_h), (245, 245, 245), -1)
    cv2.rectangle(frame, (x, y), (x + plate_w, y + plate_h), (30, 30, 30), 3)
    cv2.putText(frame, "California", (x + 85, y + 32), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 0.9, (40, 40, 200), 2)
    cv2.putText(frame, plate, (x + 22, y + 112), cv2.FONT_HERSHEY_DUPLEX, 2.1, (120, 40, 20), 5)
    return frame


def write_demo_photo(path: Path, plate: str = DEMO_PLATE) -> Path:
    if not cv2.imwrite(str(path), render_plate_photo(plate)):
        raise OSError(f"could not write {path}")
    return path
