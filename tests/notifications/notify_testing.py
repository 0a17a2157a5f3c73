"""Helpers for the notifications tests, imported by name (`from notify_testing import told`)."""

from __future__ import annotations

from typing import Any

from townhall.notifications.models import Notification


def told(user: Any, kind: str | None = None) -> list[Notification]:
    """What `user` was told (optionally of one kind), oldest first."""
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def kinds_of(user: Any) -> list[str]:
    return [row.kind for row in told(user)]
