"""Helpers for the remind tests (notifications about events, reminders, emails, feeds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from townhall.notifications.models import Notification


def told(user: Any, kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


@contextmanager
def channels_held() -> Iterator[None]:
    """Leave the email and push channels out, so a test sees what the fan-out decided."""
    from townhall.notifications.channels import channels

    saved = list(channels)
    for channel in saved:
        channels.unregister(channel.key)
    try:
        yield
    finally:
        for channel in saved:
            channels.register(channel.key, channel)
