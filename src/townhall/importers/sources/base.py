"""What every source parser produces: a stream of plain records, whatever the platform.

A parser reads its export incrementally (never the whole file into memory when it can be avoided) and
yields records in this order of dependence: an `Author` or a `Conversation` before the first `Item`
that names it. Items of one conversation come in the order the export holds them (the store sorts by
time where it must). Anything the parser cannot read becomes a `Skipped` record with its line (or
message index) and reason; it never raises for one bad line. A file that is not this source at all
raises `NotThisSource` with a sentence for the person importing.

Times are aware datetimes. Sources that write local times without a zone (WhatsApp) use the zone
given to `read()`; sources with epoch or offset times ignore it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from townhall.importers.archive import Archive

# Item.kind
MESSAGE = "message"
SYSTEM = "system"

# Conversation.kind
CHANNEL = "channel"  # a public or private channel, a WhatsApp or Telegram group
DIRECT = "direct"  # two people
GROUP_DIRECT = "group_direct"  # a few people, no channel (Slack mpim, Discord group DM)
FORUM = "forum"  # a Discord forum channel: its threads become topics


class NotThisSource(Exception):
    """The file is not an export of this source (or is empty, or unreadable): the message says why."""


@dataclass(frozen=True)
class Author:
    source_id: str  # Slack "U024BE7LH", Discord id, Telegram "user123", WhatsApp the name as written
    name: str  # display name as the export shows it
    handle: str = ""  # username / phone as it appears, when the export has one
    bot: bool = False


@dataclass(frozen=True)
class Conversation:
    source_id: str  # channel id, or the chat's name when the export has no id (WhatsApp)
    name: str
    kind: str = CHANNEL
    topic: str = ""
    purpose: str = ""
    category: str = ""  # Discord category, Slack "private" ...: shown in the report only
    member_ids: tuple[str, ...] = ()  # Author.source_id of known members (DMs: both people)
    private: bool = False  # a private channel (Slack groups.json): its space is made private, never open


@dataclass(frozen=True)
class Attachment:
    name: str  # the file name shown to readers
    path: str = ""  # inside the archive (stored as an upload when the archive holds it)
    url: str = ""  # hosted elsewhere: kept as a link
    size: int | None = None
    content_type: str = ""


@dataclass(frozen=True)
class Reaction:
    emoji: str  # a Unicode emoji, or ":name:" for a custom one the target may not have
    author_ids: tuple[str, ...] = ()  # who reacted, when the export says (else only `count`)
    count: int = 0


@dataclass(frozen=True)
class Poll:
    question: str
    options: tuple[tuple[str, int], ...]  # (option, votes)


@dataclass(frozen=True)
class Item:
    """One message or one system event (created group, joined, left, renamed, pinned...)."""

    source_id: str  # unique within its conversation: the platform's id or a stable fingerprint
    conversation_id: str
    at: datetime
    author_id: str | None  # None for system events without a person
    text: str = ""  # Markdown (each parser converts its own markup)
    kind: str = MESSAGE
    system: str = ""  # for SYSTEM: "created", "joined", "left", "added", "removed", "renamed", ...
    thread_id: str | None = None  # the root's source_id when this is a reply in a thread
    thread_name: str = ""  # a Discord thread's or forum post's title, on its root
    reply_to_id: str | None = None  # a quoted reply (Discord `reference`, Telegram reply_to)
    edited_at: datetime | None = None
    deleted: bool = False  # a tombstone ("This message was deleted")
    forwarded_from: str = ""
    attachments: tuple[Attachment, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    poll: Poll | None = None
    line: int | None = None  # line number (text exports) or index (JSON) for the report


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str
    text: str = ""  # the start of what could not be read (at most 200 characters)


Record = Author | Conversation | Item | Skipped


class Source(Protocol):
    key: str  # "whatsapp", "slack", "discord", "telegram"
    label: str  # "WhatsApp"

    def read(self, archive: Archive, *, zone: ZoneInfo) -> Iterator[Record]:
        """Yield the export's records (see the module docstring). Raises NotThisSource."""
        ...


@dataclass
class Counts:
    """What a parse found, by kind (the report's figures; the store fills the same shape)."""

    messages: int = 0
    authors: int = 0
    conversations: int = 0
    threads: int = 0
    reactions: int = 0
    attachments: int = 0
    system_events: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None
