"""The demo's chat space: its topic line and pinned messages are written through the chat actions."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import demo_chat_members
from django.utils import timezone

from townhall.activity.models import Activity
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.policy.chat import topic
from townhall.seed import demo_chat
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_the_demo_channel_has_a_topic_and_pinned_messages(community: Any) -> None:
    users = demo_chat_members()
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

    users = demo_chat_members()
    demo_chat.seed_chat(users, timezone.now())
    quiet = users[demo_chat.HIDES_PRESENCE]
    quiet.refresh_from_db()
    assert quiet.hide_presence
    presence.touch(quiet.pk, "demo-tab")
    try:
        assert presence.of([quiet.pk], viewer_id=users["lena"].pk) == {quiet.pk: "offline"}
    finally:
        presence.leave(quiet.pk, "demo-tab")


def test_the_demo_channel_has_threads_and_a_thread_moved_to_a_topic(community: Any) -> None:
    from townhall.chat.models import ThreadFollow
    from townhall.chat.thread_queries import followed_threads, unread_threads
    from townhall.discussions.models import Topic

    users = demo_chat_members(display_names=True)
    now = timezone.now()
    counts = demo_chat.seed_chat(users, now)
    space = Space.objects.get(name=demo_chat.NAME)
    replies = Message.objects.filter(space=space, thread_root__isnull=False)
    assert replies.count() == sum(len(r) for _s, r in demo_chat.THREADS)
    assert counts["messages"] == len(demo_chat.MESSAGES) + replies.count()
    assert all(r.created_at < now and r.created_at > r.thread_root.created_at for r in replies)  # type: ignore[union-attr]
    for start, listed in demo_chat.THREADS:
        root = Message.objects.get(space=space, body__startswith=start)
        assert (
            root.reply_count == len(listed)
            and root.last_reply_at == replies.filter(thread_root=root).last().created_at
        )  # type: ignore[union-attr]
    # What the demo's member login (Lena) sees: the guide camera thread has two replies she has not read.
    lena = Guardian(users["lena"])
    assert unread_threads(lena, space) == 1
    assert {t.root.body[:20]: t.unread for t in followed_threads(lena, space)} == {
        "First light with the": 2,
        "Aurora alert in Kiru": 0,
    }
    assert ThreadFollow.objects.filter(root__space=space).count() >= 10
    topic = Topic.objects.get(title=demo_chat.PROMOTED_TITLE)
    promoted = Message.objects.get(space=space, body=demo_chat.PROMOTED)
    assert promoted.promoted_to_id == topic.pk and topic.posts.count() == 3
    assert Activity.objects.filter(verb="message.promoted").count() == 1
    assert Activity.objects.filter(verb="message.thread_replied").count() == replies.count()
