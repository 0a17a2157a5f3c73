"""The demo community's notifications: the demo logins find a believable notification centre, written
through the fan-out's bulk layer (its handlers and audience checks), never emailed, and replaying the
history again writes nothing twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F, Q
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notifications.models import NONE, Notification
from townhall.policy import Guardian
from townhall.seed import demo
from townhall.seed.demo_notifications import seed_notifications
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> dict[str, int]:
    return demo.seed_demo()


def test_the_demo_logins_have_read_and_unread_notifications(seeded: dict[str, Any]) -> None:
    # Written rows: new ones, and grouped reactions folded into one (counted each time they grow).
    assert seeded["notifications"] >= Notification.objects.count() > 100
    member = User.objects.get(email="member@example.org")
    mine = Notification.objects.filter(recipient=member)
    assert mine.filter(read_at__isnull=True).exists() and mine.filter(read_at__isnull=False).exists()
    for login in ("owner@example.org", "moderator@example.org"):
        kinds = set(Notification.objects.filter(recipient__email=login).values_list("kind", flat=True))
        assert "join_request" in kinds
    assert len(set(Notification.objects.values_list("kind", flat=True))) >= 5
    assert not Notification.objects.exclude(email_state=NONE, push_state=NONE).exists()
    assert not Notification.objects.filter(
        Q(created_at__gt=timezone.now()) | Q(recipient_id=F("actor_id"))
    ).exists()


def test_every_demo_notification_is_about_something_its_recipient_may_read(seeded: dict[str, Any]) -> None:
    spaces = {space.pk: space for space in Space.objects.all()}
    for row in Notification.objects.exclude(space=None).select_related("recipient"):
        assert Guardian(row.recipient).spaces.read.can(spaces[row.space_id]), row


def test_replaying_the_history_writes_nothing_twice(seeded: dict[str, Any]) -> None:
    assert seed_notifications(timezone.now()) == 0
