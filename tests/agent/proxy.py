"""A TCP proxy in front of the local API that a test can close, reopen, or make hold an answer: the network
faults of a patrol car's link, without touching the agent or the stack."""

from __future__ import annotations

import contextlib
import socket
import threading


class FaultyLink:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._stopped = threading.Event()
        # When set, an answer that came back from upstream is held (never passed on) and `holding` is set.
        self.hold_answers = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        self._stopped.clear()
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def close(self) -> None:
        self._stopped.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None

    def _accept(self, server: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        # Only answers to frame uploads are held (a heartbeat's answer passes).
        request_line: list[bytes] = []
        with client, socket.create_connection(self.upstream) as upstream:
            threading.Thread(target=self._pipe, args=(client, upstream, request_line), daemon=True).start()
            self._pipe(upstream, client, None, request_line)

    def _pipe(
        self,
        source: socket.socket,
        target: socket.socket,
        record: list[bytes] | None,
        request_line: list[bytes] | None = None,
    ) -> None:
        with contextlib.suppress(OSError):
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if record is not None and not record:
                    record.append(data.split(b"\r\n", 1)[0])
                if request_line is not None:
                    self.requests += 1
                    upload = bool(request_line) and b" /v1/frames" in request_line[0]
                    if upload and self.hold_answers.is_set():
                        self.holding.set()
                        self.release.wait()
                        return
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
