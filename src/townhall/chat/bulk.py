"""Writing chat messages without a person at the keyboard (seeding, importers): authors and times are
given, and the rows are those `actions.send_message` writes (cleaned text, HTML rendered once, one
Activity row each), in one batch, without rate limits, slow mode or broadcasts. The search index hears
of them through one `RowsWritten("chat.message", ids)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from townhall.activity.log import build_activity
from townhall.activity.models import Activity
from townhall.chat.actions import clean_body
from townhall.chat.events import MessageSentData, ThreadRepliedData
from townhall.chat.models import Message, ThreadFollow
from townhall.core.effects import RowsWritten, emit
from townhall.core.errors import Invalid
from townhall.core.markdown import render_markdown
from townhall.spaces.models import Space


@dataclass(frozen=True)
class NewMessage:
    author_id: int
    body: str
    at: datetime


def bulk_create_messages(space: Space, messages: Sequence[NewMessage]) -> list[Message]:
    """Store `messages` in `space`, oldest first. Raises Invalid for a text `send_message` would refuse
    (empty, over 10,000 characters). Authors are taken as given: the caller writes only members."""
    ordered = sorted(messages, key=lambda m: m.at)
    rows = []
    for new in ordered:
        text = clean_body(new.body)
        rows.append(
            Message(
                space=space,
                author_id=new.author_id,
                body=text,
                html=render_markdown(text, hard_breaks=True),
                created_at=new.at,
            )
        )
    with transaction.atomic():
        created = Message.objects.bulk_create(rows)
        Activity.objects.bulk_create(
            build_activity(
                m.author_id,
                "message.sent",
                m,
                space_id=space.pk,
                data=MessageSentData(chars=len(m.body)),
                at=m.created_at,
            )
            for m in created
        )
        emit(RowsWritten("chat.message", tuple(m.pk for m in created)))
    return created


@dataclass(frozen=True)
class NewReply:
    author_id: int
    body: str
    at: datetime
    also_in_channel: bool = False


def bulk_add_replies(root: Message, replies: Sequence[NewReply]) -> list[Message]:
    """Store `replies` in the thread of `root`, oldest first, with what `reply_in_thread` keeps: the root's
    reply_count and last_reply_at (under a lock on its row), the follows of the root's author and of each
    replier (read up to their own last reply), one Activity row each. Raises Invalid for a text the
    action would refuse, or when `root` is itself a reply."""
    if root.thread_root_id is not None:
        raise Invalid("A reply has no thread of its own: reply to the message that opened it.")
    ordered = sorted(replies, key=lambda r: r.at)
    rows = [
        Message(
            space_id=root.space_id, author_id=new.author_id, body=(text := clean_body(new.body)),
            html=render_markdown(text, hard_breaks=True), created_at=new.at, thread_root_id=root.pk,
            also_in_channel=new.also_in_channel,
        )
        for new in ordered
    ]  # fmt: skip
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=root.pk)
        created = Message.objects.bulk_create(rows)
        if created:
            locked.reply_count += len(created)
            locked.last_reply_at = max(locked.last_reply_at or created[-1].created_at, created[-1].created_at)
            locked.save(update_fields=["reply_count", "last_reply_at"])
        read_up_to: dict[int, int] = {}
        if locked.author_id is not None:
            read_up_to[locked.author_id] = 0
        for m in created:
            read_up_to[m.author_id] = m.pk  # type: ignore[index]
        known = dict(ThreadFollow.objects.filter(root=locked).values_list("user_id", "last_read_id"))
        ThreadFollow.objects.bulk_create(
            ThreadFollow(user_id=user_id, root=locked, last_read_id=last)
            for user_id, last in read_up_to.items()
            if user_id not in known
        )
        for user_id, last in read_up_to.items():
            if user_id in known and last > known[user_id]:
                ThreadFollow.objects.filter(root=locked, user_id=user_id).update(last_read_id=last)
        Activity.objects.bulk_create(
            build_activity(
                m.author_id, "message.thread_replied", m, space_id=root.space_id,
                data=ThreadRepliedData(root_id=root.pk, chars=len(m.body), also_in_channel=m.also_in_channel),
                at=m.created_at,
            )
            for m in created
        )  # fmt: skip
        emit(RowsWritten("chat.message", tuple(m.pk for m in created)))
    root.reply_count, root.last_reply_at = locked.reply_count, locked.last_reply_at
    return created
