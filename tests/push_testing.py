"""Shared set-up for the web push tests (imported by name: `from push_testing import ...`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from townhall.notifications import kinds
from townhall.notifications.kinds import Kind
from townhall.notifications.models import PENDING, PUSH, WEB, Notification

KIND = "push-test-reply"
_seq = itertools.count(1)


@contextmanager
def reply_kind_declared() -> Iterator[Kind]:
    """A kind as an app declares it; its own check reads `data["hidden"]` (a deleted post, say)."""
    kind = kinds.register(
        Kind(
            key=KIND,
            label="Replies to you",
            icon="↩️",
            text="{actor} replied to {title}",
            channels=frozenset({WEB, PUSH}),
            still_visible=lambda guardian, n: not n.data.get("hidden"),
        )
    )
    try:
        yield kind
    finally:
        kinds.kinds.unregister(KIND)


def notify(recipient: Any, *, actor: Any = None, space: Any = None, **data: Any) -> Notification:
    """A notification as the fan-out stores it for the push channel: PENDING."""
    n = next(_seq)
    return Notification.objects.create(
        recipient=recipient,
        kind=KIND,
        source_key=f"reply:post:{n}",
        thread_key="topic:7",
        space=space,
        actor=actor,
        url=f"/t/7/garden-day/#post-{n}",
        data={"title": "Garden day", "excerpt": "The secret code is 4412, keep it between us.", **data},
        push_state=PENDING,
    )
