"""The demo community's notifications: what its members were told over the last two weeks of seeded
history (replies, mentions, quotes, reactions, accepted answers, news in watched topics, direct
messages, thread replies, the waiting application and space request), so that the demo logins open a
believable notification centre: older ones read, the last two days' unread.

Each seeded thing is replayed as the domain event its action emits (many were written by the bulk
layers, which emit none) and stored by notifications.bulk: the kinds' own handlers decide who is told
and the fan-out's audience checks apply, at the time of the thing, never emailed or pushed. Events the
seeding actions did emit are also queued for the worker; when it runs them, their source keys match
the rows written here and nothing is stored twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from townhall.chat.events import MessageReactionChanged, MessageSent, ThreadReplied
from townhall.chat.models import Message, MessageReaction
from townhall.community.events import StandingChanged
from townhall.community.models import Membership
from townhall.content.mentions import render_posts
from townhall.core.effects import DomainEvent
from townhall.discussions.events import AnswerAccepted, PostCreated, ReactionChanged, TopicCreated
from townhall.discussions.models import Post, Reaction, Topic
from townhall.notifications.bulk import notify_past
from townhall.spaces.events import SpaceMembershipChanged
from townhall.spaces.models import SpaceMembership

HISTORY = dt.timedelta(days=14)
UNREAD = dt.timedelta(days=2)  # newer than this stays unread


def seed_notifications(now: dt.datetime) -> int:
    """Replay the last two weeks as notifications; returns how many rows were written."""
    since = now - HISTORY
    happened: list[tuple[dt.datetime, DomainEvent]] = []
    happened += _posts(since)
    happened += _post_reactions(since)
    happened += _messages(since)
    happened += _message_reactions(since)
    happened += _requests(now)
    written = 0
    for at, event in sorted(happened, key=lambda pair: pair[0]):
        read_at = at + dt.timedelta(hours=3) if at < now - UNREAD else None
        written += notify_past(event, at=at, read_at=read_at)
    return written


def _mentions(bodies: list[str], *, hard_breaks: bool = False) -> list[list[int]]:
    return [ids for _html, ids in render_posts(bodies, hard_breaks=hard_breaks)]


def _posts(since: dt.datetime) -> list[tuple[dt.datetime, DomainEvent]]:
    posts = list(
        Post.objects.filter(created_at__gte=since, deleted_at__isnull=True, hidden=False)
        .select_related("topic", "reply_to")
        .order_by("pk")
    )
    events: list[tuple[dt.datetime, DomainEvent]] = []
    for post, mentioned in zip(posts, _mentions([p.body for p in posts]), strict=True):
        topic = post.topic
        if post.position == 1:
            events.append(
                (post.created_at, TopicCreated(topic_id=topic.pk, post_id=post.pk, space_id=topic.space_id,
                                               actor_id=post.author_id, kind=topic.kind, mentioned_ids=mentioned))
            )  # fmt: skip
            continue
        replied = post.reply_to.author_id if post.reply_to is not None else None
        events.append(
            (post.created_at, PostCreated(post_id=post.pk, topic_id=topic.pk, space_id=topic.space_id,
                                          actor_id=post.author_id, reply_to_author_id=replied,
                                          mentioned_ids=mentioned))
        )  # fmt: skip
    accepted = Topic.objects.filter(accepted_post__isnull=False, accepted_post__created_at__gte=since)
    for topic in accepted.select_related("accepted_post"):
        answer: Any = topic.accepted_post
        events.append(
            (answer.created_at + dt.timedelta(hours=1),
             AnswerAccepted(topic_id=topic.pk, post_id=answer.pk, space_id=topic.space_id,
                            actor_id=topic.author_id, answerer_id=answer.author_id))
        )  # fmt: skip
    return events


def _post_reactions(since: dt.datetime) -> list[tuple[dt.datetime, DomainEvent]]:
    rows = Reaction.objects.filter(created_at__gte=since).select_related("post__topic").order_by("pk")
    return [
        (r.created_at, ReactionChanged(post_id=r.post_id, topic_id=r.post.topic_id, space_id=r.post.topic.space_id,
                                       actor_id=r.user_id, post_author_id=r.post.author_id, emoji=r.emoji,
                                       added=True))
        for r in rows
    ]  # fmt: skip


def _messages(since: dt.datetime) -> list[tuple[dt.datetime, DomainEvent]]:
    messages = list(Message.objects.filter(created_at__gte=since, deleted_at__isnull=True).order_by("pk"))
    events: list[tuple[dt.datetime, DomainEvent]] = []
    for message, mentioned in zip(
        messages, _mentions([m.body for m in messages], hard_breaks=True), strict=True
    ):
        if message.thread_root_id is not None:
            event: DomainEvent = ThreadReplied(message_id=message.pk, root_id=message.thread_root_id,
                                               space_id=message.space_id, actor_id=message.author_id,
                                               mentioned_ids=mentioned)  # fmt: skip
        else:
            event = MessageSent(message_id=message.pk, space_id=message.space_id, actor_id=message.author_id,
                                mentioned_ids=mentioned)  # fmt: skip
        events.append((message.created_at, event))
    return events


def _message_reactions(since: dt.datetime) -> list[tuple[dt.datetime, DomainEvent]]:
    rows = MessageReaction.objects.filter(created_at__gte=since).select_related("message").order_by("pk")
    return [
        (r.created_at, MessageReactionChanged(message_id=r.message_id, space_id=r.message.space_id,
                                              actor_id=r.user_id, message_author_id=r.message.author_id,
                                              emoji=r.emoji, added=True))
        for r in rows
    ]  # fmt: skip


def _requests(now: dt.datetime) -> list[tuple[dt.datetime, DomainEvent]]:
    """The waiting applications and space requests, asked a day or two ago."""
    events: list[tuple[dt.datetime, DomainEvent]] = []
    for user_id in Membership.objects.filter(state=Membership.PENDING).values_list("user_id", flat=True):
        events.append(
            (now - dt.timedelta(days=2), StandingChanged(user_id=user_id, actor_id=user_id, op="applied"))
        )
    waiting = SpaceMembership.objects.filter(state=SpaceMembership.REQUESTED)
    for space_id, user_id in waiting.values_list("space_id", "user_id"):
        events.append(
            (now - dt.timedelta(hours=20),
             SpaceMembershipChanged(space_id=space_id, user_id=user_id, actor_id=user_id, op="requested"))
        )  # fmt: skip
    return events
