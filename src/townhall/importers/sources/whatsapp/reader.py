"""Reading a WhatsApp "Export chat" file (.txt, or the phone's .zip with media) into records.

Two passes over the stream, never the whole file in memory. The first collects what only the whole
file can tell: the order of the date's numbers (see dates.py), who writes messages (so that a line
like "Alice:." or a system sentence holding ": " is read right), the group's latest subject (its
name), and whether it is a group. The second reads messages: a line with a head starts one, other lines
continue it (multi-line messages); blank lines between messages are dropped.

Each message's `source_id` is a fingerprint of its wall time, author and raw text, plus an
occurrence number for exact duplicates (the same person sending the same text twice in one minute),
so that importing the file again, or a longer newer export of the same chat, gives the same ids for
the same messages. Duplicates are counted within a window of the last 4,096 messages, which keeps
memory flat; twins are always within a minute of each other.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO
from zoneinfo import ZoneInfo

from townhall.importers.archive import Archive
from townhall.importers.sources.base import (
    CHANNEL,
    DIRECT,
    MESSAGE,
    SYSTEM,
    Author,
    Conversation,
    Item,
    NotThisSource,
    Record,
    Skipped,
)
from townhall.importers.sources.whatsapp.content import read_body
from townhall.importers.sources.whatsapp.dates import (
    HEAD,
    MARKS,
    DateOrderVote,
    HeadReader,
    Localizer,
)
from townhall.importers.sources.whatsapp.system import SystemLine, read_system

_LOOSE_AUTHOR = re.compile(r"(?P<name>[^\n:]+?):(?P<body>.*)", re.DOTALL)
_CHAT_NAME = re.compile(
    r"^(?:WhatsApp Chat(?: with| -| mit| con| com| avec)?|Chat de WhatsApp con|WhatsApp-Chat mit|"
    r"Conversa do WhatsApp com|Discussion WhatsApp avec)\s+(?P<name>.+)$",
    re.IGNORECASE,
)
_PHONE = re.compile(r"^\+?[\d ()\-\u00a0\u202f]{6,}$")
_GROUP_EVENTS = {
    "created",
    "added",
    "removed",
    "left",
    "renamed",
    "icon",
    "description",
    "joined",
    "settings",
}
_DUPLICATE_WINDOW = 4096
_LINE_LIMIT = 1 << 20  # characters; WhatsApp's messages are at most 65,536
_MESSAGE_LIMIT = 1 << 20  # characters kept of one message; the rest is reported, not held
_LRM = "\u200e"


@dataclass
class _Survey:
    """What the first pass learns about the whole file."""

    vote: DateOrderVote = field(default_factory=DateOrderVote)
    authors: set[str] = field(default_factory=set)
    subject: str | None = None
    created_subject: str | None = None
    speaker: str | None = None
    group: bool = False


class WhatsAppSource:
    key = "whatsapp"
    label = "WhatsApp"

    def read(self, archive: Archive, *, zone: ZoneInfo) -> Iterator[Record]:
        chat = _chat_member(archive)
        survey = _survey(archive, chat)
        media = _media_index(archive, chat)
        conversation = _conversation(archive, chat, survey)
        if conversation.kind == DIRECT:
            for name in conversation.member_ids:
                yield _author(name)
        yield conversation
        with archive.open(chat) as stream:
            yield from _Reader(survey, media, conversation, zone).read(iter_lines(stream))


def iter_lines(stream: IO[bytes]) -> Iterator[str]:
    """The export's lines, decoded incrementally (a BOM dropped, CRLF or LF). Only a line feed ends a
    line: a Unicode line separator or a form feed inside a message stays in it."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="\n")
    while line := text.readline(_LINE_LIMIT):  # a file with no line breaks is read in pieces
        yield line.rstrip("\r\n")


