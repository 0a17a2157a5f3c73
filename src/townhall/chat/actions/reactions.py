"""Reactions to chat messages, from the admin-chosen set. Validation, the rows and toggling are
content.reactions, shared with discussions' post reactions; here are chat's rule, Activity rows, event
and broadcast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import MessageReactionChanged, MessageReactionData
from townhall.chat.models import Message, MessageReaction
from townhall.chat.queries import MESSAGE_REACTIONS
from townhall.content.reactions import clean_emoji, toggle
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid

if TYPE_CHECKING:
    from townhall.policy import Guardian

REACT_RATE = "60/m"  # settings.CHAT_REACT_RATE overrides it
NOT_GIVEN = "You have not reacted with that."


def _limit(guardian: Guardian) -> int:
    ratelimit.hit(f"chat-react:{guardian.user_id}", getattr(settings, "CHAT_REACT_RATE", REACT_RATE))
    assert guardian.user_id is not None  # the rule refuses visitors
    return guardian.user_id


def _changed(guardian: Guardian, message: Message, emoji: str, *, added: bool) -> None:
    """The Activity row, the event and the broadcast of one reaction added or taken back."""
    verb = "message.reaction_added" if added else "message.reaction_removed"
    record_activity(
        guardian.user, verb, message, space_id=message.space_id,
        data=MessageReactionData(emoji=emoji, author_id=message.author_id),
    )  # fmt: skip
    emit(
        MessageReactionChanged(
            message_id=message.pk, space_id=message.space_id, actor_id=guardian.user_id,
            message_author_id=message.author_id, emoji=emoji, added=added,
        )
    )  # fmt: skip
    broadcasts.message_changed(space_id=message.space_id, message_id=message.pk, op="message_reacted")


def react_to_message(guardian: Guardian, message: Message, *, emoji: str) -> MessageReaction:
    """Add one of the admin-chosen reactions to a message; giving the same one again changes nothing.

    Errors: NotFound (unseen), PermissionDenied (visitor, not an active member, deleted message,
    archived space), Invalid (not in the set), RateLimited. Broadcasts `chat/message_reacted`.
    """
    guardian.chat.react.ensure(message)
    user_id = _limit(guardian)
    clean_emoji(emoji)
    with transaction.atomic():
        reaction, created = MESSAGE_REACTIONS.add(target_id=message.pk, user_id=user_id, emoji=emoji)
        if created:
            _changed(guardian, message, emoji, added=True)
    return reaction


def unreact_to_message(guardian: Guardian, message: Message, *, emoji: str) -> None:
    """Take back the caller's reaction. Errors: those of react_to_message, and Invalid when they had
    not given it. Broadcasts `chat/message_reacted`."""
    guardian.chat.react.ensure(message)
    user_id = _limit(guardian)
    with transaction.atomic():
        if not MESSAGE_REACTIONS.remove(target_id=message.pk, user_id=user_id, emoji=emoji):
            raise Invalid(NOT_GIVEN, field_errors={"emoji": [NOT_GIVEN]})
        _changed(guardian, message, emoji, added=False)


def toggle_message_reaction(guardian: Guardian, message: Message, *, emoji: str) -> bool:
    """Add the caller's reaction, or take it back when they have given it (the page's buttons). True
    when the reaction is now on the message. Errors: those of react_to_message and unreact_to_message."""
    guardian.chat.react.ensure(message)
    assert guardian.user_id is not None
    return toggle(
        MESSAGE_REACTIONS, target_id=message.pk, user_id=guardian.user_id, emoji=emoji,
        add=lambda: react_to_message(guardian, message, emoji=emoji),
        remove=lambda: unreact_to_message(guardian, message, emoji=emoji),
    )  # fmt: skip
