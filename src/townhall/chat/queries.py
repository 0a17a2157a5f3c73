"""Chat's reads: a page of a channel, one message, unread counts. Scoped by the Guardian."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from townhall.accounts.models import Block
from townhall.chat.models import MAX_PINS, ChannelRead, Message, MessageAttachment, MessageReaction
from townhall.content.reactions import ReactionSummary, ReactionTable, reaction_choices
from townhall.core.errors import NotFound
from townhall.core.ids import MAX_ID
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

PAGE_SIZE = 50
GROUP_WITHIN = timedelta(minutes=5)  # consecutive messages by one author this close share one header
# Messages' reactions, through the implementation discussions shares (content.reactions).
MESSAGE_REACTIONS = ReactionTable(MessageReaction, "message")


def with_blocked_mark(guardian: Guardian, qs: QuerySet[Message]) -> QuerySet[Message]:
    """Mark (`from_blocked`) the messages whose author the reader blocked, inside the same query: the
    page shows them collapsed, and its query count stays what it was."""
    if guardian.user_id is None:
        return qs
    blocked = Block.objects.filter(blocker_id=guardian.user_id, blocked_id=OuterRef("author_id"))
    return qs.annotate(from_blocked=Exists(blocked))


def get_message_or_404(guardian: Guardian, message_id: int) -> Message:
    """The message if this person may read its space; NotFound otherwise (same as missing)."""
    found = Message.objects.select_related("space", "author", "thread_root", "promoted_to").filter(
        pk=message_id
    )
    message = with_blocked_mark(guardian, found).first()
    if message is None or not guardian.chat.view_message.can(message):
        raise NotFound("No such message")
    return message


def zone_of(guardian: Guardian) -> tzinfo:
    """The member's time zone (User.time_zone), or the site's."""
    name = getattr(guardian.user, "time_zone", "") if guardian.user is not None else ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


@dataclass
class Line:
    """One message as the channel shows it: where a new day starts, whether it opens a group."""

    message: Message
    day: date | None  # set on the first message of a day (the separator above it)
    starts_group: bool
    local_time: datetime
    body_shown: bool
    from_blocked: bool = False  # by a member the reader blocked: shown collapsed
    time_label: str = ""
    day_label: str = ""
    can_edit: bool = False
    can_delete: bool = False
    can_restore: bool = False
    can_pin: bool = False
    can_unpin: bool = False
    can_promote: bool = False
    reactions: list[ReactionSummary] = field(default_factory=list)  # the grouped tally ("🔭 3")
    can_react: bool = False
    attachments: list[MessageAttachment] = field(default_factory=list)  # with their uploads, in order


@dataclass
class ChannelPage:
    lines: list[Line] = field(default_factory=list)
    earlier_cursor: int | None = None  # the id to load messages before; None: this is the beginning
    newest_id: int = 0


def lines_for(guardian: Guardian, space: Space, messages: list[Message]) -> list[Line]:
    """Day separators in the member's time zone, grouping of one author's consecutive messages, the
    reactions of all of them in one query (a deleted message shows none) and their files in another
    (a deleted message's only to moderators)."""
    zone = zone_of(guardian)
    moderates = guardian.user is not None and guardian.spaces.moderate.can(space)
    tallies = MESSAGE_REACTIONS.tallies(
        [m.pk for m in messages if m.deleted_at is None],
        choices=reaction_choices(),
        viewer_id=guardian.user_id,
    )
    files = attachments_for([m.pk for m in messages if m.deleted_at is None or moderates])
    lines: list[Line] = []
    previous: Message | None = None
    previous_day: date | None = None
    for message in messages:
        message.space = space  # one space for all: no query per message in the rules below
        local = timezone.localtime(message.created_at, zone)
        day = local.date()
        starts_group = (
            previous is None
            or day != previous_day
            or previous.author_id != message.author_id
            or previous.deleted_at is not None
            or message.deleted_at is not None
            or message.created_at - previous.created_at > GROUP_WITHIN
        )
        mine = guardian.user is not None and message.author_id == guardian.user_id
        from_blocked = bool(getattr(message, "from_blocked", False))
        lines.append(
            Line(
                message=message,
                day=day if day != previous_day else None,
                starts_group=starts_group,
                local_time=local,
                time_label=f"{local:%H:%M}",
                day_label=f"{local:%A} {local.day} {local:%B %Y}",
                body_shown=(message.deleted_at is None or moderates) and not from_blocked,
                from_blocked=from_blocked,
                can_edit=mine and guardian.chat.edit.can(message),
                can_delete=(mine or moderates) and guardian.chat.delete.can(message),
                can_restore=moderates and message.deleted_at is not None,
                can_pin=moderates and guardian.chat.pin.can(message),
                can_unpin=moderates and guardian.chat.unpin.can(message),
                can_promote=(mine or moderates) and guardian.chat.promote.can(message),
                reactions=tallies.get(message.pk, []),
                can_react=guardian.user is not None and guardian.chat.react.can(message),
                attachments=files.get(message.pk, []),
            )
        )
        previous, previous_day = message, day
    return lines


def attachments_for(message_ids: list[int]) -> dict[int, list[MessageAttachment]]:
    """message id -> its files with their uploads, in the order sent: one query for them all."""
    if not message_ids:
        return {}
    found: dict[int, list[MessageAttachment]] = {}
    rows = MessageAttachment.objects.filter(message_id__in=message_ids).select_related("upload")
    for row in rows.order_by("message_id", "position"):
        found.setdefault(row.message_id, []).append(row)
    return found


def get_attachment_or_404(guardian: Guardian, attachment_id: int) -> MessageAttachment:
    """A message's file, for those who may see it (`chat.fetch_attachment`); NotFound otherwise."""
    row = (
        MessageAttachment.objects.select_related("upload", "message__space").filter(pk=attachment_id).first()
    )
    if row is None or not guardian.chat.fetch_attachment.can(row.message):
        raise NotFound("No such file")
    return row


def single_line(guardian: Guardian, space: Space, message: Message) -> Line:
    """One message shown on its own (sent, edited or fetched live): no day separator above it."""
    line = lines_for(guardian, space, [message])[0]
    line.day = None
    return line


def channel_page(guardian: Guardian, space: Space, *, before: int | None = None) -> ChannelPage:
    """The newest PAGE_SIZE messages (before message `before`, when given), oldest first.

    Two queries whatever the channel's length: the messages with their authors, and their reactions
    with who gave them; nothing per row (the rules read the Guardian's cached standing).
    """
    guardian.chat.read.ensure(space)
    # The channel's list: messages that open threads, and the replies also sent to the channel (with
    # their root, for the "replied to a thread" line, and the topic a promoted thread moved to).
    qs = with_blocked_mark(
        guardian,
        Message.objects.filter(space_id=space.pk)
        .filter(Q(thread_root__isnull=True) | Q(also_in_channel=True))
        .select_related("author", "thread_root", "promoted_to"),
    )
    if before is not None:
        qs = qs.filter(pk__lt=min(before, MAX_ID))
    newest_first = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    more = len(newest_first) > PAGE_SIZE
    messages = list(reversed(newest_first[:PAGE_SIZE]))
    page = ChannelPage(lines=lines_for(guardian, space, messages))
    if more and messages:
        page.earlier_cursor = messages[0].pk
    page.newest_id = messages[-1].pk if messages else 0
    return page


def pinned_messages(guardian: Guardian, space: Space) -> list[Message]:
    """The channel's pinned messages that are not deleted, the latest pinned first. One query."""
    guardian.chat.read.ensure(space)
    qs = (
        Message.objects.filter(space_id=space.pk, pinned_at__isnull=False, deleted_at__isnull=True)
        .select_related("author")
        .order_by("-pinned_at", "-id")
    )
    pinned = list(qs[:MAX_PINS])
    for message in pinned:
        message.space = space
    return pinned


def read_position(guardian: Guardian, space: Space) -> int | None:
    """The id of the newest message the member has seen here; None before their first visit (and for
    visitors), when nothing counts as new. One query."""
    if guardian.user_id is None:
        return None
    return (
        ChannelRead.objects.filter(user_id=guardian.user_id, space_id=space.pk)
        .values_list("last_read_id", flat=True)
        .first()
    )


def first_unread(guardian: Guardian, page: ChannelPage, read_up_to: int | None) -> int | None:
    """The id of the first message on the page after the read position, by someone else and not
    deleted (what the unread counts count); None when there is none or no read position yet."""
    if read_up_to is None:
        return None
    for line in page.lines:
        message = line.message
        if message.pk > read_up_to and message.deleted_at is None and message.author_id != guardian.user_id:
            return message.pk
    return None


def unread_by_space(guardian: Guardian, space_ids: list[int]) -> dict[int, int]:
    """space_id -> messages by others (not by people they blocked) after the member's read position, in
    channels they have opened.

    One query that starts from the member's read positions (indexed by user), so its cost follows the
    channels they read, not the size of the community.
    """
    ids = [int(i) for i in space_ids]
    if guardian.user_id is None or not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT r.space_id, COUNT(m.id) FROM {ChannelRead._meta.db_table} r"  # noqa: S608 - only placeholders
        f" JOIN {Message._meta.db_table} m ON m.space_id = r.space_id AND m.id > r.last_read_id"
        f" WHERE r.user_id = %s AND r.space_id IN ({marks}) AND m.deleted_at IS NULL"
        " AND (m.author_id IS NULL OR m.author_id <> %s)"
        " AND (m.thread_root_id IS NULL OR m.also_in_channel)"  # thread replies count in Threads
        # Messages by people the reader blocked are collapsed for them: they are not news either.
        f" AND NOT EXISTS (SELECT 1 FROM {Block._meta.db_table} b WHERE b.blocker_id = %s AND b.blocked_id = m.author_id)"
        " GROUP BY r.space_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [guardian.user_id, *ids, guardian.user_id, guardian.user_id])
        return {int(space_id): int(count) for space_id, count in cursor.fetchall()}
