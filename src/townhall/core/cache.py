"""The cache backend used with REDIS_URL: Django's Redis cache, answering like an empty cache while Redis
cannot be reached, so that a Redis outage never turns a request into a 500 or loses a write.

Sessions (cached_db), rate limits, the anonymous page cache and presence all read through the cache. While
Redis is down: reads miss (sessions come from the database, presence reads offline), writes are dropped,
`add` reports that nothing was added and `incr` counts from nothing (so a rate limit lets the request
through: availability over strictness for the length of the outage). Each failure is logged, at most
once every LOG_EVERY seconds per process. Connections time out (OPTIONS in settings) rather than hang.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

LOG_EVERY = 10.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    _logged_at = 0.0

    def _quietly[T](self, call: Callable[[], T], fallback: T, what: str) -> T:
        try:
            return call()
        except UNREACHABLE as exc:
            now = time.monotonic()
            if now - ResilientRedisCache._logged_at > LOG_EVERY:
                ResilientRedisCache._logged_at = now
                logger.warning("cache unreachable (%s: %s); carrying on without it", what, exc)
            return fallback

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._quietly(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False, "add"
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._quietly(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default, "get"
        )

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self._quietly(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None, "set")

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._quietly(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False, "touch"
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._quietly(lambda: super(ResilientRedisCache, self).delete(key, version), False, "delete")

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._quietly(lambda: super(ResilientRedisCache, self).get_many(keys, version), {}, "get_many")

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._quietly(lambda: super(ResilientRedisCache, self).has_key(key, version), False, "has_key")

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._quietly(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version), delta, "incr"
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return self._quietly(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data), "set_many"
        )

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> None:
        keys = list(keys)
        self._quietly(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version), None, "delete_many"
        )

    def clear(self) -> None:
        self._quietly(lambda: super(ResilientRedisCache, self).clear(), None, "clear")
