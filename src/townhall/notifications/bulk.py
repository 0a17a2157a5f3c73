"""Notifications written without a live event: seeding and imports tell people about things of the
past. The rows are what the fan-out writes (the same handlers decide who, the same audience checks
apply, the same source keys make it idempotent: a queued delivery of the same event later stores
nothing twice), stored at the time of the thing, read or unread as given, never emailed, pushed or
broadcast."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from townhall.core.effects import DomainEvent
from townhall.notifications.fanout import store_batch
from townhall.notifications.kinds import handlers


def notify_past(event: DomainEvent, *, at: dt.datetime, read_at: dt.datetime | None = None) -> int:
    """Run `event` through the handlers registered for its type and store what they return as of `at`
    (read at `read_at`, or unread). Returns the rows written."""
    written = 0
    for event_type, handler in handlers:
        if event_type is type(event):
            for notice in handler(event):
                written += len(
                    store_batch(
                        notice, _recipients(notice.recipient_ids), at=at, read_at=read_at, history=True
                    )
                )
    return written


def _recipients(ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in ids})
