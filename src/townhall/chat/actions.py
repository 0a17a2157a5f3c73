"""Chat's writes: sending, editing, deleting, restoring, pinning and unpinning messages, setting a
channel's topic line, and marking a channel read.

Every action asks the Guardian first, writes in one transaction with its Activity row, emits its domain
event and broadcasts `{type: "chat", op, space_id, message_id}` after the commit (the page then fetches
the message under its reader's own permissions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import (
    ChannelTopicChanged,
    ChannelTopicData,
    MessageDeleted,
    MessageDeletedData,
    MessageEdited,
    MessageEditedData,
    MessagePinData,
    MessagePinned,
    MessageRestored,
    MessageSent,
    MessageSentData,
    MessageUnpinned,
)
from townhall.chat.models import (
    CLIENT_KEY_MAX,
    MAX_BODY,
    MAX_PINS,
    TOPIC_MAX,
    ChannelRead,
    Message,
    MessageRevision,
)
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.core.markdown import render_markdown
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

SEND_RATE = "30/m"  # a flood guard on top of any slow mode; settings.CHAT_SEND_RATE overrides it


def clean_body(body: str) -> str:
    """The message text, without surrounding blank lines; Invalid when empty, too long or holding NUL."""
    if "\x00" in body:
        raise Invalid("A message cannot contain the NUL character.", field_errors={"body": ["Remove the NUL character."]})  # fmt: skip
    text = body.strip("\r\n").rstrip()
    if not text.strip():
        raise Invalid("Write something before sending.", field_errors={"body": ["Write something before sending."]})  # fmt: skip
    if len(text) > MAX_BODY:
        message = f"A message can be at most {MAX_BODY:,} characters long (this one has {len(text):,})."
        raise Invalid(message, field_errors={"body": [message]})
    return text


def clean_client_key(key: str | None) -> str:
    key = (key or "").strip()
    if len(key) > CLIENT_KEY_MAX or "\x00" in key:
        message = f"The client key must be at most {CLIENT_KEY_MAX} characters."
        raise Invalid(message, field_errors={"client_key": [message]})
    return key


def _existing(guardian: Guardian, space: Space, client_key: str) -> Message | None:
    if not client_key:
        return None
    found = Message.objects.filter(author_id=guardian.user_id, client_key=client_key).first()
    if found is not None and found.space_id != space.pk:
        raise Invalid(
            "This client key was already used for a message in another space.",
            field_errors={"client_key": ["This client key was already used in another space."]},
        )
    return found


def send_message(guardian: Guardian, space: Space, *, body: str, client_key: str | None = None) -> Message:
    """Send a message to a chat space and mark the channel read up to it for its author.

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
    html = render_markdown(text, hard_breaks=True)
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
                data=MessageSentData(chars=len(text)),
            )
            emit(MessageSent(message_id=message.pk, space_id=space.pk, actor_id=guardian.user_id))
            broadcasts.message_changed(space_id=space.pk, message_id=message.pk, op="message_created")
    except IntegrityError:
        # The same key sent twice at once: the other request stored it first.
        again = _existing(guardian, space, key)
        if again is None:
            raise
        return again
    return message


def _lock(message: Message) -> Message:
    return Message.objects.select_for_update().select_related("space").get(pk=message.pk)


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
        locked.html = render_markdown(text, hard_breaks=True)
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "html", "edited_at"])
        record_activity(
            guardian.user, "message.edited", locked, space_id=locked.space_id,
            data=MessageEditedData(revision_id=revision.pk),
        )  # fmt: skip
        emit(MessageEdited(message_id=locked.pk, space_id=locked.space_id, actor_id=guardian.user_id))
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


def _pinned_count(space_id: int) -> int:
    return Message.objects.filter(space_id=space_id, pinned_at__isnull=False, deleted_at__isnull=True).count()


def pin_message(guardian: Guardian, message: Message) -> Message:
    """Pin a message to the channel's Pinned area (moderators). Locks the message row.

    Errors: NotFound (unseen), PermissionDenied (not a moderator, deleted, already pinned), Invalid (the
    channel already shows MAX_PINS pinned messages). Broadcasts `chat/message_pinned`.
    """
    guardian.chat.pin.ensure(message)
    with transaction.atomic():
        locked = _lock(message)
        guardian.chat.pin.ensure(locked)
        count = _pinned_count(locked.space_id)
        if count >= MAX_PINS:
            raise Invalid(f"A channel keeps at most {MAX_PINS} pinned messages: unpin one first.")
        locked.pinned_at = timezone.now()
        locked.pinned_by = guardian.user
        locked.save(update_fields=["pinned_at", "pinned_by"])
        record_activity(
            guardian.user, "message.pinned", locked, space_id=locked.space_id,
            data=MessagePinData(pinned_count=count + 1),
        )  # fmt: skip
        emit(MessagePinned(message_id=locked.pk, space_id=locked.space_id, actor_id=guardian.user_id))
        broadcasts.message_changed(space_id=locked.space_id, message_id=locked.pk, op="message_pinned")
    return locked


