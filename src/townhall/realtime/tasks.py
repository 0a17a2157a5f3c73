"""Keeping the broadcast log to its retention window.

There is no scheduler: the first stream that connects after STREAM_PRUNE_EVERY seconds (a key in the
cache, so one process of many wins) enqueues `prune_broadcast_log`, which the task worker runs. A site
where nobody connects writes nothing worth pruning for long; `townhall manage prune_broadcast_log` does
it by hand (or from cron).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.tasks import task

from townhall.realtime import log

logger = logging.getLogger(__name__)

DUE_KEY = "realtime:prune-due"


@task()
def prune_broadcast_log() -> int:
    """Delete the logged broadcasts older than STREAM_RETENTION_HOURS; returns how many went."""
    return log.prune()


def prune_when_due() -> bool:
    """Enqueue the prune when none was enqueued in the last STREAM_PRUNE_EVERY seconds; whether it was."""
    try:
        due = cache.add(DUE_KEY, 1, timeout=settings.STREAM_PRUNE_EVERY)
        if due:
            prune_broadcast_log.enqueue()
        return bool(due)
    except Exception as exc:  # never fail a stream for housekeeping
        logger.warning("broadcast log prune not enqueued: %s", exc or type(exc).__name__)
        return False
