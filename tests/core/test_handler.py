"""The ASGI handler runs each request's middleware chain and view in one pool thread that keeps its connection."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections

from townhall.core import health
from townhall.core.handler import PooledASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handler() -> Iterator[PooledASGIHandler]:
    handler = PooledASGIHandler(threads=1)
    yield handler
    handler.executor.submit(connections.close_all).result()  # the pool thread's connection
    handler.executor.shutdown()


def _scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }  # fmt: skip


def _receive(leave_when: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An ASGI receive(): the (empty) request body, then the client leaves once `leave_when()` returns."""
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if body:
            return body.pop()
        await leave_when()
        return {"type": "http.disconnect"}

    return receive


async def _request(app: Any, path: str, *, method: str = "GET") -> tuple[int, dict[bytes, bytes], bytes]:
    scope = _scope(path, method)
    sent: list[dict[str, Any]] = []
    delivered = asyncio.Event()
    receive = _receive(delivered.wait)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    delivered.set()
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_requests_run_in_the_pool_and_keep_their_database_connection(handler: PooledASGIHandler) -> None:
    seen: list[tuple[str, int]] = []
    respond = handler._respond

    def spy(request: Any) -> Any:
        response = respond(request)
        seen.append((threading.current_thread().name, id(connection.connection)))
        return response

    handler._respond = spy  # type: ignore[method-assign]
    for _ in range(2):
        status, _, body = asyncio.run(_request(handler, "/healthz"))  # an async view inside the sync chain
        assert status == 200 and b'"database": "ok"' in body.replace(b'":"', b'": "')
    assert [name.startswith("townhall-http") for name, _ in seen] == [True, True]
    if "pool" not in connection.settings_dict.get("OPTIONS", {}):
        assert seen[0][1] == seen[1][1]  # the same connection served both requests


def test_pages_and_errors_through_the_handler(handler: PooledASGIHandler, community: Any) -> None:
    status, headers, body = asyncio.run(_request(handler, "/spaces/"))
    assert status == 200 and b"<!doctype html>" in body.lower()
    assert b"nonce-" in headers[b"Content-Security-Policy"]
    status, _, body = asyncio.run(_request(handler, "/no-such-page/"))
    assert status == 404
    status, _, _ = asyncio.run(_request(handler, "/spaces/", method="POST"))
    assert status in (403, 405)  # no CSRF token or not allowed: never a 500


def test_a_client_that_goes_away_mid_request_raises_nothing(
    handler: PooledASGIHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow_check() -> str:
        await asyncio.sleep(0.2)
        return "ok"

    monkeypatch.setattr(health, "_channel_layer", slow_check)  # /healthz is an async view inside the chain
    scope = _scope("/healthz")
    receive = _receive(lambda: asyncio.sleep(0.05))  # the client leaves while the view is still checking

    async def send(message: dict[str, Any]) -> None:
        pass

    async def run() -> None:
        await handler(scope, receive, send)
        await asyncio.sleep(0.4)  # the abandoned request finishes in its own task

    asyncio.run(run())


def test_what_a_request_thread_sets_never_leaks_into_the_handler_when_the_client_leaves(
    handler: PooledASGIHandler, settings: Any
) -> None:
    """The bench's "CurrentThreadExecutor already quit or is broken": a client left while the pool thread
    was entering async_to_sync (which sets AsyncToSync.executors.current in the thread's context).
    Cancelling the request copied that context into the handler's task while the thread still ran;
    request_finished then sent its receivers to the thread's executor, finished by then."""
    from asgiref.current_thread_executor import CurrentThreadExecutor
    from asgiref.sync import AsyncToSync
    from django.core.signals import request_finished
    from django.http import HttpResponse
    from django.urls import path

    left = threading.Event()
    loop_of_test: list[asyncio.AbstractEventLoop] = []
    leave = asyncio.Event()
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="handler")
    seen: list[str] = []

    def view(request: Any) -> HttpResponse:
        marker.set("request thread")
        finished = CurrentThreadExecutor(None)  # what async_to_sync leaves behind once it returns
        finished._broken = True
        AsyncToSync.executors.current = finished
        loop_of_test[0].call_soon_threadsafe(leave.set)  # the client leaves now, mid-request
        left.wait(2)
        return HttpResponse("too late")

    async def after(sender: Any, **kwargs: Any) -> None:
        seen.append(marker.get())

    urls = type("urls", (), {"urlpatterns": [path("slow/", view)]})
    settings.ROOT_URLCONF = urls
    request_finished.connect(after)
    errors: list[BaseException] = []
    try:

        async def run() -> None:
            loop_of_test.append(asyncio.get_running_loop())
            try:
                await handler(_scope("/slow/"), _receive(leave.wait), lambda message: asyncio.sleep(0))
            except BaseException as exc:  # the handler must swallow a client leaving
                errors.append(exc)
            left.set()
            await asyncio.sleep(0.1)  # the abandoned request finishes in its thread

        asyncio.run(run())
    finally:
        request_finished.disconnect(after)
    assert errors == []
    assert seen == ["handler"]  # request_finished ran with the handler's own context
