"""The events app's periodic task: the reminder tick (see reminders.py).

Like the email channel's tick (notifications/email/tasks.py), `reminder_tick` enqueues itself again
TICK_SECONDS later with the database queue's `run_after`, so the chain survives restarts: queued ticks
wait in the database. `kick()` starts the chain when no tick ran for a while (a key in the cache, so one
process of many starts it): the worker calls it when it starts, and every RSVP calls it (a listener),
so a fresh installation starts reminding as soon as someone answers. A queue that cannot wait (the
inline backend of the tests) never starts the chain; tests call `reminders.run(now=...)`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from townhall.events import reminders

logger = logging.getLogger(__name__)

TICK_SECONDS = 60
TICK_KEY = "events:reminder-tick"


@task()
def reminder_tick() -> dict[str, int]:
    cache.set(TICK_KEY, 1, timeout=TICK_SECONDS * 3)
    try:
        return reminders.run()
    finally:
        _enqueue_tick()


def _enqueue_tick() -> bool:
    """Enqueue the next tick at the next TICK_SECONDS boundary; two chains meet at the same boundary,
    where the cache lets only one go on."""
    backend = reminder_tick.get_backend()
    if not backend.supports_defer:
        return False
    slot = int(timezone.now().timestamp() // TICK_SECONDS) + 1
    if not cache.add(f"{TICK_KEY}:{slot}", 1, timeout=TICK_SECONDS * 3):
        return False
    try:
        when = dt.datetime.fromtimestamp(slot * TICK_SECONDS, tz=dt.UTC)
        reminder_tick.using(run_after=when).enqueue()
    except Exception as exc:
        logger.warning("the reminder tick was not enqueued again (%s); the next kick restarts it", exc)
        return False
    return True


def kick(*_args: Any) -> bool:
    """Start the tick's chain unless one ran within the last three ticks; whether it was started.
    (Takes and ignores an event, so that it can listen to RsvpChanged.)"""
    try:
        if not reminder_tick.get_backend().supports_defer or not cache.add(
            TICK_KEY, 1, timeout=TICK_SECONDS * 3
        ):
            return False
        return _enqueue_tick()
    except Exception as exc:  # never fail an RSVP or a worker's start for housekeeping
        logger.warning("the reminder tick was not started: %s", exc or type(exc).__name__)
        return False
