"""Registering cameras; the key is shown once to the installer and only its hash is kept."""

from __future__ import annotations

from alpr.domain.cameras import Camera, Location, new_api_key
from alpr.repositories.stores import CameraRepository
from alpr.schema import SourceClass


def new_camera(
    camera_id: str,
    source: SourceClass,
    name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> tuple[Camera, str]:
    """The camera record and its key (shown once to the installer; the record keeps only a salted hash)."""
    api_key, salt, key_hash = new_api_key()
    location = (
        Location(latitude=latitude, longitude=longitude) if latitude is not None and longitude is not None else None
    )
    camera = Camera(
        camera_id=camera_id,
        source=source,
        name=name,
        # Vehicle-mounted and Axon in-car cameras move; Flock cameras stand in one place.
        mobile=source is not SourceClass.FIXED,
        location=location,
        key_salt=salt,
        key_hash=key_hash,
    )
    return camera, api_key


def register_camera(
    cameras: CameraRepository,
    camera_id: str,
    source: SourceClass,
    name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> str:
    camera, api_key = new_camera(camera_id, source, name, latitude, longitude)
    cameras.put(camera)
    return api_key


def set_active(cameras: CameraRepository, camera_id: str, active: bool) -> Camera:
    camera = cameras.get(camera_id)
    if camera is None:
        raise KeyError(camera_id)
    updated = camera.model_copy(update={"active": active})
    cameras.put(updated)
    return updated
