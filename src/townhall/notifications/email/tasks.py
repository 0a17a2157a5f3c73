"""The email channel's tasks: one batch of notification emails, and the periodic tick.

There is no scheduler in Townhall: `email_tick` enqueues itself again TICK_SECONDS later (the database
queue's `run_after`). `kick()` starts the chain when no tick has run for a while (a key in the cache,
so one process of many starts it): the worker calls it at start and `schedule()` on every batch. The
tick sends what a lost task left PENDING, and the digests that are due. A queue that cannot wait (the
inline backend of tests) never starts the chain; tests call `run_tick(now=...)`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from townhall.notifications.email import digest, sending

logger = logging.getLogger("townhall.notifications.email")

TICK_SECONDS = 300
TICK_KEY = "notifications:email-tick"


@task()
def send_notification_emails(ids: list[int]) -> dict[str, int]:
    return sending.deliver(ids)


def run_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = sending.sweep(now=now)
    counts["digests"] = digest.send_due_digests(now=now)
    return counts


@task()
def email_tick() -> dict[str, int]:
    cache.set(TICK_KEY, 1, timeout=TICK_SECONDS * 3)
    try:
        return run_tick()
    finally:
        _enqueue_tick()


def _enqueue_tick() -> bool:
    """Enqueue the next tick at the next TICK_SECONDS boundary. Two chains (two workers kicked it at
    once) meet at the same boundary, where the cache lets only one go on."""
    backend = email_tick.get_backend()
    if not backend.supports_defer:
        return False
    slot = int(timezone.now().timestamp() // TICK_SECONDS) + 1
    if not cache.add(f"{TICK_KEY}:{slot}", 1, timeout=TICK_SECONDS * 3):
        return False
    try:
        when = dt.datetime.fromtimestamp(slot * TICK_SECONDS, tz=dt.UTC)
        email_tick.using(run_after=when).enqueue()
    except Exception as exc:
        logger.warning("the email tick was not enqueued again (%s); the next kick restarts it", exc)
        return False
    return True


def kick() -> bool:
    """Start the tick's chain unless one ran within the last three ticks; whether it was started."""
    try:
        if not email_tick.get_backend().supports_defer or not cache.add(
            TICK_KEY, 1, timeout=TICK_SECONDS * 3
        ):
            return False
        return _enqueue_tick()
    except Exception as exc:  # never fail a fan-out or a worker's start for housekeeping
        logger.warning("the email tick was not started: %s", exc or type(exc).__name__)
        return False
