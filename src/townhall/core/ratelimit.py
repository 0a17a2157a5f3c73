"""Fixed-window rate limits kept in the cache (Redis when configured), never in process memory."""

from __future__ import annotations

import time

from django.core.cache import cache

from townhall.core.errors import RateLimited

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/m' -> (120, 60)."""
    count, _, unit = rate.partition("/")
    return int(count), UNITS[unit or "m"]


def hit(key: str, rate: str) -> None:
    """Count one hit for key; raise RateLimited when the window's allowance is used up."""
    limit, window = parse_rate(rate)
    bucket = f"rl:{key}:{int(time.time() // window)}"
    added = cache.add(bucket, 1, timeout=window + 5)
    count = 1 if added else cache.incr(bucket)
    if count > limit:
        raise RateLimited()
