"""The fan-out's tasks: one batch of a big notice per task (see fanout.py), so that several workers
share a fan-out to thousands and a worker killed in the middle costs one batch, redone idempotently
when its task is re-queued (core.taskqueue)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from townhall.notifications.fanout import store_batch
from townhall.notifications.kinds import Notice


@task()
def store_batch_task(notice: dict[str, Any], recipient_ids: list[int]) -> int:
    """Store one batch of a notice (plain data, see fanout.notice_data). Returns the rows new or
    regrouped."""
    return len(store_batch(Notice(recipient_ids=(), **notice), recipient_ids))