def _chat_member(archive: Archive) -> str:
    """The chat's text inside the upload: `_chat.txt` (iOS zip), "WhatsApp Chat with X.txt" (Android
    zip), or the one file uploaded."""
    names = archive.names()
    texts = [n for n in names if n.lower().endswith(".txt")]
    for name in texts:
        if PurePosixPath(name).name == "_chat.txt":
            return name
    for name in texts:
        if PurePosixPath(name).name.lower().startswith("whatsapp"):
            return name
    if len(texts) == 1:
        return texts[0]
    if len(names) == 1:
        return names[0]
    raise NotThisSource(f"{archive.name} holds no WhatsApp chat (no _chat.txt or “WhatsApp Chat” text file).")


def _media_index(archive: Archive, chat: str) -> dict[str, str]:
    return {PurePosixPath(n).name: n for n in archive.names() if n != chat}


def _split_author(rest: str) -> tuple[str, str] | None:
    """("Ann", "text") for "Ann: text": the name ends at the first ": " of the head's line."""
    colon = rest.find(": ", 1)
    if colon < 0:
        return None
    name = rest[:colon]
    if "\n" in name:
        return None
    return name, rest[colon + 2 :]


def _is_system_rest(rest: str, authors: set[str]) -> tuple[str | None, str, SystemLine | None]:
    """(author, body, system) for the text after a head, knowing the file's authors (see module doc)."""
    split = _split_author(rest)
    if split is not None:
        name, body = split
        if body.startswith(_LRM):
            system = read_system(body.lstrip(MARKS))
            if system is not None:  # iOS: "Group: \u200eAlice added Bob"
                return None, body.lstrip(MARKS), system
        if name in authors:
            return name, body, None
        system = read_system(rest)
        if system is not None:
            return None, rest, system
        return name, body, None
    loose = _LOOSE_AUTHOR.match(rest)
    if loose is not None and loose["name"] in authors:
        return loose["name"], loose["body"], None
    system = read_system(rest)
    return None, rest, system or SystemLine(kind="other", actor=None)


def _survey(archive: Archive, chat: str) -> _Survey:
    survey = _Survey()
    seen_line = False
    with archive.open(chat) as stream:
        for raw in iter_lines(stream):
            if not seen_line:
                if not raw.strip(MARKS + " \t"):
                    continue
                seen_line = True
                if HEAD.match(raw) is None:
                    raise NotThisSource(
                        f"{archive.name} is not a WhatsApp chat export: its first line has no date and time."
                    )
            m = HEAD.match(raw)
            if m is None:
                continue
            survey.vote.add(m["d1"], m["d2"], m["d3"])
            rest = m["rest"]
            split = _split_author(rest)
            if split is not None and split[0] in survey.authors:
                continue
            author, _, system = _is_system_rest(rest, survey.authors)
            if system is None:
                if author is not None:
                    survey.authors.add(author)
                continue
            if split is not None and author is None and split[1].startswith(_LRM):
                survey.speaker = split[0]  # iOS: the chat's own name says its system lines
            if system.kind in _GROUP_EVENTS:
                survey.group = True
            if system.subject is not None:
                survey.subject = system.subject
                if system.kind == "created" and survey.created_subject is None:
                    survey.created_subject = system.subject
    if not seen_line:
        raise NotThisSource(f"{archive.name} is empty: there is no chat to import.")
    return survey


def _file_chat_name(archive: Archive, chat: str) -> str | None:
    for name in (archive.name, PurePosixPath(chat).name):
        stem = PurePosixPath(name).stem
        m = _CHAT_NAME.match(stem.strip())
        if m:
            return m["name"].strip()
    return None


def _conversation(archive: Archive, chat: str, survey: _Survey) -> Conversation:
    file_name = _file_chat_name(archive, chat)
    name = survey.subject or file_name or survey.speaker or PurePosixPath(archive.name).stem
    stable = survey.created_subject or file_name or name
    if not survey.group and len(survey.authors) <= 2:
        return Conversation(
            source_id=f"whatsapp:{stable}", name=name, kind=DIRECT, member_ids=tuple(sorted(survey.authors))
        )
    return Conversation(source_id=f"whatsapp:{stable}", name=name, kind=CHANNEL)


def _author(name: str) -> Author:
    return Author(source_id=name, name=name, handle=name if _PHONE.match(name) else "")


