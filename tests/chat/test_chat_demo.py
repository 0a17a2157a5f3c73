"""The demo's chat space: its topic line and pinned messages are written through the chat actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from townhall.activity.models import Activity
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.policy.chat import topic
from townhall.seed import demo_chat
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_the_demo_channel_has_a_topic_and_pinned_messages(community: Any) -> None:
    names = {author for *_rest, author, _text in demo_chat.MESSAGES} | set(demo_chat.MODERATORS)
    users = {name: testing.make_member(name) for name in sorted(names)}
    demo_chat.seed_chat(users, timezone.now())
    space = Space.objects.get(name=demo_chat.NAME)
    assert topic(space) == demo_chat.TOPIC and len(demo_chat.TOPIC) <= 200
    pinned = Message.objects.filter(space=space, pinned_at__isnull=False)
    assert sorted(m.body[:20] for m in pinned) == sorted(start[:20] for start in demo_chat.PINNED)
    assert Activity.objects.filter(verb="message.pinned").count() == 2
    assert Activity.objects.filter(verb="channel.topic_changed").count() == 1
    from townhall.chat.queries import pinned_messages

    assert len(pinned_messages(Guardian(users["lena"]), space)) == 2


def test_one_demo_member_hides_their_online_status(community: Any) -> None:
    from townhall.realtime import presence

    names = {author for *_rest, author, _text in demo_chat.MESSAGES} | set(demo_chat.MODERATORS)
    users = {name: testing.make_member(name) for name in sorted(names)}
    demo_chat.seed_chat(users, timezone.now())
    quiet = users[demo_chat.HIDES_PRESENCE]
    quiet.refresh_from_db()
    assert quiet.hide_presence
    presence.touch(quiet.pk, "demo-tab")
    try:
        assert presence.of([quiet.pk], viewer_id=users["lena"].pk) == {quiet.pk: "offline"}
    finally:
        presence.leave(quiet.pk, "demo-tab")
