"""The local API gateway hands its functions one event at a time. Lambda gives each container one event at a
time, and Powertools' REST resolver keeps the current event on the class it shares with every resolver in the
process (``BaseRouter.current_event``, aws_lambda_powertools/event_handler/api_gateway.py); deployed, each
function has processes of its own, here they share one, so no two functions may run side by side either."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

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


def requests_at_once(routes: list[Route], paths: list[str]) -> list[requests.Response]:
    gateway = LocalApiGateway("127.0.0.1", free_port(), routes)
    gateway.start()
    try:
        with ThreadPoolExecutor(max_workers=len(paths)) as pool:
            return list(pool.map(lambda path: requests.get(f"{gateway.url}{path}", timeout=30), paths))
    finally:
        gateway.stop()


def test_one_function_never_gets_two_events_at_once() -> None:
    met: list[bool] = []
    handler = meeting_handler(threading.Barrier(2), met)
    answers = requests_at_once([Route("/a", handler, "a"), Route("/b", handler, "a")], ["/a", "/b"])
    assert [a.status_code for a in answers] == [200, 200]
    assert met == [False, False]


def test_two_functions_never_run_side_by_side() -> None:
    met: list[bool] = []
    meeting = threading.Barrier(2)
    routes = [Route("/a", meeting_handler(meeting, met), "a"), Route("/b", meeting_handler(meeting, met), "b")]
    answers = requests_at_once(routes, ["/a", "/b"])
    assert [a.status_code for a in answers] == [200, 200]
    assert met == [False, False]


def resolver_function(name: str, inside: threading.Event) -> Any:
    """A function built as ours are: a Powertools REST resolver that reads its request while another function's
    request may be arriving."""
    app = APIGatewayRestResolver()

    @app.get(f"/{name}")
    def answer() -> dict:
        inside.wait(timeout=0.2)  # long enough for the other function's request to start, if it may
        return {"function": name, "saw": app.current_event.path}

    return lambda event, context: app.resolve(event, context)


def test_each_function_reads_its_own_request_while_the_other_is_called() -> None:
    inside = threading.Event()
    routes = [Route("/search", resolver_function("search", inside), "search")]
    routes.append(Route("/hotlist", resolver_function("hotlist", inside), "hotlist"))
    answers = requests_at_once(routes, ["/search", "/hotlist"] * 3)
    assert [a.json() for a in answers] == [{"function": name, "saw": f"/{name}"} for name in ["search", "hotlist"] * 3]
