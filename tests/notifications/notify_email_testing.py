"""Helpers for the email channel's tests (imported by name: test folders have no packages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from townhall.notifications import kinds
from townhall.notifications.models import EMAIL, PENDING, WEB, Notification

REPLY_DOMAIN = "reply.nightsky.example"

TEST_KIND = kinds.Kind(
    key="test_reply",
    label="Replies to your posts",
    icon="↩️",
    text="{actor}{others} replied to {title}",
    channels=frozenset({WEB, EMAIL}),
    digest=True,
)


@pytest.fixture
def reply_kind() -> Iterator[kinds.Kind]:
    """A kind that emails by default, standing in for the fan-out's real ones."""
    kinds.register(TEST_KIND)
    yield TEST_KIND
    kinds.kinds.unregister(TEST_KIND.key)


def notify(
    recipient: Any,
    *,
    kind: str = TEST_KIND.key,
    actor: Any = None,
    space: Any = None,
    thread_key: str = "topic:1",
    target: str = "",
    url: str = "/t/1/which-lens/",
    title: str = "Which lens for the Milky Way?",
    excerpt: str = "Try a 14mm f/2.8 and keep the shutter under 20 seconds.",
    delay: dt.timedelta = dt.timedelta(minutes=10),
    key: str | None = None,
) -> Notification:
    """A notification as the fan-out stores it: PENDING by email, due after the member's delay."""
    now = timezone.now()
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        source_key=key or f"test:{Notification.objects.count() + 1}:{now.timestamp()}",
        actor=actor,
        space=space,
        thread_key=thread_key,
        target=target,
        url=url,
        data={"title": title, "excerpt": excerpt},
        email_state=PENDING,
        email_due_at=now + delay,
    )


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)
