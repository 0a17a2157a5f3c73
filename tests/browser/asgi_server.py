"""Townhall's real ASGI app served by uvicorn in a thread, for browser tests that need WebSockets (the
WSGI live server does not speak them). It shares the test database with the test (the live_server
fixture prepares it) and the process's in-memory channel layer, so actions called by the test broadcast
to the browsers' streams. `restart()` stops the server, closing every socket as a real restart does, and
starts it again on the same port: the pages reconnect and resume."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn
from django.db import connections


class AsgiServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            "townhall.asgi:application",
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            ws="websockets-sansio",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server

        def run() -> None:
            try:
                asyncio.run(server.serve())
            finally:
                connections.close_all()

        self._thread = threading.Thread(target=run, name=f"asgi-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the ASGI test server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(15)
        if self._thread.is_alive():
            raise RuntimeError("the ASGI test server did not stop")
        self._server = self._thread = None

    def restart(self, *, down_for: float = 0.5) -> None:
        """Stop (every open socket closes), stay down for `down_for` seconds, start again."""
        self.stop()
        time.sleep(down_for)
        self.start()
