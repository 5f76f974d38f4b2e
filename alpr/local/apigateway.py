"""A local API Gateway: turns HTTP requests into REST-API proxy events for the same handler functions."""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from alpr import schema
from alpr.local.lambda_runtime import Handler, invoke

log = logging.getLogger("alpr.local.api")

# API Gateway refuses larger payloads before any function runs.
API_GATEWAY_MAX_BODY = 10 * 1024 * 1024


# What stands in front of a route (AWS WAF): given the request's headers, None to let it through, else why not.
EdgeRule = Callable[[dict[str, str]], str | None]
# A Cognito user pools authorizer: given the Authorization header, the verified token's claims, or None to refuse.
Authorizer = Callable[[str | None], dict[str, Any] | None]


@dataclass(frozen=True)
class Route:
    prefix: str
    handler: Handler
    function_name: str
    edge: EdgeRule | None = None
    authorizer: Authorizer | None = None


def geo_match(country_header: str, default_country: str) -> EdgeRule:
    """The sharing API's WAF geo-match rule, judged from a header that names the client's country."""
    from alpr.domain.sharing import edge_allows

    def rule(headers: dict[str, str]) -> str | None:
        country = headers.get(country_header.lower()) or default_country
        return None if edge_allows(country) else f"Forbidden: requests from {country.upper()} are blocked (geo-match)"

    return rule


def proxy_event(method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str) -> dict[str, Any]:
    split = urlsplit(raw_path)
    # As configured on the deployed API: these bodies reach the function base64-encoded, others as text.
    binary = schema.is_binary_media_type(headers.get("content-type"))
    query = parse_qs(split.query)
    return {
        "resource": split.path,
        "path": split.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "local",
            "httpMethod": method,
            "path": split.path,
            "resourcePath": split.path,
            "identity": {"sourceIp": source_ip},
        },
        "body": (base64.b64encode(body).decode("ascii") if binary else body.decode("utf-8", "replace"))
        if body
        else None,
        "isBase64Encoded": bool(body) and binary,
    }


def cognito_authorizer(verify: Callable[[str], dict[str, Any]]) -> Authorizer:
    """What API Gateway's Cognito user pools authorizer does: checks the ID token in the Authorization header and
    passes its claims to the function as text (a list claim such as ``cognito:groups`` becomes "[a, b]")."""

    def authorize(header: str | None) -> dict[str, Any] | None:
        token = (header or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            return None
        try:
            claims = verify(token)
        except Exception as exc:  # any token the pool did not issue, or that has expired, is refused alike
            # API Gateway writes why to the stage's execution log; the token itself is never logged.
            log.warning("authorizer refused a token: %s: %s", type(exc).__name__, exc)
            return None
        return {
            name: "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)
            for name, value in claims.items()
        }

    return authorize


class LocalApiGateway:
    def __init__(self, host: str, port: int, routes: list[Route], static_dir: Path | None = None) -> None:
        self._routes = sorted(routes, key=lambda r: len(r.prefix), reverse=True)
        self._static_dir = static_dir
        # Lambda gives each container one event at a time, and our handlers rely on it: Powertools' REST resolver
        # keeps the current event on the *class* (aws_lambda_powertools/event_handler/api_gateway.py, 3.37:
        # ``BaseRouter.current_event = self._to_proxy_event(event)`` in ``resolve``), so every resolver in one
        # process shares it. Deployed, each function has processes of its own; here they share this one, so two
        # functions running side by side read each other's requests (an officer's call arrived at the hotlist
        # function with the search request's missing claims and was refused). One event at a time, for all of them.
        self._one_event_at_a_time = threading.Lock()
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            def _dispatch(self) -> None:
                gateway.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

            def log_message(self, format: str, *args: Any) -> None:
                log.debug(format, *args)

        self.server = ThreadingHTTPServer((host, port), RequestHandler)
        self._thread = threading.Thread(target=self.server.serve_forever, name="alpr-api", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        if length > API_GATEWAY_MAX_BODY:
            self._reply(
                request, 413, {"Content-Type": "application/json"}, json.dumps({"message": "Request Too Long"}).encode()
            )
            return
        body = request.rfile.read(length) if length else b""
        path = urlsplit(request.path).path
        route = next((r for r in self._routes if path.startswith(r.prefix)), None)
        if route is None:
            self._serve_static(request, path)
            return
        headers = {k.lower(): v for k, v in request.headers.items()}
        blocked = route.edge(headers) if route.edge else None
        if blocked:
            self._reply(request, 403, {"Content-Type": "application/json"}, json.dumps({"message": blocked}).encode())
            return
        event = proxy_event(request.command, request.path, headers, body, request.client_address[0])
        if route.authorizer is not None:
            claims = route.authorizer(headers.get("authorization"))
            if claims is None:
                # API Gateway answers before any function runs, with this body.
                self._reply(request, 401, {"Content-Type": "application/json"}, b'{"message": "Unauthorized"}')
                return
            event["requestContext"]["authorizer"] = {"claims": claims}
        try:
            with self._one_event_at_a_time:
                result = invoke(route.handler, event, route.function_name)
        except Exception:
            log.exception("handler %s failed", route.function_name)
            self._reply(request, 502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}')
            return
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        out_headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[name] = ", ".join(values)
        self._reply(request, int(result.get("statusCode", 200)), out_headers, data)

    def _serve_static(self, request: BaseHTTPRequestHandler, path: str) -> None:
        if self._static_dir is None:
            self._reply(request, 404, {"Content-Type": "application/json"}, b'{"message": "Not Found"}')
            return
        relative = path.lstrip("/") or "index.html"
        target = (self._static_dir / relative).resolve()
        if not target.is_file() or self._static_dir.resolve() not in target.parents:
            self._reply(request, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._reply(request, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}, target.read_bytes())

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], data: bytes) -> None:
        request.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