class _Reader:
    def __init__(
        self, survey: _Survey, media: dict[str, str], conversation: Conversation, zone: ZoneInfo
    ) -> None:
        self.heads = HeadReader(survey.vote.ranking())
        self.authors = survey.authors
        self.media = media
        self.conversation_id = conversation.source_id
        self.localize = Localizer(zone)
        self.known: set[str] = set(conversation.member_ids) if conversation.kind == DIRECT else set()
        self.recent: OrderedDict[str, int] = OrderedDict()
        self.extra: list[Record] = []

    def read(self, lines: Iterator[str]) -> Iterator[Record]:
        # The message being read is kept in locals (its head's line, time and text, then the lines
        # that continue it): this loop runs once per line of a file of millions.
        at: datetime | None = None
        line, rest, more, size, dropped = 0, "", [], 0, 0
        skipped: Skipped | None = None
        extra = self.extra
        match, read_head = HEAD.match, self.heads.read
        for number, raw in enumerate(lines, start=1):
            m = match(raw)
            if m is None:
                if at is not None:
                    size += len(raw) + 1
                    if size > _MESSAGE_LIMIT:
                        dropped += 1
                    else:
                        more.append(raw)
                elif skipped is not None:
                    skipped = Skipped(line=skipped.line, reason=_more(skipped.reason), text=skipped.text)
                continue
            if at is not None:
                item = self._finish(line, at, rest, more, dropped)
                if extra:
                    yield from extra
                    extra.clear()
                yield item
                if more:
                    more = []
                dropped = 0
            if skipped is not None:
                yield skipped
                skipped = None
            at = read_head(m)
            if at is None:
                skipped = Skipped(
                    line=number, reason="the date or time is not a real one", text=raw.strip(MARKS)[:200]
                )
                continue
            line, rest = number, m["rest"]
            size = len(rest)
        if at is not None:
            item = self._finish(line, at, rest, more, dropped)
            yield from extra
            yield item
        if skipped is not None:
            yield skipped

    def _finish(self, line: int, at: datetime, head_text: str, more: list[str], dropped: int) -> Item:
        """The item a message's lines make; an author first met, or a report, go to `self.extra`."""
        rest = head_text
        if more:
            while more and not more[-1].strip():
                more.pop()  # blank lines between messages belong to no one
            if more:
                rest = rest + "\n" + "\n".join(more)
        if dropped:
            self.extra.append(
                Skipped(
                    line=line,
                    reason=f"a message longer than WhatsApp allows: its last {dropped:,} lines were not imported",
                    text=head_text[:200],
                )
            )
        author, body, system = _is_system_rest(rest, self.authors)
        person = system.actor if system is not None else author
        if person is not None and person not in self.known:
            self.known.add(person)
            self.extra.append(_author(person))
        aware = self.localize(at)
        source_id = self._fingerprint(at, author or "", rest)
        if system is not None:
            return Item(
                source_id=source_id,
                conversation_id=self.conversation_id,
                at=aware,
                author_id=person,
                text=body,
                kind=SYSTEM,
                system=system.kind,
                line=line,
            )
        content = read_body(body, self.media)
        return Item(
            source_id=source_id,
            conversation_id=self.conversation_id,
            at=aware,
            author_id=author,
            text=content.text,
            kind=MESSAGE,
            edited_at=aware if content.edited else None,
            deleted=content.deleted,
            attachments=content.attachments,
            poll=content.poll,
            line=line,
        )

    def _fingerprint(self, at: datetime, author: str, text: str) -> str:
        digest = hashlib.blake2b(
            f"{at.isoformat()}\x1f{author}\x1f{text}".encode(), digest_size=12
        ).hexdigest()
        seen = self.recent.get(digest)
        if seen is None:
            self.recent[digest] = 1
            if len(self.recent) > _DUPLICATE_WINDOW:
                self.recent.popitem(last=False)
            return digest
        self.recent[digest] = seen + 1
        self.recent.move_to_end(digest)
        return f"{digest}-{seen}"


def _more(reason: str) -> str:
    base, _, count = reason.partition(" (and ")
    n = int(count.split()[0]) + 1 if count else 1
    return f"{base} (and {n} following line{'s' if n > 1 else ''} of that message)"
