"""Pinning messages to a channel's Pinned area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import (
    MessagePinData,
    MessagePinned,
    MessageUnpinned,
)
from townhall.chat.models import (
    MAX_PINS,
    Message,
)
from townhall.core.effects import emit
from townhall.core.errors import Invalid

if TYPE_CHECKING:
    from townhall.policy import Guardian

from townhall.chat.actions._common import _lock


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
