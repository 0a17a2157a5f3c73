"""Live sessions: an online event's conversation is a chat thread, and afterwards its recap topic.

The design reuses chat rather than adding a second chat: the event's conversation is a thread whose
root message lives in a chat space — the event's own space when it is a chat space, otherwise the chat
space that the events space names in its settings (`live_chat_space`, a slug). A host opens it (the
root message, "Live: <title>", is sent by the host through chat's `send_message`, so the chat channel
announces the session and links to the event), and from then on everything is chat's: replies, who may
read and write (the chat space's rules), live updates, moderation. Event.chat_root points at the root.

After the start a host turns the thread into the event's recap topic with chat's `promote_thread`
(Event.recap_topic), so nothing said is lost. Chat's own rule applies on top of the event's: the
person who opened the live chat, or the chat space's moderators, may move it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import transaction

from townhall.activity.log import record_activity
from townhall.chat import actions as chat_actions
from townhall.chat.models import Message
from townhall.core.errors import PermissionDenied
from townhall.discussions.models import Topic
from townhall.events.events import LiveChatData, RecapData
from townhall.events.models import Event
from townhall.policy.calendar import NO_CHAT_SPACE, live_chat_space
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

EVENT_PATH = "/events/{id}/"  # the event page (events:event); a plain path keeps the root's Markdown stable


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update(of=("self",)).select_related("space").get(pk=event.pk)


def open_live_chat(guardian: Guardian, event: Event) -> Message:
    """Open the event's live chat: a host sends its root message to the chat space (see the module's
    docstring). Idempotent: an event whose chat is open returns its root.

    Locks the event's row (chat_root is read, then written), so two hosts opening it together make one
    thread. Errors: NotFound (unseen), PermissionDenied (the `open_live_chat` rule: not a host, not an
    online event, over, no chat space; or chat's own `post` rule in that space), RateLimited.
    Broadcasts chat's `chat/message_created` to the chat space.
    """
    guardian.events.open_live_chat.ensure(event)
    with transaction.atomic():
        locked = _lock(event)
        if locked.chat_root_id is not None:
            root = Message.objects.filter(pk=locked.chat_root_id).first()
            if root is not None:
                return root
        guardian.events.open_live_chat.ensure(locked)
        space = live_chat_space(locked)
        if space is None:  # the rule found one; it was archived in between
            raise PermissionDenied(NO_CHAT_SPACE)
        title = locked.title.replace("[", "\\[").replace("]", "\\]")
        body = f"🔴 Live: **[{title}]({EVENT_PATH.format(id=locked.pk)})** — questions and comments in this thread."
        root = chat_actions.send_message(guardian, space, body=body, client_key=f"event-live-{locked.pk}")
        locked.chat_root = root
        locked.save(update_fields=["chat_root", "updated_at"])
        record_activity(
            guardian.user, "event.live_chat_opened", locked, space_id=locked.space_id,
            data=LiveChatData(event_id=locked.pk, message_id=root.pk),
        )  # fmt: skip
    event.chat_root = root
    return root


def promote_live_chat(
    guardian: Guardian, event: Event, *, to_space: Space, title: str | None = None
) -> Topic:
    """Turn the event's live chat into its recap topic in the discussions space `to_space`, through
    chat's `promote_thread` (authors and times kept; the thread closes and links to the topic), and
    keep it as Event.recap_topic. `title` defaults to "Recap: <event title>".

    Locks the event's row (recap_topic is read, then written; chat locks the root's). Errors: NotFound
    (unseen), PermissionDenied (the `promote_recap` rule: not a host, before the start, no live chat,
    a recap already; or chat's `promote` rule), Invalid (not a discussions space, a bad title).
    """
    guardian.events.promote_recap.ensure(event)
    with transaction.atomic():
        locked = _lock(event)
        guardian.events.promote_recap.ensure(locked)
        root = Message.objects.select_related("space", "author", "promoted_to").get(
            pk=cast(int, locked.chat_root_id)
        )  # the rule found it set
        if not guardian.chat.view_thread.can(root):  # a host outside the chat space: say so, not 404
            raise PermissionDenied(f"The live chat is in {root.space.name}, which you cannot read.")
        topic = chat_actions.promote_thread(
            guardian, root, to_space=to_space, title=title or f"Recap: {locked.title}"[:200]
        )
        locked.recap_topic = topic
        locked.save(update_fields=["recap_topic", "updated_at"])
        record_activity(
            guardian.user, "event.recap_promoted", locked, space_id=locked.space_id,
            data=RecapData(event_id=locked.pk, topic_id=topic.pk),
        )  # fmt: skip
    event.recap_topic = topic
    return topic
