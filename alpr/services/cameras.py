"""Registering cameras; the key is shown once to the installer and only its hash is kept."""

from __future__ import annotations

from alpr.clock import Clock, iso
from alpr.domain.camera_health import ALARMING, CameraHealth, HealthState, Heartbeat, assess
from alpr.domain.cameras import Camera, Location, new_api_key
from alpr.repositories.factory import Repositories
from alpr.repositories.stores import CameraRepository
from alpr.schema import DEFAULT_CAMERA_EXPECTED_INTERVAL_S, SourceClass


def new_camera(
    camera_id: str,
    source: SourceClass,
    name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    expected_interval_s: int = DEFAULT_CAMERA_EXPECTED_INTERVAL_S,
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
        expected_interval_s=expected_interval_s,
    )
    return camera, api_key


def register_camera(
    cameras: CameraRepository,
    camera_id: str,
    source: SourceClass,
    name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    expected_interval_s: int = DEFAULT_CAMERA_EXPECTED_INTERVAL_S,
) -> str:
    camera, api_key = new_camera(camera_id, source, name, latitude, longitude, expected_interval_s)
    cameras.put(camera)
    return api_key


def set_active(cameras: CameraRepository, camera_id: str, active: bool) -> Camera:
    camera = cameras.get(camera_id)
    if camera is None:
        raise KeyError(camera_id)
    updated = camera.model_copy(update={"active": active})
    cameras.put(updated)
    return updated


class CameraHealthService:
    """Heartbeats in, and the health of every camera out (policy 418.3.1(c)): the Administration view, ``alpr
    camera health``, the transparency page's count and the scheduled check behind the CloudWatch alarm."""

    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock

    def heartbeat(self, camera: Camera, heartbeat: Heartbeat) -> CameraHealth:
        at = iso(self._clock.now())
        self._repos.camera_health.record_heartbeat(camera.camera_id, heartbeat, at)
        return assess(camera, self._repos.camera_health.get(camera.camera_id), self._clock.now())

    def report(self) -> list[CameraHealth]:
        now = self._clock.now()
        records = self._repos.camera_health.all()
        return [assess(camera, records.get(camera.camera_id), now) for camera in self._repos.cameras.list()]

    def silent(self) -> list[CameraHealth]:
        return [health for health in self.report() if health.state in ALARMING]

    def reporting_count(self) -> int:
        """Cameras that reported within their expected interval (the transparency page's figure)."""
        return sum(1 for health in self.report() if health.state is HealthState.OK)
