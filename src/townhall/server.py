"""Running the web server and the task worker.

Embedded mode (no shared backends): uvicorn inside this process plus a task worker thread, so tasks
and WebSocket consumers share the in-memory channel layer. Production mode with Redis: granian worker
processes (`--interface asginl`), and tasks run in separate `townhall worker` processes.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable

from townhall.config import ConfigError

logger = logging.getLogger("townhall.server")

ASGI_TARGET = "townhall.asgi:application"


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ConfigError with one sentence when the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(f"Cannot listen on {host!r}: the host name does not resolve.") from None
    family, _type, _proto, _name, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno in {98, 48, 10048}:  # EADDRINUSE on Linux, macOS, Windows
            raise ConfigError(
                f"Port {port} on {host} is already in use; stop the other program or choose another --port."
            ) from None
        if exc.errno == 13:
            raise ConfigError(f"Not allowed to listen on port {port}; choose a port above 1023.") from None
        raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
    sock.set_inheritable(True)
    return sock


class TaskWorkerThread(threading.Thread):
    """django-tasks-db's worker loop in a daemon thread; `stop()` lets the current task finish."""

    def __init__(self, *, interval: float = 1.0) -> None:
        super().__init__(name="townhall-task-worker", daemon=True)
        from django_tasks_db.management.commands.db_worker import Worker

        from townhall.core import taskqueue

        self.worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=taskqueue.worker_id(),
            excluded_queue_names=[],
        )
        self.failed: BaseException | None = None

    def run(self) -> None:
        from django.db import connections

        from townhall.core import registries, taskqueue
        from townhall.notifications.email.tasks import kick

        try:
            taskqueue.requeue_abandoned()
            kick()  # the email channel's periodic tick (digests, the sweep) starts with the worker
            registries.start_worker_chains()  # the apps' periodic tasks (events: reminders, the horizon)
            self.worker.run()
        except Exception as exc:  # a crashed worker must not take the web server down silently
            self.failed = exc
            logger.exception("The embedded task worker stopped")
        finally:
            connections.close_all()

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.running = False
        self.join(timeout)


def run_embedded(
    sock: socket.socket,
    *,
    with_worker: bool,
    on_ready: Callable[[], None] | None = None,
    access_log: bool = False,
) -> int:
    """Serve the ASGI app with uvicorn on `sock` until SIGINT/SIGTERM; return the exit code (0)."""
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and on_ready is not None:
                on_ready()

    config = uvicorn.Config(
        ASGI_TARGET,
        lifespan="off",
        ws="websockets-sansio",
        log_level="warning",
        access_log=access_log,
        timeout_graceful_shutdown=3,
        proxy_headers=True,
    )
    server = _Server(config)
    worker = TaskWorkerThread() if with_worker else None
    if worker is not None:
        worker.start()
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal with the handler that
    # was installed before it started: make that one harmless so the worker can stop and we exit 0.
    previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        # The server has stopped; all that is left is letting the worker finish its task. A second Ctrl-C
        # now (an impatient press, or `uv run` forwarding one more) must not abort that half-way with a
        # KeyboardInterrupt (click would print "Aborted!" and exit 1).
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if worker is not None:
                worker.stop()
            sock.close()
        finally:
            signal.signal(signal.SIGINT, previous_int)
    return 0 if server.started or server.should_exit else 1


def exec_granian(host: str, port: int, workers: int) -> None:
    """Replace this process with granian serving the ASGI app with `workers` processes."""
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asginl",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--ws",
        ASGI_TARGET,
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 - a fixed argv, no shell
