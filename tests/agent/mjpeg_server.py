"""A camera's HTTP MJPEG stream served from 127.0.0.1: ``multipart/x-mixed-replace`` parts, as Axis, Hikvision or
mjpg-streamer send them (with or without Content-Length, with or without an ``X-Timestamp``), behind HTTP Basic."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOUNDARY = "myboundary"


@dataclass(frozen=True)
class Part:
    jpeg: bytes
    timestamp: float | None = None  # sent as X-Timestamp (seconds since the epoch) when given
    with_length: bool = True


@dataclass
class MjpegCamera:
    parts: list[Part]
    user: str = "viewer"
    password: str = "s3cret"
    content_type: str = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
    status: int = 200
    stall_s: float = 0.0  # after the last part, hold the connection open this long, sending nothing
    requests: list[str] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                camera.requests.append(self.headers.get("Authorization", ""))
                wanted = "Basic " + base64.b64encode(f"{camera.user}:{camera.password}".encode()).decode()
                if self.headers.get("Authorization") != wanted:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                    self.end_headers()
                    return
                self.send_response(camera.status)
                self.send_header("Content-Type", camera.content_type)
                self.end_headers()
                if camera.status != 200:
                    return
                for part in camera.parts:
                    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    if part.with_length:
                        head += f"Content-Length: {len(part.jpeg)}\r\n"
                    if part.timestamp is not None:
                        head += f"X-Timestamp: {part.timestamp:.6f}\r\n"
                    self.wfile.write(head.encode() + b"\r\n" + part.jpeg + b"\r\n")
                    self.wfile.flush()
                time.sleep(camera.stall_s)
                # The camera goes away: the connection closes after the last part.

        return Handler

    @contextmanager
    def serving(self) -> Iterator[str]:
        """The stream's URL (with the credentials in it) while the server runs."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            host, port = server.server_address[:2]
            yield f"http://{self.user}:{self.password}@{host!s}:{port}/axis-cgi/mjpg/video.cgi"
        finally:
            server.shutdown()
            server.server_close()
