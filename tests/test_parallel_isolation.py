"""Parallel test workers (pytest-xdist) keep apart: data directory and Redis keys (tests/worker_backends.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches

from worker_backends import WorkerRedisCache, redis_prefix, worker_id

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="REDIS_URL is not set (the SQLite run has no Redis)"
)


def test_the_data_directory_is_this_process_own() -> None:
    assert Path(settings.DATA_DIR).resolve() != (Path.cwd() / "townhall-data").resolve()
    assert worker_id() == "main" or worker_id().startswith("gw")


@needs_redis
def test_cache_and_channel_layer_keys_carry_the_workers_prefix() -> None:
    assert isinstance(caches["default"], WorkerRedisCache)
    assert settings.CACHES["default"]["KEY_PREFIX"] == redis_prefix()
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == f"asgi_{redis_prefix()}"
    assert redis_prefix().endswith(worker_id())


@needs_redis
def test_clearing_the_cache_leaves_other_runs_keys_alone() -> None:
    other = redis.Redis.from_url(settings.REDIS_URL)
    neighbour = f"{redis_prefix()}_neighbour:1:rate"
    other.set(neighbour, b"7", ex=60)
    try:
        cache.set("mine", 1)
        assert cache.get("mine") == 1
        cache.clear()
        assert cache.get("mine") is None
        assert other.get(neighbour) == b"7"
    finally:
        other.delete(neighbour)
