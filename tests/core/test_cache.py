"""With REDIS_URL, the cache answers like an empty cache while Redis is unreachable: no request fails
because of it (sessions come from the database, rate limits let requests through, pages render)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.cache import caches

from townhall.core import ratelimit
from townhall.core.cache import ResilientRedisCache


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable(settings: Any) -> ResilientRedisCache:
    settings.CACHES = {
        "default": {
            "BACKEND": "townhall.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    cache = caches.create_connection("default")
    assert isinstance(cache, ResilientRedisCache)
    return cache


def test_every_operation_answers_like_an_empty_cache(unreachable: ResilientRedisCache) -> None:
    cache = unreachable
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.incr("k", 3) == 3
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete_many(["a"]) is None
    assert cache.clear() is None


def test_a_rate_limit_lets_requests_through_while_redis_is_down(
    unreachable: ResilientRedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "cache", unreachable)
    for _ in range(5):
        ratelimit.hit("api-write:1", "2/m")  # never raises RateLimited, nor a connection error
