"""Writing chat messages without a person at the keyboard (seeding, importers): authors and times are
given, and the rows are those `actions.send_message` writes (cleaned text, HTML rendered once with
@mentions linked, one Activity row each naming who was mentioned), in one batch, without rate limits,
slow mode or broadcasts. The search index hears of them through one `RowsWritten("chat.message", ids)`. Reactions to messages are written the same
way (`bulk_create_reactions`: the rows `react_to_message` writes), and files attached to written
messages (`bulk_attach_files`: what `send_message_with_files` stores)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count

from townhall.activity.log import ROW_COLUMNS, activity_row, build_activity, checked_target_type
from townhall.activity.models import Activity
from townhall.chat.actions import clean_body
from townhall.chat.actions.attachments import clean_file_count
from townhall.chat.events import MessageReactionData, MessageSentData, ThreadRepliedData
from townhall.chat.models import Message, MessageAttachment, MessageReaction, ThreadFollow
from townhall.content.mentions import render_posts
from townhall.content.reactions import clean_emoji
from townhall.content.uploads import forget, prepare, store
from townhall.core.bulkinsert import insert_rows
from townhall.core.effects import RowsWritten, emit
from townhall.core.errors import Invalid
from townhall.spaces.models import Space


@dataclass(frozen=True)
class NewMessage:
    author_id: int
    body: str
    at: datetime
    edited_at: datetime | None = None  # history: when its author last changed it


def bulk_create_messages(space: Space, messages: Sequence[NewMessage]) -> list[Message]:
    """Store `messages` in `space`, oldest first. Raises Invalid for a text `send_message` would refuse
    (empty, over 10,000 characters). Authors are taken as given: the caller writes only members."""
    ordered = sorted(messages, key=lambda m: m.at)
    rows = _write_messages(space.pk, ordered)
    created = []
    for pk, new, (body, html) in zip(rows.ids, ordered, rows.texts, strict=True):
        message = Message(
            pk=pk, space=space, author_id=new.author_id, body=body, html=html, created_at=new.at
        )
        message._state.adding = False
        created.append(message)
    return created


def bulk_create_message_ids(space_id: int, messages: Sequence[NewMessage]) -> list[int]:
    """bulk_create_messages for writers of many thousands (importers): the same rows, the new ids in
    the order of `messages` sorted by time, and no model instances made."""
    return _write_messages(space_id, sorted(messages, key=lambda m: m.at)).ids


@dataclass(frozen=True)
class _Written:
    ids: list[int]
    texts: list[tuple[str, str]]  # (body, html)


def _write_messages(space_id: int, ordered: Sequence[NewMessage]) -> _Written:
    texts = [clean_body(new.body) for new in ordered]
    # One query finds everyone mentioned in the whole batch (as the discussions bulk layer does).
    rendered = render_posts(texts, hard_breaks=True)
    with transaction.atomic():
        ids = insert_rows(
            Message,
            MESSAGE_COLUMNS,
            [
                (space_id, new.author_id, text, html, new.at, None, False, new.edited_at)
                for new, text, (html, _) in zip(ordered, texts, rendered, strict=True)
            ],
            returning=True,
        )
        message_type = checked_target_type(Message)
        insert_rows(
            Activity,
            ROW_COLUMNS,
            [
                activity_row(
                    new.author_id, "message.sent", message_type, pk, space_id=space_id,
                    data=MessageSentData(chars=len(text), mentioned=mentioned), at=new.at,
                )
                for pk, new, text, (_, mentioned) in zip(ids, ordered, texts, rendered, strict=True)
            ],
        )  # fmt: skip
        emit(RowsWritten("chat.message", tuple(ids)))
    return _Written(ids=ids, texts=[(text, html) for text, (html, _) in zip(texts, rendered, strict=True)])


MESSAGE_COLUMNS = (
    "space_id", "author_id", "body", "html", "created_at", "thread_root_id", "also_in_channel", "edited_at",
)  # fmt: skip


def _insert_messages(rows: list[Message]) -> None:
    """Multi-row INSERTs of unsaved messages (the other columns take their defaults), which then carry
    their ids: what bulk_create does, without preparing every value through the query compiler."""
    ids = insert_rows(
        Message, MESSAGE_COLUMNS, [[getattr(m, c) for c in MESSAGE_COLUMNS] for m in rows], returning=True
    )
    for message, pk in zip(rows, ids, strict=True):
        message.pk = pk
        message._state.adding = False


@dataclass(frozen=True)
class NewReply:
    author_id: int
    body: str
    at: datetime
    also_in_channel: bool = False
    edited_at: datetime | None = None  # history: when its author last changed it


def bulk_add_replies(root: Message, replies: Sequence[NewReply]) -> list[Message]:
    """Store `replies` in the thread of `root`, oldest first, with what `reply_in_thread` keeps: the root's
    reply_count and last_reply_at (under a lock on its row), the follows of the root's author and of each
    replier (read up to their own last reply), one Activity row each. Raises Invalid for a text the
    action would refuse, or when `root` is itself a reply."""
    if root.thread_root_id is not None:
        raise Invalid("A reply has no thread of its own: reply to the message that opened it.")
    ordered = sorted(replies, key=lambda r: r.at)
    texts = [clean_body(new.body) for new in ordered]
    rendered = render_posts(texts, hard_breaks=True)  # mentions linked, as the action does
    mentions: dict[int, list[int]] = {}
    rows = []
    for new, text, (html, mentioned) in zip(ordered, texts, rendered, strict=True):
        rows.append(
            Message(
                space_id=root.space_id, author_id=new.author_id, body=text, html=html, created_at=new.at,
                thread_root_id=root.pk, also_in_channel=new.also_in_channel, edited_at=new.edited_at,
            )
        )  # fmt: skip
        mentions[id(rows[-1])] = mentioned
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=root.pk)
        _insert_messages(rows)
        created = rows
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
        message_type = checked_target_type(Message)
        insert_rows(
            Activity,
            ROW_COLUMNS,
            [
                activity_row(
                    m.author_id, "message.thread_replied", message_type, m.pk, space_id=root.space_id,
                    data=ThreadRepliedData(
                        root_id=root.pk, chars=len(m.body), also_in_channel=m.also_in_channel,
                        mentioned=mentions[id(m)],
                    ),
                    at=m.created_at,
                )
                for m in created
            ],
        )  # fmt: skip
        emit(RowsWritten("chat.message", tuple(m.pk for m in created)))
    root.reply_count, root.last_reply_at = locked.reply_count, locked.last_reply_at
    return created


@dataclass(frozen=True)
class NewMessageReaction:
    """One person's reaction (from the admins' set) to a message; given twice, it is written once."""

    message_id: int
    user_id: int
    emoji: str
    at: datetime


def bulk_create_reactions(
    reactions: Sequence[NewMessageReaction], *, offered_only: bool = True
) -> list[MessageReaction]:
    """Store `reactions` with their times, as `actions.react_to_message` would one by one: the emoji
    checked against the set (Invalid otherwise, nothing stored), none on a deleted or missing message,
    a repeated one written once, an Activity row each; no rate limit, no broadcasts. Reactors are taken
    as given: the caller writes only people who may read the channel.

    `offered_only=False` (importers: history keeps the emoji people used) takes any emoji that fits the
    column; the page shows one the set does not offer after the offered ones, as it does for an emoji
    taken out of the set."""
    for new in reactions:
        if offered_only:
            clean_emoji(new.emoji)
        elif not new.emoji or len(new.emoji) > MessageReaction._meta.get_field("emoji").max_length:  # type: ignore[operator]
            raise Invalid(f"{new.emoji[:40]!r} is not an emoji a reaction can hold.")
    ids = {new.message_id for new in reactions}
    messages = Message.objects.filter(pk__in=ids, deleted_at__isnull=True).only("pk", "author_id", "space_id")
    targets = {m.pk: m for m in messages}
    missing = ids - targets.keys()
    if missing:
        raise Invalid(f"No reactions to deleted or missing messages ({sorted(missing)[:5]}).")
    existing = set(
        MessageReaction.objects.filter(message_id__in=ids).values_list("message_id", "user_id", "emoji")
    )
    rows: list[MessageReaction] = []
    for new in sorted(reactions, key=lambda r: r.at):
        key = (new.message_id, new.user_id, new.emoji)
        if key in existing:
            continue  # reacting twice is one reaction, as with the action
        existing.add(key)
        rows.append(
            MessageReaction(
                message_id=new.message_id, user_id=new.user_id, emoji=new.emoji, created_at=new.at
            )
        )
    with transaction.atomic():
        created = MessageReaction.objects.bulk_create(rows)
        Activity.objects.bulk_create(
            build_activity(
                r.user_id,
                "message.reaction_added",
                targets[r.message_id],
                space_id=targets[r.message_id].space_id,
                data=MessageReactionData(emoji=r.emoji, author_id=targets[r.message_id].author_id),
                at=r.created_at,
            )
            for r in created
        )
    return created


@dataclass(frozen=True)
class NewAttachment:
    """A file sent with a message already written (its author is the uploader)."""

    message_id: int
    data: bytes
    name: str


def bulk_attach_files(attachments: Sequence[NewAttachment]) -> list[MessageAttachment]:
    """Attach files to written messages as `send_message_with_files` would: at most 10 per message,
    every file checked (size, sniffed type, sanitised image) before any is stored, an Upload with its
    Activity row each (at the message's time); files written are removed when the transaction fails."""
    ids = {a.message_id for a in attachments}
    messages = {m.pk: m for m in Message.objects.filter(pk__in=ids).select_related("space")}
    if ids - messages.keys():
        raise Invalid("No files for missing messages.")
    counts: dict[int, int] = dict(
        MessageAttachment.objects.filter(message_id__in=ids).values_list("message_id").annotate(n=Count("id"))
    )
    for a in attachments:
        counts[a.message_id] = counts.get(a.message_id, 0) + 1
    for count in counts.values():
        clean_file_count(count)
    prepared = [(a, prepare(io.BytesIO(a.data), a.name, field="files")) for a in attachments]
    written: list[str] = []
    rows: list[MessageAttachment] = []
    try:
        with transaction.atomic():
            for a, found in prepared:
                message = messages[a.message_id]
                upload = store(message.author_id, message.space, found, at=message.created_at)
                written.append(upload.path)
                rows.append(MessageAttachment(message=message, upload=upload))
            _number(rows)
            created = MessageAttachment.objects.bulk_create(rows)
    except BaseException:
        forget(written)
        raise
    return created


def _number(rows: list[MessageAttachment]) -> None:
    """Positions after the files each message has already, in the order given."""
    existing: dict[int, int] = dict(
        MessageAttachment.objects.filter(message_id__in={r.message_id for r in rows})
        .values_list("message_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        row.position = existing.get(row.message_id, 0)
        existing[row.message_id] = row.position + 1
