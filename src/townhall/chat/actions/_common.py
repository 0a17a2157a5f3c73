"""What the chat actions share: cleaning a message's text and client key, finding an earlier send
with the same key, locking a message row and moving a member's read position."""

from __future__ import annotations

from typing import TYPE_CHECKING

from townhall.chat.models import (
    CLIENT_KEY_MAX,
    MAX_BODY,
    ChannelRead,
    Message,
)
from townhall.core.errors import Invalid
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


def _lock(message: Message) -> Message:
    return Message.objects.select_for_update().select_related("space").get(pk=message.pk)


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
