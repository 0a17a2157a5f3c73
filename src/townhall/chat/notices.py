"""The notifications that chat causes, and who gets them (registered in ChatConfig.ready()).

- a message in a conversation (a direct message) tells its other members ("direct_message");
- an @mention in a channel, a thread or a conversation tells the person mentioned ("mention", the
  kind discussions declares: one choice for mentions anywhere);
- a reply in a thread tells the thread's followers ("thread_reply": its root's author, those who
  replied, those who chose to follow it);
- a reaction to a message tells its author, folded per message ("reaction", declared by discussions).

One notification per person per message (source key "message:<id>"), with the most specific reason.
Reading the channel, conversation or thread up to a message marks the notifications up to it read
(ChannelSeen, ThreadSeen). A deleted message tells nobody; at delivery `still_visible` checks it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.urls import reverse

from townhall.chat.events import (
    ChannelSeen,
    MessageEdited,
    MessageReactionChanged,
    MessageSent,
    ThreadReplied,
    ThreadSeen,
)
from townhall.chat.models import Message, ThreadFollow
from townhall.notifications import kinds
from townhall.notifications.checks import register_target, target_visible
from townhall.notifications.kinds import Kind, Notice, Seen, excerpt
from townhall.notifications.models import EMAIL, PUSH, WEB
from townhall.spaces.models import SpaceMembership

DIRECT = "direct"

KINDS = [
    Kind("direct_message", "Direct messages", "✉️", "{actor} sent you a message: {excerpt}",
         frozenset({WEB, EMAIL, PUSH}), still_visible=target_visible, order=15),
    Kind("thread_reply", "Replies in threads you follow", "🧵", "{actor} replied in a thread in {title}",
         still_visible=target_visible, order=65),
]  # fmt: skip


def register() -> None:
    """From ChatConfig.ready()."""
    for kind in KINDS:
        kinds.register(kind)
    register_target("message", message_visible)
    kinds.on(MessageSent, message_sent, name="chat.message_sent")
    kinds.on(MessageEdited, message_edited, name="chat.message_edited")
    kinds.on(ThreadReplied, thread_replied, name="chat.thread_replied")
    kinds.on(MessageReactionChanged, reaction_changed, name="chat.reaction_changed")
    kinds.on_seen(ChannelSeen, channel_seen, name="chat.channel_seen")
    kinds.on_seen(ThreadSeen, thread_seen, name="chat.thread_seen")


def message_visible(guardian: Any, message_id: int) -> bool:
    """The message still exists, is not deleted, and its space is readable to the recipient."""
    message = Message.objects.select_related("space").filter(pk=message_id).first()
    if message is None or message.deleted_at is not None:
        return False
    return guardian.chat.view_message.can(message)


# --- who ---------------------------------------------------------------------------------------------
def _live(message_id: int) -> Message | None:
    message = Message.objects.select_related("space").filter(pk=message_id).first()
    if message is None or message.deleted_at is not None:
        return None
    return message


def _notice(kind: str, message: Message, recipients: Iterable[int], actor_id: int | None) -> Notice:
    space = message.space
    if message.thread_root_id is not None and not message.also_in_channel:
        thread_key = f"thread:{message.thread_root_id}"
    else:
        thread_key = f"space:{space.pk}"
    title = "your conversation" if space.kind == DIRECT else f"#{space.name}"
    return Notice(
        kind=kind,
        recipient_ids=sorted(recipients),
        source_key=f"message:{message.pk}",
        url=reverse("chat:message", args=[message.pk]),
        actor_id=actor_id,
        space_id=space.pk,
        target=f"message:{message.pk}",
        thread_key=thread_key,
        data={"title": title, "excerpt": excerpt(message.html), "position": message.pk},
    )


def _in_order(message: Message, actor_id: int | None, groups: list[tuple[str, set[int]]]) -> list[Notice]:
    """One notice per group, each person in the first group that names them only (never the actor)."""
    told = {actor_id} if actor_id is not None else set()
    notices = []
    for kind, people in groups:
        fresh = people - told
        if fresh:
            notices.append(_notice(kind, message, fresh, actor_id))
            told |= fresh
    return notices


def _conversation_members(space_id: int) -> set[int]:
    rows = SpaceMembership.objects.filter(space_id=space_id, state=SpaceMembership.ACTIVE)
    return set(rows.values_list("user_id", flat=True))


# --- handlers ----------------------------------------------------------------------------------------
def message_sent(event: MessageSent) -> list[Notice]:
    message = _live(event.message_id)
    if message is None:
        return []
    groups = [("mention", set(event.mentioned_ids))]
    if message.space.kind == DIRECT:
        groups.append(("direct_message", _conversation_members(message.space_id)))
    return _in_order(message, event.actor_id, groups)


def message_edited(event: MessageEdited) -> list[Notice]:
    """Newly mentioned people (those told about this message before are skipped by its source key)."""
    if not event.mentioned_ids:
        return []
    message = _live(event.message_id)
    if message is None:
        return []
    return _in_order(message, message.author_id or event.actor_id, [("mention", set(event.mentioned_ids))])


def thread_replied(event: ThreadReplied) -> list[Notice]:
    message = _live(event.message_id)
    if message is None:
        return []
    followers = set(ThreadFollow.objects.filter(root_id=event.root_id).values_list("user_id", flat=True))
    groups = [("mention", set(event.mentioned_ids)), ("thread_reply", followers)]
    return _in_order(message, event.actor_id, groups)


def reaction_changed(event: MessageReactionChanged) -> list[Notice]:
    if not event.added or event.message_author_id is None or event.message_author_id == event.actor_id:
        return []
    message = _live(event.message_id)
    if message is None:
        return []
    notice = _notice("reaction", message, {event.message_author_id}, event.actor_id)
    return [
        replace(
            notice,
            source_key=f"reaction:message:{message.pk}:{event.actor_id}",
            group_key=f"reaction:message:{message.pk}",
            data={**notice.data, "emoji": event.emoji},
        )
    ]


def channel_seen(event: ChannelSeen) -> Seen:
    return Seen(user_id=event.user_id, thread_key=f"space:{event.space_id}", position=event.message_id)


def thread_seen(event: ThreadSeen) -> Seen:
    return Seen(user_id=event.user_id, thread_key=f"thread:{event.root_id}", position=event.message_id)
