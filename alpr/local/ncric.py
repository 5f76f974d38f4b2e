"""A stand-in for NCRIC's receiving server, on 127.0.0.1, so forwarding runs end to end on one machine.

It stores each read once by read id and acknowledges with that id (a repeat is acknowledged as a duplicate),
counts every POST it gets, and can be taken down and brought back (``available``, ``fail_next``) to
exercise retries. Like NCRIC's endpoint it refuses (401) a POST without the credential it issued, which the local
stack puts in the credential secret (``point_credential``). ``GET /reads`` lists what it holds. Error reports
(418.6) arrive at ``/error-reports`` and
are held the same way by report id (``GET /error-reports``).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from alpr import schema
from alpr.config import Settings
from alpr.repositories.ncric import Credential

log = logging.getLogger("alpr.local.ncric")
READS_PATH = "/reads"
ERROR_REPORTS_PATH = "/error-reports"


class NcricReceiver:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        store_dir: Path | None = None,
        credential: Credential | None = None,
    ) -> None:
        self.received: dict[str, dict[str, Any]] = {}
        self.error_reports: dict[str, dict[str, Any]] = {}
        self.posts: Counter[str] = Counter()
        # Like NCRIC's endpoint, it answers 401 to a request without the credential it issued (a fresh one per run).
        self.credential = credential or Credential("Authorization", f"Bearer {secrets.token_urlsafe(24)}")
        self.unauthenticated = 0
        self.available = True
        self._fail_next = 0
        self._store_dir = store_dir
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not receiver.authenticated(self.headers.get(receiver.credential.header)):
                    self._reply(401, {"message": "missing or wrong credential"})
                    return
                status, body = receiver.accept(self.path, raw)
                self._reply(status, body)

            def do_GET(self) -> None:
                path = self.path.rstrip("/")
                with receiver._lock:
                    if path == READS_PATH:
                        self._reply(
                            200, {"reads": {r: p["read"].get("captured_at") for r, p in receiver.received.items()}}
                        )
                    elif path == ERROR_REPORTS_PATH:
                        self._reply(200, {"error_reports": dict(receiver.error_reports)})
                    else:
                        self._reply(404, {"message": "not found"})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug(format, *args)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, name="ncric-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{READS_PATH}"

    def start(self) -> NcricReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def authenticated(self, presented: str | None) -> bool:
        ok = presented is not None and hmac.compare_digest(presented.encode(), self.credential.value.encode())
        if not ok:
            with self._lock:
                self.unauthenticated += 1
        return ok

    def fail_next(self, count: int) -> None:
        """The next ``count`` deliveries get a 503, as if NCRIC were down for a while."""
        with self._lock:
            self._fail_next = count

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.error_reports.clear()
            self.posts.clear()
            self.unauthenticated = 0
            self.available = True
            self._fail_next = 0

    def _down(self, key: str) -> bool:
        """Counts the POST; True when this one is refused (down, or one of the next ``fail_next``)."""
        self.posts[key] += 1
        if not self.available or self._fail_next > 0:
            self._fail_next = max(0, self._fail_next - 1)
            return True
        return False

    def accept_error_report(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            report = json.loads(raw)["error_report"]
            report_id = str(report["report_id"])
        except (ValueError, KeyError, TypeError):
            return 400, {"message": "expected {error_report: {report_id, ...}}"}
        with self._lock:
            if self._down(report_id):
                return 503, {"message": "NCRIC stand-in is down"}
            duplicate = report_id in self.error_reports
            self.error_reports.setdefault(report_id, report)
        return 200, {"report_id": report_id, "status": "duplicate" if duplicate else "stored"}

    def accept(self, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        if path.rstrip("/") == ERROR_REPORTS_PATH:
            return self.accept_error_report(raw)
        if path.rstrip("/") != READS_PATH:
            return 404, {"message": "not found"}
        try:
            payload = json.loads(raw)
            read_id = str(payload["read"]["read_id"])
        except (ValueError, KeyError, TypeError):
            return 400, {"message": "expected {read: {read_id, ...}, image_base64, image_content_type}"}
        with self._lock:
            if self._down(read_id):
                return 503, {"message": "NCRIC stand-in is down"}
            duplicate = read_id in self.received
            self.received.setdefault(read_id, payload)
        if self._store_dir is not None and not duplicate:
            self._store_dir.mkdir(parents=True, exist_ok=True)
            (self._store_dir / f"{read_id}.json").write_text(json.dumps(payload["read"], indent=2))
        return 200, {"read_id": read_id, "status": "duplicate" if duplicate else "stored"}


def point_destination(session: Any, settings: Settings, destination: dict[str, Any]) -> None:
    """Writes the SSM parameter the deliver step reads, as `cdk deploy` does from context."""
    session.client("ssm").put_parameter(
        Name=schema.ncric_destination_parameter(settings.prefix),
        Value=json.dumps(destination),
        Type="String",
        Overwrite=True,
    )


def point_credential(session: Any, settings: Settings, credential: Credential | None) -> None:
    """Writes the HTTPS credential secret the deliver step reads (None: as deployed, nothing set)."""
    client = session.client("secretsmanager")
    name = schema.ncric_credential_secret(settings.prefix)
    value = json.dumps({"header": credential.header, "value": credential.value} if credential else {})
    try:
        client.put_secret_value(SecretId=name, SecretString=value)
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=value, Description="NCRIC HTTPS credential (local stand-in)")
