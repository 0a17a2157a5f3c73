"""Promote to topic: a chat message and its thread become a discussion topic, so that what was worked
out in chat is kept where the community looks for knowledge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import ThreadPromoted, ThreadPromotedData
from townhall.chat.models import Message
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.discussions.actions import clean_title
from townhall.discussions.bulk import NewReply, NewTopic, bulk_create_topics
from townhall.discussions.models import Topic
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

from townhall.chat.actions._common import _lock

TOPIC_KIND = "discussion"  # the space kind that holds discussion topics


def promote_thread(guardian: Guardian, root: Message, *, to_space: Space, title: str) -> Topic:
    """Turn `root` and its thread into a topic in `to_space`: the root becomes the opening post and each
    reply a post, with their authors and times kept (through the discussions bulk layer: the rows
    `create_topic`/`create_post` write, without notifying anyone of old messages). Deleted replies stay
    behind. The thread then closes and the channel shows a link to the topic in its place.

    Locks the root's row (a reply arriving meanwhile waits, then finds the thread closed), all in one
    transaction. Errors: NotFound (the root or `to_space` unseen), PermissionDenied (not the author or a
    moderator, already moved, deleted, no right to start topics in `to_space`), Invalid (not a
    discussions space, a bad title). Broadcasts `chat/message_promoted` to the chat space.
    """
    guardian.chat.promote.ensure(root)
    guardian.spaces.read.ensure(to_space)
    if to_space.kind != TOPIC_KIND:
        message = "Pick a discussions space: only they hold topics."
        raise Invalid(message, field_errors={"space": [message]})
    guardian.discussions.create_topic.ensure(to_space)
    clean = clean_title(title)
    with transaction.atomic():
        locked = _lock(root)
        guardian.chat.promote.ensure(locked)
        replies = list(
            Message.objects.filter(thread_root_id=locked.pk, deleted_at__isnull=True).order_by("id")
        )
        written = bulk_create_topics(
            [
                NewTopic(
                    space_id=to_space.pk, author_id=locked.author_id, title=clean, body=locked.body,
                    created_at=locked.created_at,
                    replies=[NewReply(author_id=r.author_id, body=r.body, created_at=r.created_at) for r in replies],
                )
            ]
        )  # fmt: skip
        topic = Topic.objects.get(pk=written[0].topic_id)
        locked.promoted_at = timezone.now()
        locked.promoted_to = topic
        locked.save(update_fields=["promoted_at", "promoted_to"])
        record_activity(
            guardian.user, "message.promoted", locked, space_id=locked.space_id,
            data=ThreadPromotedData(topic_id=topic.pk, replies=len(replies)),
        )  # fmt: skip
        emit(ThreadPromoted(root_id=locked.pk, space_id=locked.space_id, topic_id=topic.pk, actor_id=guardian.user_id))  # fmt: skip
        broadcasts.message_changed(space_id=locked.space_id, message_id=locked.pk, op="message_promoted")
    root.promoted_at, root.promoted_to = locked.promoted_at, topic
    return topic
