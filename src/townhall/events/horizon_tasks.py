"""The daily task that materializes the next dates of endless series (`occurrences.extend_horizon`).

There is no scheduler in Townhall: like the email channel's tick, `extend_horizon_daily` enqueues itself
again for the next day (the database queue's `run_after`, at RUN_AT_HOUR UTC). `kick()` starts the chain
when no run is waiting in the queue; a worker calls it at start (through `registries.worker_starts`,
registered in `EventsConfig.ready()`). Two chains started at once meet at the same day, where the cache
lets only one go on. A queue that cannot wait (the inline backend of tests) never starts the chain;
tests call `run_horizon(now=...)`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from townhall.events import occurrences

logger = logging.getLogger("townhall.events")

DAY_SECONDS = 86_400
RUN_AT_HOUR = 3  # UTC: a quiet hour for most communities
KEY = "events:horizon"


def run_horizon(*, now: dt.datetime | None = None) -> int:
    """Add the next dates of endless series; how many were added."""
    return occurrences.extend_horizon(now=now)


@task()
def extend_horizon_daily() -> int:
    try:
        return run_horizon()
    finally:
        _enqueue_next()


def _next_run(now: dt.datetime) -> dt.datetime:
    today = now.astimezone(dt.UTC).replace(hour=RUN_AT_HOUR, minute=0, second=0, microsecond=0)
    return today if today > now else today + dt.timedelta(days=1)


def _waiting() -> bool:
    """A run is already queued (the chain is alive), as the database queue says."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    path = f"{extend_horizon_daily.func.__module__}.{extend_horizon_daily.func.__qualname__}"
    return DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists()


def _enqueue_next() -> bool:
    backend = extend_horizon_daily.get_backend()
    if not backend.supports_defer:
        return False
    when = _next_run(timezone.now())
    if not cache.add(f"{KEY}:{when:%Y-%m-%d}", 1, timeout=DAY_SECONDS * 2):
        return False
    try:
        extend_horizon_daily.using(run_after=when).enqueue()
    except Exception as exc:
        logger.warning("the horizon task was not enqueued again (%s); the next worker start restarts it", exc)
        return False
    return True


def kick() -> bool:
    """Start the daily chain unless a run is already waiting in the queue; whether it was started."""
    try:
        if not extend_horizon_daily.get_backend().supports_defer or _waiting():
            return False
        return _enqueue_next()
    except Exception as exc:  # never fail a worker's start for housekeeping
        logger.warning("the horizon task was not started: %s", exc or type(exc).__name__)
        return False
