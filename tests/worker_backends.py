"""Keeping parallel test processes apart where they share a server (Redis).

`uv run pytest` runs the suite in several pytest-xdist workers (tests/conftest.py). Each worker has its own
test database (pytest-django appends `_gw0`, `_gw1`... to the PostgreSQL test database's name; SQLite test
databases live in each process's memory), its own data directory and its own free ports. With REDIS_URL set
they would all share one Redis database, where one worker's `cache.clear()` (FLUSHDB) would wipe another's
rate-limit counters, presence and sessions, and a broadcast to the group `user-5` would reach the other
worker's sockets. So every run gets its own key prefix — the test database's name plus the worker id, which
also keeps apart two people's runs against one Redis — for the cache and the channel layer, and the cache's
`clear()` deletes only keys under that prefix.
"""

from __future__ import annotations

import os
from itertools import batched
from typing import Any

from django.conf import settings
from django.test.signals import setting_changed

from townhall.core.cache import ResilientRedisCache


def worker_id() -> str:
    """`gw0`, `gw1`... in an xdist worker; `main` when the tests run in this one process."""
    return os.environ.get("PYTEST_XDIST_WORKER", "") or "main"


def redis_prefix() -> str:
    return f"{os.environ.get('TOWNHALL_TEST_DB_NAME', 'test_townhall')}_{worker_id()}"


class WorkerRedisCache(ResilientRedisCache):
    """The Redis cache with a `clear()` that deletes this run's keys (its KEY_PREFIX), not the whole
    database: FLUSHDB would wipe what the other workers are in the middle of."""

    def clear(self) -> None:
        if not self.key_prefix:
            raise RuntimeError("WorkerRedisCache needs a KEY_PREFIX: clear() would empty the whole database")

        def delete_ours() -> None:
            client = self._cache.get_client(None, write=True)
            pattern = _glob_escape(self.key_prefix) + ":*"
            for keys in batched(client.scan_iter(match=pattern, count=1000), 500):
                client.delete(*keys)

        self._quietly(delete_ours, None, "clear")


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def isolate_redis() -> None:
    """Give this process its own corner of Redis (when REDIS_URL is set): cache and channel layer prefixes."""
    if not settings.REDIS_URL:
        return
    prefix = redis_prefix()
    cache: dict[str, Any] = settings.CACHES["default"]
    if cache["BACKEND"] == "townhall.core.cache.ResilientRedisCache":
        cache["BACKEND"] = f"{__name__}.WorkerRedisCache"
        cache["KEY_PREFIX"] = prefix
    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"] == "channels_redis.core.RedisChannelLayer":
        layer.setdefault("CONFIG", {})["prefix"] = f"asgi_{prefix}"
    # Anything that read the old settings (nothing should have, this early) starts again from the new ones.
    for name in ("CACHES", "CHANNEL_LAYERS"):
        setting_changed.send(sender=type(settings), setting=name, value=getattr(settings, name), enter=True)
