"""The HTTP side of the ASGI app: Django's handler, with the middleware chain and view in one thread hop.

Under ASGI, Django adapts each synchronous middleware on its own: our ten middleware cost some twenty
hops between the event loop and a thread per request (measured: 17 ms a topic page in-process, 7.6 ms
for the same work without the hops). Every view of ours is synchronous, so this handler runs the whole
chain the way WSGI would: once, in a thread of a fixed pool. A pool thread keeps its database connection
between requests (``CONN_MAX_AGE``), which a fresh thread per request (Django's default) cannot.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponseBase


class PooledASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="townhall-http")
        super().__init__()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Django wraps each request in a ThreadSensitiveContext, which starts a thread per request for the
        # request_started/finished signals alone; our request code runs in the pool instead. (With that
        # context, a client leaving mid-request also made those signals fail on a finished thread.)
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # The request runs in a context of its own that is never copied back into this task. By default
        # sync_to_async copies the thread's context variables back when it returns - and also when the
        # client leaves mid-request, while the thread is still running. If the thread was then entering
        # async_to_sync (an async view, a channel-layer call), this task took over that call's
        # CurrentThreadExecutor, and request_finished's receivers were sent to it after it had finished:
        # "RuntimeError: CurrentThreadExecutor already quit or is broken" (seen under wrk).
        respond: Any = SyncToAsync(
            self._respond, thread_sensitive=False, executor=self.executor, context=contextvars.copy_context()
        )
        response: HttpResponseBase = await respond(request)
        return response

    def _respond(self, request: HttpRequest) -> HttpResponseBase:
        # What request_started/request_finished do for a thread of its own: drop a connection that broke,
        # outlived CONN_MAX_AGE, or (with a pool) belongs back in the pool.
        close_old_connections()
        try:
            return self.get_response(request)
        finally:
            close_old_connections()
