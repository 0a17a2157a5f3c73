"""Threads: replying to a message in its thread, following and unfollowing threads, reading them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import ThreadReplied, ThreadRepliedData, ThreadSeen
from townhall.chat.models import Message, ThreadFollow
from townhall.content.mentions import render_post
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid

if TYPE_CHECKING:
    from townhall.policy import Guardian

from townhall.chat.actions._common import (
    SEND_RATE,
    _advance_read,
    _existing,
    _lock,
    clean_body,
    clean_client_key,
)


def _earlier_reply(guardian: Guardian, root: Message, key: str) -> Message | None:
    """The reply sent before with this key; Invalid when the key went to another message or thread."""
    found = _existing(guardian, root.space, key)
    if found is not None and found.thread_root_id != root.pk:
        raise Invalid(
            "This client key was already used for another message.",
            field_errors={"client_key": ["This client key was already used for another message."]},
        )
    return found


def _follow(user_id: int, root: Message, *, read_up_to: int = 0) -> bool:
    """Make sure `user_id` follows the thread (reading it up to `read_up_to`). True when it is new."""
    row, created = ThreadFollow.objects.get_or_create(
        user_id=user_id, root=root, defaults={"last_read_id": read_up_to}
    )
    if not created and read_up_to > row.last_read_id:
        ThreadFollow.objects.filter(pk=row.pk, last_read_id__lt=read_up_to).update(last_read_id=read_up_to)
    return created


def reply_in_thread(
    guardian: Guardian,
    root: Message,
    *,
    body: str,
    client_key: str | None = None,
    also_in_channel: bool = False,
) -> Message:
    """Reply in the thread of `root`; the replier and the root's author follow it from then on.

    The same checks as sending to the channel: the space's posting rules and slow mode (a reply counts
    as a message), the rate limit, the body's cleaning and `client_key` idempotency (a retry returns the
    first reply). In an announcement channel members may reply in threads, but only moderators may also
    send the reply to the channel. Locks the root's row (its reply_count and last_reply_at are read, then
    written; a promotion in between closes the thread).

    Errors: NotFound (unseen, or `root` is itself a reply), PermissionDenied (may not post, the root is
    deleted or moved to a topic, slow mode, "also send to channel" in an announcement channel), Invalid
    (empty, over 10,000 characters), RateLimited. Broadcasts `chat/thread_reply` to the space, and
    `chat/message_created` when the reply also goes to the channel.
    """
    guardian.chat.reply_in_thread.ensure(root)
    if also_in_channel:
        guardian.chat.post.ensure(root.space)
    key = clean_client_key(client_key)
    first = _earlier_reply(guardian, root, key)
    if first is not None:
        return first
    text = clean_body(body)
    guardian.chat.send_now.ensure(root.space)
    ratelimit.hit(f"chat-send:{guardian.user_id}", getattr(settings, "CHAT_SEND_RATE", SEND_RATE))
    html, mentioned = render_post(text, hard_breaks=True)
    assert guardian.user_id is not None  # reply_in_thread refuses visitors
    try:
        with transaction.atomic():
            locked = _lock(root)
            guardian.chat.reply_in_thread.ensure(locked)
            space = locked.space
            reply = Message.objects.create(
                space=space, author=guardian.user, body=text, html=html, client_key=key,
                thread_root=locked, also_in_channel=also_in_channel,
            )  # fmt: skip
            locked.reply_count += 1
            locked.last_reply_at = reply.created_at
            locked.save(update_fields=["reply_count", "last_reply_at"])
            if locked.author_id is not None and locked.author_id != guardian.user_id:
                _follow(locked.author_id, locked)  # first: the follower list opens with the root's author
            _follow(guardian.user_id, locked, read_up_to=reply.pk)
            if also_in_channel:
                _advance_read(guardian, space, reply.pk)
            record_activity(
                guardian.user, "message.thread_replied", reply, space_id=space.pk,
                data=ThreadRepliedData(
                    root_id=locked.pk, chars=len(text), also_in_channel=also_in_channel, mentioned=mentioned
                ),
            )  # fmt: skip
            emit(
                ThreadReplied(
                    message_id=reply.pk, root_id=locked.pk, space_id=space.pk, actor_id=guardian.user_id,
                    mentioned_ids=mentioned,
                )
            )  # fmt: skip
            broadcasts.thread_reply(space_id=space.pk, root_id=locked.pk, message_id=reply.pk)
            if also_in_channel:
                broadcasts.message_changed(space_id=space.pk, message_id=reply.pk, op="message_created")
    except IntegrityError:
        # The same key sent twice at once: the other request stored it first.
        again = _earlier_reply(guardian, root, key)
        if again is None:
            raise
        return again
    root.reply_count, root.last_reply_at = locked.reply_count, locked.last_reply_at
    return reply


def follow_thread(guardian: Guardian, root: Message) -> ThreadFollow:
    """Follow a thread: its unread replies count in the member's Threads list. Following one already
    followed changes nothing. Errors: NotFound (unseen), PermissionDenied (not signed in)."""
    guardian.chat.follow_thread.ensure(root)
    assert guardian.user_id is not None
    with transaction.atomic():
        # Replies written before following are not news: the member starts reading from the newest.
        newest = root.replies.order_by("-id").values_list("id", flat=True).first() or 0
        if _follow(guardian.user_id, root, read_up_to=newest):
            record_activity(guardian.user, "thread.followed", root, space_id=root.space_id)
    return ThreadFollow.objects.get(user_id=guardian.user_id, root=root)


def unfollow_thread(guardian: Guardian, root: Message) -> None:
    """Stop following a thread (replying again follows it again). Unfollowing one not followed changes
    nothing. Errors: NotFound (unseen), PermissionDenied (not signed in)."""
    guardian.chat.follow_thread.ensure(root)
    assert guardian.user_id is not None
    with transaction.atomic():
        deleted, _ = ThreadFollow.objects.filter(user_id=guardian.user_id, root=root).delete()
        if deleted:
            record_activity(guardian.user, "thread.unfollowed", root, space_id=root.space_id)


def mark_thread_read(guardian: Guardian, root: Message, *, up_to: int) -> None:
    """Remember that the member has read the thread up to reply `up_to` (never moves back); only for
    threads they follow. Records no Activity; when the position moves it broadcasts `chat/thread_read` to
    the member's own streams and emits ThreadSeen (their notifications up to there are marked read). Errors: NotFound (unseen). Does nothing for visitors."""
    guardian.chat.view_thread.ensure(root)
    user_id = guardian.user_id
    if user_id is None or up_to <= 0:
        return
    with transaction.atomic():
        moved = ThreadFollow.objects.filter(user_id=user_id, root=root, last_read_id__lt=up_to).update(
            last_read_id=up_to
        )
        if moved:
            broadcasts.thread_read(user_id=user_id, space_id=root.space_id, root_id=root.pk, message_id=up_to)
            emit(ThreadSeen(user_id=user_id, root_id=root.pk, message_id=up_to))
