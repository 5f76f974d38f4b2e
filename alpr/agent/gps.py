"""Where a mobile camera is: a gpsd socket, an NMEA serial device, or a fixed position.

Each reader keeps the last fix in a background thread; a fix older than ``max_age_s`` is not used (a frame is
then sent without a position and the server refuses it for a mobile camera with its clear message, which the
agent counts as refused, rather than stamping a stale place on it).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fix:
    latitude: float
    longitude: float
    at: float  # time.monotonic() when received


class Position:
    max_age_s = 10.0

    def current(self) -> tuple[float, float] | None:
        raise NotImplementedError

    def close(self) -> None:
        return None


class FixedPosition(Position):
    def __init__(self, latitude: float, longitude: float) -> None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError(f"position {latitude},{longitude} is out of range")
        self._position = (latitude, longitude)

    def current(self) -> tuple[float, float] | None:
        return self._position


class _StreamingPosition(Position):
    def __init__(self) -> None:
        self._fix: Fix | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run_forever, daemon=True, name=type(self).__name__)
        self._thread.start()

    def current(self) -> tuple[float, float] | None:
        fix = self._fix
        if fix is None or time.monotonic() - fix.at > self.max_age_s:
            return None
        return fix.latitude, fix.longitude

    def close(self) -> None:
        self._stopped.set()

    def _run_forever(self) -> None:
        while not self._stopped.is_set():
            try:
                self._read()
            except OSError:
                self._stopped.wait(1.0)

    def _read(self) -> None:
        raise NotImplementedError

    def _set(self, latitude: float, longitude: float) -> None:
        self._fix = Fix(latitude, longitude, time.monotonic())


class GpsdPosition(_StreamingPosition):
    """gpsd's JSON protocol: ``?WATCH={"enable":true,"json":true}``, then TPV reports with lat/lon."""

    def __init__(self, host: str = "127.0.0.1", port: int = 2947) -> None:
        self._address = (host, port)
        super().__init__()

    def _read(self) -> None:
        with socket.create_connection(self._address, timeout=5) as connection:
            connection.sendall(b'?WATCH={"enable":true,"json":true};\n')
            for line in connection.makefile("r", encoding="ascii", errors="replace"):
                if self._stopped.is_set():
                    return
                report = parse_gpsd(line)
                if report is not None:
                    self._set(*report)


class NmeaPosition(_StreamingPosition):
    """An NMEA 0183 device (``/dev/ttyUSB0``, set to its baud rate with ``stty``): $--RMC and $--GGA sentences."""

    def __init__(self, device: str) -> None:
        self._device = Path(device)
        super().__init__()

    def _read(self) -> None:
        with self._device.open("r", encoding="ascii", errors="replace") as stream:
            for line in stream:
                if self._stopped.is_set():
                    return
                fix = parse_nmea(line)
                if fix is not None:
                    self._set(*fix)


def parse_gpsd(line: str) -> tuple[float, float] | None:
    try:
        report = json.loads(line)
    except ValueError:
        return None
    if report.get("class") != "TPV" or int(report.get("mode", 0)) < 2:
        return None
    if "lat" not in report or "lon" not in report:
        return None
    return float(report["lat"]), float(report["lon"])


def nmea_checksum_ok(sentence: str) -> bool:
    body, star, checksum = sentence.strip().lstrip("$").partition("*")
    if not star:
        return False
    value = 0
    for char in body:
        value ^= ord(char)
    return f"{value:02X}" == checksum.strip().upper()[:2]


def _degrees(value: str, hemisphere: str) -> float:
    whole = float(value)
    degrees = int(whole // 100)
    result = degrees + (whole - degrees * 100) / 60
    return -result if hemisphere in ("S", "W") else result


def parse_nmea(sentence: str) -> tuple[float, float] | None:
    """A fix from a valid $--RMC (status A) or $--GGA (quality > 0) sentence; None for anything else."""
    if not sentence.startswith("$") or not nmea_checksum_ok(sentence):
        return None
    fields = sentence.strip().lstrip("$").split("*")[0].split(",")
    kind = fields[0][2:]
    try:
        if kind == "RMC" and len(fields) > 6 and fields[2] == "A":
            return _degrees(fields[3], fields[4]), _degrees(fields[5], fields[6])
        if kind == "GGA" and len(fields) > 6 and fields[6] not in ("", "0"):
            return _degrees(fields[2], fields[3]), _degrees(fields[4], fields[5])
    except ValueError:
        return None
    return None


def position_from(spec: str | None) -> Position | None:
    """``fixed:LAT,LON``, ``gpsd`` / ``gpsd:HOST:PORT``, or ``nmea:/dev/ttyUSB0``; None for no position."""
    if not spec:
        return None
    kind, _, rest = spec.partition(":")
    if kind == "fixed":
        latitude, longitude = (float(v) for v in rest.split(","))
        return FixedPosition(latitude, longitude)
    if kind == "gpsd":
        host, _, port = rest.partition(":")
        return GpsdPosition(host or "127.0.0.1", int(port or 2947))
    if kind == "nmea":
        return NmeaPosition(rest)
    raise ValueError(f"unknown --gps {spec!r}: use fixed:LAT,LON, gpsd[:HOST:PORT] or nmea:DEVICE")
