"""The camera registry's rules: who a camera is, where it stands, and how it proves it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import BaseModel, Field, model_validator

from alpr.domain.errors import Forbidden, Unauthenticated
from alpr.schema import DEFAULT_CAMERA_EXPECTED_INTERVAL_S, SourceClass

API_KEY_BYTES = 32


class Location(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Camera(BaseModel):
    camera_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    source: SourceClass
    name: str = ""
    # Fixed cameras have a surveyed position; mobile ones (vehicle, axon) send GPS with each frame.
    mobile: bool
    location: Location | None = None
    active: bool = True
    key_salt: str
    key_hash: str
    # Silent longer than this (no heartbeat, no frame) raises the camera-health alarm; 0: not watched
    # (e.g. a patrol car's camera, off while the car is parked). A number, not None: items drop None values.
    expected_interval_s: int = Field(default=DEFAULT_CAMERA_EXPECTED_INTERVAL_S, ge=0)

    @model_validator(mode="after")
    def _fixed_cameras_have_a_place(self) -> Camera:
        if not self.mobile and self.location is None:
            raise ValueError("a fixed camera needs a latitude and longitude")
        return self


def hash_api_key(api_key: str, salt: str) -> str:
    # Keys are 256-bit random tokens, so a salted SHA-256 resists guessing as well as a slow hash
    # would, and keeps every camera upload fast.
    return hashlib.sha256(f"{salt}:{api_key}".encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """Returns (key shown once to the installer, salt, hash stored in the registry)."""
    api_key = secrets.token_urlsafe(API_KEY_BYTES)
    salt = secrets.token_hex(16)
    return api_key, salt, hash_api_key(api_key, salt)


def authenticate(camera: Camera | None, camera_id: str, api_key: str | None) -> Camera:
    """Unknown, inactive and wrongly-keyed cameras are refused; the messages don't reveal which ids exist
    beyond what an installer needs to fix a misconfigured camera."""
    if not api_key:
        raise Unauthenticated(
            "missing camera key: send it in the X-Camera-Key header or as HTTP Basic credentials (camera id:key)"
        )
    if camera is None:
        raise Unauthenticated(f"unknown camera {camera_id!r} or wrong key")
    presented = hash_api_key(api_key, camera.key_salt)
    if not hmac.compare_digest(presented, camera.key_hash):
        raise Unauthenticated(f"unknown camera {camera_id!r} or wrong key")
    if not camera.active:
        raise Forbidden(f"camera {camera_id!r} is deactivated; ask the ALPR administrator")
    return camera
