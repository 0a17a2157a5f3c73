"""Sending, editing, deleting and restoring chat messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import (
    MessageDeleted,
    MessageDeletedData,
    MessageEdited,
    MessageEditedData,
    MessageRestored,
    MessageSent,
    MessageSentData,
)
from townhall.chat.models import (
    Message,
    MessageRevision,
)
from townhall.content.mentions import render_post
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.spaces.models import Space

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


def send_message(guardian: Guardian, space: Space, *, body: str, client_key: str | None = None) -> Message:
    """Send a message to a chat space and mark the channel read up to it for its author. @mentions of
    existing people become profile links and their ids go into the Activity row (as in discussions).

    A repeated `client_key` (a retry after a timeout) returns the first message and writes nothing.
    Errors: NotFound (space unseen or not a chat), PermissionDenied (may not post: suspended, not in the
    space, an announcement channel, slow mode), Invalid (empty, over 10,000 characters), RateLimited.
    Broadcasts `chat/message_created` to the space.
    """
    guardian.chat.post.ensure(space)
    key = clean_client_key(client_key)
    first = _existing(guardian, space, key)
    if first is not None:
        return first
    text = clean_body(body)
    guardian.chat.send_now.ensure(space)
    ratelimit.hit(f"chat-send:{guardian.user_id}", getattr(settings, "CHAT_SEND_RATE", SEND_RATE))
    html, mentioned = render_post(text, hard_breaks=True)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                space=space, author=guardian.user, body=text, html=html, client_key=key
            )
            _advance_read(guardian, space, message.pk)
            record_activity(
                guardian.user,
                "message.sent",
                message,
                space_id=space.pk,
                data=MessageSentData(chars=len(text), mentioned=mentioned),
            )
            emit(
                MessageSent(
                    message_id=message.pk,
                    space_id=space.pk,
                    actor_id=guardian.user_id,
                    mentioned_ids=mentioned,
                )
            )
            broadcasts.message_changed(space_id=space.pk, message_id=message.pk, op="message_created")
    except IntegrityError:
        # The same key sent twice at once: the other request stored it first.
        again = _existing(guardian, space, key)
        if again is None:
            raise
        return again
    return message


def edit_message(guardian: Guardian, message: Message, *, body: str) -> Message:
    """Change a message's text; the earlier wording is kept as a MessageRevision and the message is
    marked edited. Locks the message row. An unchanged text writes nothing.

    Errors: NotFound (unseen), PermissionDenied (not the author, deleted), Invalid (empty, too long).
    Broadcasts `chat/message_edited`.
    """
    guardian.chat.edit.ensure(message)
    text = clean_body(body)
    with transaction.atomic():
        locked = _lock(message)
        guardian.chat.edit.ensure(locked)
        if locked.body == text:
            return locked
        revision = MessageRevision.objects.create(message=locked, body=locked.body, editor=guardian.user)
        locked.body = text
        locked.html, mentioned = render_post(text, hard_breaks=True)
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "html", "edited_at"])
        record_activity(
            guardian.user, "message.edited", locked, space_id=locked.space_id,
            data=MessageEditedData(revision_id=revision.pk, mentioned=mentioned),
        )  # fmt: skip
        emit(
            MessageEdited(
                message_id=locked.pk,
                space_id=locked.space_id,
                actor_id=guardian.user_id,
                mentioned_ids=mentioned,
            )
        )
        broadcasts.message_changed(space_id=locked.space_id, message_id=locked.pk, op="message_edited")
    return locked


def delete_message(guardian: Guardian, message: Message) -> Message:
    """Soft-delete a message (its author, or a moderator): it keeps its place as "message deleted" and
    moderators may restore it. Locks the message row.

    Errors: NotFound (unseen), PermissionDenied (someone else's, already deleted).
    Broadcasts `chat/message_deleted`.
    """
    guardian.chat.delete.ensure(message)
    with transaction.atomic():
        locked = _lock(message)
        guardian.chat.delete.ensure(locked)
        locked.deleted_at = timezone.now()
        locked.deleted_by = guardian.user
        locked.save(update_fields=["deleted_at", "deleted_by"])
        record_activity(
            guardian.user, "message.deleted", locked, space_id=locked.space_id,
            data=MessageDeletedData(by_author=locked.author_id == guardian.user_id),
        )  # fmt: skip
        emit(MessageDeleted(message_id=locked.pk, space_id=locked.space_id, actor_id=guardian.user_id))
        broadcasts.message_changed(space_id=locked.space_id, message_id=locked.pk, op="message_deleted")
    return locked


def restore_message(guardian: Guardian, message: Message) -> Message:
    """Bring back a deleted message (moderators). Locks the message row.

    Errors: NotFound (unseen), PermissionDenied (not a moderator, not deleted).
    Broadcasts `chat/message_restored`.
    """
    guardian.chat.restore.ensure(message)
    with transaction.atomic():
        locked = _lock(message)
        guardian.chat.restore.ensure(locked)
        locked.deleted_at = None
        locked.deleted_by = None
        locked.save(update_fields=["deleted_at", "deleted_by"])
        record_activity(guardian.user, "message.restored", locked, space_id=locked.space_id)
        emit(MessageRestored(message_id=locked.pk, space_id=locked.space_id, actor_id=guardian.user_id))
        broadcasts.message_changed(space_id=locked.space_id, message_id=locked.pk, op="message_restored")
    return locked
