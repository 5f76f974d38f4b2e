"""The local API gateway hands a function one event at a time, as a Lambda container does (the handlers keep
the current request in module globals); different functions still run side by side."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from alpr.local.apigateway import LocalApiGateway, Route
from alpr.local.stack import free_port

MEET_TIMEOUT_S = 1.0


def meeting_handler(meeting: threading.Barrier, met: list[bool]) -> Any:
    """Waits for a second event to be inside a handler of the same meeting at the same time."""

    def handler(event: dict, context: Any) -> dict:
        try:
            meeting.wait(timeout=MEET_TIMEOUT_S)
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return {"statusCode": 200, "body": "{}"}

    return handler


def two_requests(routes: list[Route], paths: tuple[str, str]) -> None:
    gateway = LocalApiGateway("127.0.0.1", free_port(), routes)
    gateway.start()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda path: requests.get(f"{gateway.url}{path}", timeout=10), paths))
    finally:
        gateway.stop()
    assert [a.status_code for a in answers] == [200, 200]


def test_one_function_never_gets_two_events_at_once() -> None:
    met: list[bool] = []
    handler = meeting_handler(threading.Barrier(2), met)
    two_requests([Route("/a", handler, "a"), Route("/b", handler, "a")], ("/a", "/b"))
    assert met == [False, False]


def test_two_functions_run_side_by_side() -> None:
    met: list[bool] = []
    meeting = threading.Barrier(2)
    routes = [Route("/a", meeting_handler(meeting, met), "a"), Route("/b", meeting_handler(meeting, met), "b")]
    two_requests(routes, ("/a", "/b"))
    assert met == [True, True]