def unpin_message(guardian: Guardian, message: Message) -> Message:
    """Take a message out of the Pinned area (moderators; a deleted one too). Locks the message row.

    Errors: NotFound (unseen), PermissionDenied (not a moderator, not pinned).
    Broadcasts `chat/message_unpinned`.
    """
    guardian.chat.unpin.ensure(message)
    with transaction.atomic():
        locked = _lock(message)
        guardian.chat.unpin.ensure(locked)
        locked.pinned_at = None
        locked.pinned_by = None
        locked.save(update_fields=["pinned_at", "pinned_by"])
        record_activity(
            guardian.user, "message.unpinned", locked, space_id=locked.space_id,
            data=MessagePinData(pinned_count=_pinned_count(locked.space_id)),
        )  # fmt: skip
        emit(MessageUnpinned(message_id=locked.pk, space_id=locked.space_id, actor_id=guardian.user_id))
        broadcasts.message_changed(space_id=locked.space_id, message_id=locked.pk, op="message_unpinned")
    return locked


def clean_topic(topic: str) -> str:
    """The topic line on one line, its spaces collapsed; Invalid when too long or holding NUL."""
    if "\x00" in topic:
        raise Invalid("A topic cannot contain the NUL character.", field_errors={"topic": ["Remove the NUL character."]})  # fmt: skip
    text = " ".join(topic.split())
    if len(text) > TOPIC_MAX:
        message = f"A topic can be at most {TOPIC_MAX} characters long (this one has {len(text):,})."
        raise Invalid(message, field_errors={"topic": [message]})
    return text


def set_topic(guardian: Guardian, space: Space, *, topic: str) -> Space:
    """Set the channel's topic line (moderators; empty clears it), kept in Space.kind_settings["topic"]
    beside the chat kind's other settings. Locks the space row; an unchanged topic writes nothing.

    Errors: NotFound (space unseen or not a chat), PermissionDenied (not a moderator), Invalid (over 200
    characters, NUL). Broadcasts `chat/topic_changed` to the space.
    """
    guardian.chat.set_topic.ensure(space)
    text = clean_topic(topic)
    with transaction.atomic():
        locked = Space.objects.select_for_update().get(pk=space.pk)
        guardian.chat.set_topic.ensure(locked)
        current = dict(locked.kind_settings or {})
        if current.get("topic", "") != text:
            current["topic"] = text
            locked.kind_settings = current
            locked.save(update_fields=["kind_settings"])
            record_activity(
                guardian.user, "channel.topic_changed", locked, space_id=locked.pk,
                data=ChannelTopicData(chars=len(text)),
            )  # fmt: skip
            emit(ChannelTopicChanged(space_id=locked.pk, actor_id=guardian.user_id))
            broadcasts.topic_changed(space_id=locked.pk)
    space.kind_settings = locked.kind_settings
    return space


def _advance_read(guardian: Guardian, space: Space, message_id: int) -> bool:
    """Move the member's read position forward to `message_id` (never back). True when it moved."""
    assert guardian.user is not None
    row, created = ChannelRead.objects.get_or_create(
        user=guardian.user, space=space, defaults={"last_read_id": message_id}
    )
    if created:
        return True
    return bool(
        ChannelRead.objects.filter(pk=row.pk, last_read_id__lt=message_id).update(last_read_id=message_id)
    )


def mark_read(guardian: Guardian, space: Space, *, up_to: int) -> None:
    """Remember that the member has seen the channel up to message `up_to` (an id; never moves back).

    Reading is not a meaningful act for the Activity log, so it records none; when the position moves it
    broadcasts `chat/read` to the member's own streams (their other tabs update the unread count).
    Errors: NotFound (unseen). Does nothing for visitors who are not signed in.
    """
    guardian.chat.read.ensure(space)
    if guardian.user is None or up_to <= 0:
        return
    with transaction.atomic():
        if _advance_read(guardian, space, up_to):
            broadcasts.channel_read(user_id=guardian.user.pk, space_id=space.pk, message_id=up_to)
