"""Discord servers, DMs and group DMs, as DiscordChatExporter writes them in JSON (one file per
channel or thread; several may come in one zip or folder).

Each file is read twice, both times as a stream: the first pass checks that the whole file is sound
JSON and gathers the people in it (authors and those who reacted), so that a damaged file stops the
import before anything is yielded and every author comes before the first message naming them; the
second pass yields the messages. Source ids are Discord's own ids, so importing several exports of
one server one after another, or the same one twice, names every message the same way.

What maps to what is written down in docs/importers.md (its Discord section).
"""

from __future__ import annotations

import mimetypes
import posixpath
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import ijson

from townhall.importers.archive import Archive
from townhall.importers.sources.base import (
    CHANNEL,
    DIRECT,
    FORUM,
    GROUP_DIRECT,
    MESSAGE,
    SYSTEM,
    Attachment,
    Author,
    Conversation,
    Item,
    NotThisSource,
    Reaction,
    Record,
    Skipped,
)
from townhall.importers.sources.markup import discord_to_markdown

THREAD_TYPES = {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"}
CONVERSATION_KINDS = {"DirectTextChat": DIRECT, "DirectGroupTextChat": GROUP_DIRECT, "GuildForum": FORUM}

# Message types people write (a reply, a slash command's answer, a thread's first message) ...
MESSAGE_TYPES = {"Default", "Reply", "ChatInputCommand", "ContextMenuCommand", "ThreadStarterMessage"}
MESSAGE_TYPE_NUMBERS = {"0", "19", "20", "21", "23"}  # the same, as an older exporter writes unnamed ones
# ... and the events Discord records on its own.
SYSTEM_TYPES = {
    "RecipientAdd": "added",
    "RecipientRemove": "removed",
    "Call": "call",
    "ChannelNameChange": "renamed",
    "ChannelIconChange": "icon",
    "ChannelPinnedMessage": "pinned",
    "GuildMemberJoin": "joined",
    "ThreadCreated": "thread_created",
    "ChannelFollowAdd": "followed",
    "GuildBoost": "boost",
    "GuildBoostTier1": "boost",
    "GuildBoostTier2": "boost",
    "GuildBoostTier3": "boost",
}


@dataclass
class _Export:
    """One exported file: where it is, its channel header, and who appears in it."""

    name: str
    guild: dict[str, Any]
    channel: dict[str, Any]
    people: dict[str, Author] = field(default_factory=dict)  # authors and reactors, first seen first
    authors: list[str] = field(default_factory=list)  # who wrote in it (a DM's members)
    handles: dict[str, str] = field(default_factory=dict)  # mentioned people too: id -> handle
    messages: int = 0
    ordered: bool = True  # ids never go down (DiscordChatExporter writes them in order): see _messages
    last_id: int = -1

    @property
    def is_thread(self) -> bool:
        return str(self.channel.get("type")) in THREAD_TYPES and bool(self.channel.get("categoryId"))


class DiscordSource:
    key = "discord"
    label = "Discord"

    def read(self, archive: Archive, *, zone: ZoneInfo) -> Iterator[Record]:
        """See the module docstring. `zone` is not used: Discord times carry their offset."""
        exports, skipped = _survey(archive)
        people: dict[str, Author] = {}
        handles: dict[str, str] = {}
        for export in exports:
            for person_id, person in export.people.items():
                people.setdefault(person_id, person)
            handles.update(export.handles)
        yield from skipped
        yield from people.values()
        channels = {str(e.channel.get("id")): str(e.channel.get("name") or "") for e in exports}
        channels.update(
            {
                str(e.channel.get("categoryId")): str(e.channel.get("category") or "")
                for e in exports
                if e.is_thread
            }
        )
        yielded: set[str] = set()
        # Channels before their threads, so that a thread's parent gets its own topic and kind.
        for export in sorted(exports, key=lambda e: e.is_thread):
            conversation, thread = _conversation(export)
            if conversation.source_id not in yielded:
                yielded.add(conversation.source_id)
                yield conversation
            yield from _messages(archive, export, conversation, thread, handles, channels)


def _survey(archive: Archive) -> tuple[list[_Export], list[Skipped]]:
    """Every DiscordChatExporter file in the upload, each checked whole (pass one)."""
    names = archive.names()
    candidates = names if len(names) == 1 else [n for n in names if n.lower().endswith(".json")]
    exports: list[_Export] = []
    skipped: list[Skipped] = []
    for name in candidates:
        try:
            exports.append(_scan(archive, name))
        except NotThisSource as problem:
            if len(candidates) == 1 or isinstance(problem, _Damaged):
                raise
            skipped.append(Skipped(line=0, reason=str(problem)))
    if not exports:
        raise NotThisSource(
            f"{archive.name} holds no DiscordChatExporter JSON file (export the channel with "
            "DiscordChatExporter in JSON format and upload the .json, or a zip of several); nothing was imported."
        )
    return exports, skipped


def _scan(archive: Archive, name: str) -> _Export:
    shown = name if name == archive.name else f"{archive.name}: {name}"
    not_discord = NotThisSource(
        f"{shown} is not a DiscordChatExporter JSON export (it has no guild, channel and messages); "
        "nothing was imported."
    )
    export: _Export | None = None
    try:
        with archive.open(name) as stream:
            header = _header(stream)
            if header is None:
                raise not_discord
            export = _Export(name=name, guild=header[0], channel=header[1])
        with archive.open(name) as stream:
            for raw in ijson.items(stream, "messages.item", use_float=True):
                export.messages += 1
                if isinstance(raw, dict):
                    _gather_people(export, raw)
                    _note_order(export, raw)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _Damaged(f"{shown} cannot be read from the upload ({exc}); nothing was imported.") from exc
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
        if export is None:  # not even the start reads as JSON: some other file
            raise NotThisSource(
                f"{shown} is not valid JSON ({_first_line(exc)}); it is not a DiscordChatExporter export. "
                "Nothing was imported."
            ) from exc
        raise _Damaged(
            f"{shown} is not valid JSON after message {export.messages} ({_first_line(exc)}): the export "
            "is incomplete or damaged. Nothing was imported; export the channel again."
        ) from exc
    return export


class _Damaged(NotThisSource):
    """An export that starts as one but breaks off: the whole upload is refused, not just this file."""


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _header(stream: IO[bytes]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The `guild` and `channel` objects, which DiscordChatExporter writes before `messages`: read
    from the start of the file, stopping where the messages begin. None when the file is other JSON."""
    parts: dict[str, Any] = {}
    builder: Any = None
    building = ""
    has_messages = False
    for prefix, event, value in ijson.parse(stream, use_float=True):
        if builder is not None:
            builder.event(event, value)
            if prefix == building and event == "end_map":
                parts[building] = builder.value
                builder, building = None, ""
        elif prefix == "":
            if event not in ("start_map", "map_key"):
                return None  # a list or a scalar at the top, or an object without messages
        elif prefix in ("guild", "channel") and event == "start_map":
            builder, building = ijson.ObjectBuilder(), prefix
            builder.event(event, value)
        elif prefix == "messages" and event == "start_array":
            has_messages = True
            break
    guild, channel = parts.get("guild"), parts.get("channel")
    if not has_messages or not isinstance(channel, dict) or not channel.get("id"):
        return None
    return (guild if isinstance(guild, dict) else {}), channel


def _note_order(export: _Export, raw: Mapping[str, Any]) -> None:
    message_id = str(raw.get("id") or "")
    if not export.ordered:
        return
    if not message_id.isdigit() or int(message_id) < export.last_id:
        export.ordered = False
    else:
        export.last_id = int(message_id)


def _person(raw: Mapping[str, Any]) -> Author | None:
    if not isinstance(raw, Mapping) or not raw.get("id"):
        return None
    username = str(raw.get("name") or "")
    return Author(
        source_id=str(raw["id"]),
        name=str(raw.get("nickname") or username or raw["id"]),
        handle=username,
        bot=bool(raw.get("isBot")),
    )


def _gather_people(export: _Export, raw: Mapping[str, Any]) -> None:
    author = _person(raw.get("author") or {})
    if author is not None:
        if author.source_id not in export.people:
            export.people[author.source_id] = author
            export.authors.append(author.source_id)
        elif author.source_id not in export.authors:
            export.authors.append(author.source_id)
        export.handles[author.source_id] = author.handle or author.name
    for reaction in raw.get("reactions") or []:
        for user in (reaction or {}).get("users") or []:
            person = _person(user)
            if person is not None:
                export.people.setdefault(person.source_id, person)
                export.handles.setdefault(person.source_id, person.handle or person.name)
    for user in raw.get("mentions") or []:
        person = _person(user)
        if person is not None:
            export.handles.setdefault(person.source_id, person.handle or person.name)


def _conversation(export: _Export) -> tuple[Conversation, tuple[str, str] | None]:
    """The conversation a file's messages belong to, and the thread (id, title) when the file is a
    thread or forum post: those are kept as threads of their parent channel, never flattened."""
    channel = export.channel
    channel_type = str(channel.get("type") or "")
    topic = str(channel.get("topic") or "")
    if export.is_thread:
        parent = Conversation(
            source_id=str(channel["categoryId"]),
            name=str(channel.get("category") or channel["categoryId"]),
            kind=CHANNEL,
            category=str(export.guild.get("name") or ""),
        )
        return parent, (str(channel["id"]), str(channel.get("name") or ""))
    kind = CONVERSATION_KINDS.get(channel_type, CHANNEL)
    return (
        Conversation(
            source_id=str(channel["id"]),
            name=str(channel.get("name") or channel["id"]),
            kind=kind,
            topic=topic,
            category=str(channel.get("category") or ""),
            member_ids=tuple(export.authors) if kind in (DIRECT, GROUP_DIRECT) else (),
        ),
        None,
    )


def _messages(
    archive: Archive,
    export: _Export,
    conversation: Conversation,
    thread: tuple[str, str] | None,
    handles: Mapping[str, str],
    channels: Mapping[str, str],
) -> Iterator[Record]:
    # Duplicates are found by remembering the ids read. In the usual file, whose ids never go down, a
    # duplicate can only follow its twin, so the last id is all there is to remember (memory stays flat).
    seen: set[int | str] = set()
    last: int | str | None = None
    base = posixpath.dirname(export.name)
    members = set(archive.names())
    with archive.open(export.name) as stream:
        for index, raw in enumerate(ijson.items(stream, "messages.item", use_float=True), start=1):
            if not isinstance(raw, dict) or not raw.get("id"):
                yield Skipped(line=index, reason=f"{export.name}: message {index} has no id")
                continue
            message_id = str(raw["id"])
            key: int | str = int(message_id) if message_id.isdigit() else message_id
            if key == last or key in seen:
                yield Skipped(
                    line=index,
                    reason=f"{export.name}: message {message_id} appears twice; read once",
                    text=str(raw.get("content") or "")[:200],
                )
                continue
            last = key
            if not export.ordered:
                seen.add(key)
            try:
                at = datetime.fromisoformat(str(raw.get("timestamp")))
            except ValueError:
                yield Skipped(
                    line=index, reason=f"{export.name}: message {message_id} has no valid timestamp"
                )
                continue
            if at.tzinfo is None:
                yield Skipped(line=index, reason=f"{export.name}: message {message_id}'s time has no offset")
                continue
            try:
                yield _item(raw, index, at, export, conversation, thread, handles, channels, base, members)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
                yield Skipped(
                    line=index,
                    reason=f"{export.name}: message {message_id} could not be read ({type(exc).__name__}: {exc})",
                    text=str(raw.get("content") or "")[:200],
                )


def _item(
    raw: Mapping[str, Any],
    index: int,
    at: datetime,
    export: _Export,
    conversation: Conversation,
    thread: tuple[str, str] | None,
    handles: Mapping[str, str],
    channels: Mapping[str, str],
    base: str,
    members: set[str],
) -> Item:
    message_id = str(raw["id"])
    kind = str(raw.get("type") or "Default")
    is_message = kind in MESSAGE_TYPES or kind in MESSAGE_TYPE_NUMBERS
    system = "" if is_message else SYSTEM_TYPES.get(kind, _snake(kind))
    edited = raw.get("timestampEdited")
    edited_at = None
    if edited:
        try:
            edited_at = datetime.fromisoformat(str(edited))
        except ValueError:
            edited_at = None
    reference = raw.get("reference") or {}
    reply_to_id = None
    forwarded_from = ""
    if isinstance(reference, dict) and reference.get("messageId") and kind != "ThreadCreated":
        if str(reference.get("type") or "Default") == "Forward":
            ref_channel = str(reference.get("channelId") or "")
            forwarded_from = "#" + channels.get(ref_channel, ref_channel) if ref_channel else "Discord"
        else:
            reply_to_id = str(reference["messageId"])
    thread_id = None
    thread_name = ""
    if thread is not None:
        thread_name = thread[1]
        thread_id = None if message_id == thread[0] else thread[0]  # a forum post's first message is its root
    author = raw.get("author") or {}
    return Item(
        source_id=message_id,
        conversation_id=conversation.source_id,
        at=at,
        author_id=str(author["id"]) if isinstance(author, dict) and author.get("id") else None,
        text=_text(raw, is_message, handles, channels),
        kind=MESSAGE if is_message else SYSTEM,
        system=system,
        thread_id=thread_id,
        thread_name=thread_name,
        reply_to_id=reply_to_id,
        edited_at=edited_at,
        forwarded_from=forwarded_from,
        attachments=tuple(_attachments(raw.get("attachments"), base, members)),
        reactions=tuple(_reactions(raw.get("reactions"))),
        line=index,
    )


def _snake(kind: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in kind).lstrip("_") or "event"


def _text(
    raw: Mapping[str, Any],
    is_message: bool,
    handles: Mapping[str, str],
    channels: Mapping[str, str],
) -> str:
    def md(value: Any) -> str:
        return discord_to_markdown(str(value or ""), users=handles.get, channels=channels)

    if not is_message:
        return md(raw.get("content"))
    parts: list[str] = []
    interaction = raw.get("interaction")
    if isinstance(interaction, dict) and interaction.get("name"):
        user = _person(interaction.get("user") or {})
        who = f"@{user.handle or user.name} used " if user else ""
        parts.append(f"*{who}/{interaction['name']}*")
    content = str(raw.get("content") or "")
    parts.append(md(content))
    forwarded = raw.get("forwardedMessage")
    if isinstance(forwarded, dict):
        parts.append(_quote(md(forwarded.get("content"))))
        parts += [_embed(e, "", md) for e in forwarded.get("embeds") or [] if isinstance(e, dict)]
    for sticker in raw.get("stickers") or []:
        if isinstance(sticker, dict) and sticker.get("name"):
            url = str(sticker.get("sourceUrl") or "")
            parts.append(f"Sticker: [{sticker['name']}](<{url}>)" if url else f"Sticker: {sticker['name']}")
    parts += [_embed(e, content, md) for e in raw.get("embeds") or [] if isinstance(e, dict)]
    return "\n\n".join(p for p in parts if p)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n")) if text else ""


def _embed(embed: Mapping[str, Any], content: str, md: Any) -> str:
    """A rich embed (a bot's card) as a quote. A link preview, whose address the message already
    shows, is left out: the link is there."""
    url = str(embed.get("url") or "")
    fields = [f for f in embed.get("fields") or [] if isinstance(f, dict)]
    if url and url in content and not fields:
        return ""
    lines: list[str] = []
    author = embed.get("author")
    if isinstance(author, dict) and author.get("name"):
        lines.append(str(author["name"]))
    title = md(embed.get("title"))
    if title:
        lines.append(f"**[{title}](<{url}>)**" if url else f"**{title}**")
    description = md(embed.get("description"))
    if description:
        lines.append(description)
    for item in fields:
        lines.append(f"**{md(item.get('name'))}**: {md(item.get('value'))}")
    footer = embed.get("footer")
    if isinstance(footer, dict) and footer.get("text"):
        lines.append(md(footer["text"]))
    image = embed.get("image")
    if not lines and isinstance(image, dict) and image.get("url"):
        lines.append(f"<{image['url']}>")
    return _quote("\n".join(lines))


def _attachments(raw: Any, base: str, members: set[str]) -> Iterator[Attachment]:
    """Files the exporter downloaded (`--media`, written as a path beside the JSON) become uploads when
    the upload holds them; the others stay links to Discord's CDN."""
    for attachment in raw or []:
        if not isinstance(attachment, dict):
            continue
        url = str(attachment.get("url") or "")
        name = str(attachment.get("fileName") or posixpath.basename(url) or "file")
        path = ""
        if url and "://" not in url:
            candidate = posixpath.normpath(posixpath.join(base, url.replace("\\", "/")))
            if candidate in members:
                path, url = candidate, ""
        size = attachment.get("fileSizeBytes")
        yield Attachment(
            name=name,
            path=path,
            url=url,
            size=int(size) if isinstance(size, int | float) else None,
            content_type=mimetypes.guess_type(name)[0] or "",
        )


def _reactions(raw: Any) -> Iterator[Reaction]:
    for reaction in raw or []:
        if not isinstance(reaction, dict) or not isinstance(reaction.get("emoji"), dict):
            continue
        emoji = reaction["emoji"]
        name = str(emoji.get("name") or emoji.get("code") or "")
        if not name:
            continue
        users = tuple(
            str(u["id"]) for u in reaction.get("users") or [] if isinstance(u, dict) and u.get("id")
        )
        count = reaction.get("count")
        yield Reaction(
            emoji=f":{name}:" if emoji.get("id") else name,
            author_ids=users,
            count=int(count) if isinstance(count, int | float) else len(users),
        )
