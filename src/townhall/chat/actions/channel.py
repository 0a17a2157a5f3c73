"""A channel's topic line and each member's read position."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from townhall.activity.log import record_activity
from townhall.chat import broadcasts
from townhall.chat.events import (
    ChannelSeen,
    ChannelTopicChanged,
    ChannelTopicData,
)
from townhall.chat.models import (
    TOPIC_MAX,
)
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

from townhall.chat.actions._common import _advance_read


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


def mark_read(guardian: Guardian, space: Space, *, up_to: int) -> None:
    """Remember that the member has seen the channel up to message `up_to` (an id; never moves back).

    Reading is not a meaningful act for the Activity log, so it records none; when the position moves it
    broadcasts `chat/read` to the member's own streams (their other tabs update the unread count) and
    emits ChannelSeen (their notifications up to there are marked read).
    Errors: NotFound (unseen). Does nothing for visitors who are not signed in.
    """
    guardian.chat.read.ensure(space)
    if guardian.user is None or up_to <= 0:
        return
    with transaction.atomic():
        if _advance_read(guardian, space, up_to):
            broadcasts.channel_read(user_id=guardian.user.pk, space_id=space.pk, message_id=up_to)
            emit(ChannelSeen(user_id=guardian.user.pk, space_id=space.pk, message_id=up_to))
