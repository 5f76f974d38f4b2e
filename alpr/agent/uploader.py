"""Sends spooled frames to the ingest API: a 202 (or 201 + PUT for frames over the direct limit) removes a frame
from the spool, a refusal (4xx) is counted and removed with its reason, and anything else (no network, 5xx,
429) leaves it for a retry after an exponential back-off with full jitter. Every resend carries the same
``X-Client-Frame-Id``, so a frame whose 202 was lost is answered ``duplicate`` rather than stored twice."""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from alpr.agent.spool import Spool, SpooledFrame

# The ingest API's direct-body limit (alpr.schema.MAX_DIRECT_FRAME_BYTES; repeated, not imported, so the agent
# needs none of the server's packages). A test checks the two agree.
MAX_DIRECT_FRAME_BYTES = 4 * 1024 * 1024
# Answers that mean "try again later" rather than "this frame is wrong".
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
SKEW_WARNING_S = 2.0


@dataclass
class Backoff:
    """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): sleep uniform(0, min(cap, base*2^n))."""

    base_s: float = 0.5
    cap_s: float = 60.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        delay = self.rng.uniform(0, min(self.cap_s, self.base_s * 2**self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0


class Unreachable(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    camera_id: str
    key: str

    def headers(self) -> dict[str, str]:
        return {"X-Camera-Id": self.camera_id, "X-Camera-Key": self.key}


class Uploader:
    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        spool: Spool,
        session: requests.Session | None = None,
        timeout_s: float = 20.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.credentials = credentials
        self.spool = spool
        self.session = session or requests.Session()
        self.timeout_s = timeout_s
        self.now = now

    def send(self, frame: SpooledFrame) -> str:
        """``sent``, ``duplicate`` or ``refused`` (each removes the frame); raises Unreachable to retry later."""
        image = frame.read_image()
        try:
            if len(image) > MAX_DIRECT_FRAME_BYTES:
                response = self._send_presigned(frame, image)
            else:
                response = self.session.post(
                    f"{self.api_url}/v1/frames",
                    data=image,
                    headers=self._frame_headers(frame),
                    timeout=self.timeout_s,
                )
        except requests.RequestException as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        self._check_clock(response)
        at = self.now().isoformat()
        if response.status_code in (201, 202):
            duplicate = response.status_code == 202 and bool(_json(response).get("duplicate"))
            outcome = "duplicate" if duplicate else "sent"
            self.spool.remove(frame, outcome, at)
            return outcome
        if response.status_code in RETRYABLE:
            raise Unreachable(f"HTTP {response.status_code}: {_message(response)}")
        self.spool.note_error(
            f"frame {frame.client_frame_id} refused: HTTP {response.status_code} {_message(response)}", at
        )
        self.spool.remove(frame, "refused", at)
        return "refused"

    def _frame_headers(self, frame: SpooledFrame) -> dict[str, str]:
        headers = {
            **self.credentials.headers(),
            "Content-Type": frame.content_type,
            "X-Capture-Time": frame.captured_at,
            "X-Client-Frame-Id": frame.client_frame_id,
        }
        if frame.latitude is not None and frame.longitude is not None:
            headers.update({"X-Latitude": str(frame.latitude), "X-Longitude": str(frame.longitude)})
        return headers

    def _send_presigned(self, frame: SpooledFrame, image: bytes) -> requests.Response:
        """Over the direct limit: ask for a presigned PUT, then put the bytes (the server checks them on landing).
        The 201 of the PUT's ticket stands for the 202: the frame is the server's once the PUT succeeded."""
        request: dict[str, Any] = {
            "captured_at": frame.captured_at,
            "content_sha256": hashlib.sha256(image).hexdigest(),
            "content_type": frame.content_type,
            "size": len(image),
            "client_frame_id": frame.client_frame_id,
        }
        if frame.latitude is not None and frame.longitude is not None:
            request.update({"latitude": frame.latitude, "longitude": frame.longitude})
        ticket = self.session.post(
            f"{self.api_url}/v1/frames/uploads",
            json=request,
            headers=self.credentials.headers(),
            timeout=self.timeout_s,
        )
        if ticket.status_code != 201:
            return ticket
        body = ticket.json()
        put = self.session.put(body["upload_url"], data=image, headers=body.get("headers", {}), timeout=self.timeout_s)
        if put.status_code >= 300:
            raise Unreachable(f"presigned PUT answered HTTP {put.status_code}")
        return ticket

    def _check_clock(self, response: requests.Response) -> None:
        """Capture times come from this box's clock: compare it with the server's Date header on every answer."""
        header = response.headers.get("Date")
        if not header:
            return
        try:
            server = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        skew = (self.now() - server).total_seconds()
        # Date has one-second resolution: only a skew beyond that is news.
        self.spool.counters.clock_skew_s = round(skew, 1)
        if abs(skew) > SKEW_WARNING_S + 1:
            self.spool.counters.last_error = (
                f"clock skew: this box is {skew:+.0f} s from the server's clock; fix NTP "
                "(capture times are stamped by this clock)"
            )
            self.spool.counters.last_error_at = self.now().isoformat()


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _message(response: requests.Response) -> str:
    body = _json(response)
    return str(body.get("message") or body.get("error") or response.text[:200])


class Sender:
    """The sending loop: oldest frame first; on failure, back off and try the same frame again."""

    def __init__(self, uploader: Uploader, stop: threading.Event, backoff: Backoff | None = None) -> None:
        self.uploader = uploader
        self.stop = stop
        self.backoff = backoff or Backoff()
        self.wake = threading.Event()

    def run(self, until_empty: Callable[[], bool] = lambda: False) -> None:
        spool = self.uploader.spool
        while not self.stop.is_set():
            frame = spool.oldest()
            if frame is None:
                if until_empty():
                    return
                self.wake.wait(0.2)
                self.wake.clear()
                continue
            try:
                self.uploader.send(frame)
                self.backoff.reset()
            except Unreachable as exc:
                spool.note_error(str(exc), self.uploader.now().isoformat())
                self.stop.wait(self.backoff.next_delay())
