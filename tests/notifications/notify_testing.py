"""Notification rows made directly in the database (what the fan-out stores), and the test kinds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.utils import timezone

from townhall.notifications import kinds as kinds_module
from townhall.notifications.kinds import Kind
from townhall.notifications.models import EMAIL, WEB, Notification

_seq = itertools.count(1)

REPLY = Kind(
    key="test-reply",
    label="Replies to you",
    icon="↩️",
    text="{actor}{others} replied to {title}",
    channels=frozenset({WEB, EMAIL}),
    order=10,
)
MENTION = Kind(
    key="mention",
    label="Mentions of you",
    icon="@",
    text="{actor} mentioned you in {title}",
    channels=frozenset({WEB, EMAIL}),
    order=5,
)
REACTION = Kind(
    key="test-reaction",
    label="Reactions to your posts",
    icon="👍",
    text="{actor}{others} reacted to {title}",
    group=True,
    order=20,
)
# A kind with its own check: a row whose data says "gone" is no longer for the member (a removed post).
CHECKED = Kind(
    key="test-checked",
    label="Checked at delivery",
    icon="🔎",
    text="{actor} wrote in {title}",
    still_visible=lambda guardian, notification: not notification.data.get("gone"),
    order=30,
)
TEST_KINDS = (REPLY, MENTION, REACTION, CHECKED)


@contextmanager
def declared_kinds(*declared: Kind) -> Iterator[None]:
    """Register these kinds for the block, then put back whatever was registered under their keys."""
    previous = {kind.key: kinds_module.kinds.get(kind.key) for kind in declared}
    for kind in declared:
        kinds_module.register(kind)
    try:
        yield
    finally:
        for key, before in previous.items():
            if before is None:
                kinds_module.kinds.unregister(key)
            else:
                kinds_module.kinds.register(key, before)


def notify(
    recipient: Any,
    *,
    kind: str = REPLY.key,
    actor: Any = None,
    space: Any = None,
    title: str = "Dark skies near the coast",
    url: str = "/t/1/",
    data: dict[str, Any] | None = None,
    read: bool = False,
    actor_count: int = 1,
    when: datetime | None = None,
    **fields: Any,
) -> Notification:
    """One stored notification for `recipient` (as the fan-out would store it)."""
    n = next(_seq)
    when = when or timezone.now()
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        source_key=fields.pop("source_key", f"test:{n}"),
        actor=actor,
        space=space,
        url=url,
        data={"title": title, **(data or {})},
        actor_count=actor_count,
        created_at=when,
        updated_at=when,
        read_at=when if read else None,
        **fields,
    )


def told(user: Any, kind: str | None = None) -> list[Notification]:
    """What `user` was told (optionally of one kind), oldest first."""
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def kinds_of(user: Any) -> list[str]:
    return [row.kind for row in told(user)]


@contextmanager
def channels_held() -> Iterator[None]:
    """Leave the channels out for the block, so a test sees what the fan-out decided (email and push
    PENDING) before a channel, run inline under the tests, acts on it."""
    from townhall.notifications.channels import channels

    saved = list(channels)
    for channel in saved:
        channels.unregister(channel.key)
    try:
        yield
    finally:
        for channel in saved:
            channels.register(channel.key, channel)
