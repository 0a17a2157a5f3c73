"""Telegram Desktop's `result.json`: one chat, or the whole account (every chat, and the chats left).

The file is read as a stream of JSON events (ijson's C parser): the few keys that describe a chat
(name, type, id) are picked out as they pass, and each message is built as one small object and
turned into records before the next is read, so memory stays flat whatever the export's size.
Telegram Desktop writes a chat's name, type and id before its messages; a file that puts them after
(another exporter) is read twice: once for those keys, once for the messages.

What maps where (docs/importers.md (its Telegram section) has the table and what cannot be carried over):
a chat is a Conversation (`personal_chat`, `bot_chat`, `saved_messages` are direct, the rest
channels); `from_id`/`actor_id` ("user123", "channel123"; a bare number is a user) is the Author;
each message is an Item whose source id is Telegram's message id (unique within its chat; a message
without one gets a fingerprint of its time, author and text); service messages are SYSTEM items.
Times come from `date_unixtime` (UTC) when present, else from `date` (the zone given to `read()`
unless it carries its own offset).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import ijson

from townhall.importers.archive import Archive
from townhall.importers.sources.base import (
    CHANNEL,
    DIRECT,
    MESSAGE,
    SYSTEM,
    Attachment,
    Author,
    Conversation,
    Item,
    NotThisSource,
    Poll,
    Reaction,
    Record,
    Skipped,
)
from townhall.importers.sources.telegram_text import escape, plain_text, to_markdown

MEDIA_KEYS = frozenset({"photo", "file", "contact_information", "location_information"})
DIRECT_TYPES = {"personal_chat", "bot_chat", "saved_messages"}
NOT_INCLUDED = "(File not included"  # "(File not included. Change data exporting settings to download.)"
SECTIONS = {"chats": "chats.list.item", "left_chats": "left_chats.list.item"}
MESSAGE_PREFIXES = {"chats.list.item.messages.item", "left_chats.list.item.messages.item"}
CHAT_KEYS = ("name", "type", "id")
CHAT_PREFIXES = {prefix: section for section, prefix in SECTIONS.items()}
META_PREFIXES = {f"{prefix}.{key}": key for prefix in SECTIONS.values() for key in CHAT_KEYS}
MEDIA_NAMES = {
    "sticker": "sticker", "animation": "animation", "video_file": "video", "video_message": "video message",
    "voice_message": "voice message", "audio_file": "audio",
}  # fmt: skip

# Service actions: (system code, what the sentence says after the actor's name).
ACTIONS: dict[str, tuple[str, str]] = {
    "create_group": ("created", "created the group"),
    "create_channel": ("created", "created the channel"),
    "migrate_to_supergroup": ("migrated", "turned the group into a supergroup"),
    "migrate_from_group": ("migrated", "moved the group here from a basic group"),
    "invite_members": ("added", "added"),
    "remove_members": ("removed", "removed"),
    "join_group_by_link": ("joined", "joined the group by invite link"),
    "join_group_by_request": ("joined", "joined the group after a request"),
    "edit_group_title": ("renamed", "renamed the group to"),
    "edit_group_photo": ("photo_changed", "changed the group photo"),
    "delete_group_photo": ("photo_removed", "removed the group photo"),
    "pin_message": ("pinned", "pinned a message"),
    "phone_call": ("call", "called"),
    "group_call": ("call", "started a group call"),
    "invite_to_group_call": ("call_invited", "invited to the group call"),
    "group_call_scheduled": ("call_scheduled", "scheduled a group call"),
    "joined_telegram": ("joined_telegram", "joined Telegram"),
    "clear_history": ("history_cleared", "cleared the history"),
    "set_messages_ttl": ("timer_changed", "changed the auto-delete timer"),
    "take_screenshot": ("screenshot", "took a screenshot"),
    "score_in_game": ("game_score", "scored in a game"),
    "topic_created": ("topic_created", "created the topic"),
    "topic_edit": ("topic_edited", "changed the topic"),
    "boost_apply": ("boosted", "boosted the group"),
    "edit_chat_theme": ("theme_changed", "changed the chat theme"),
    "set_chat_theme": ("theme_changed", "changed the chat theme"),
    "set_chat_wallpaper": ("wallpaper_changed", "changed the chat wallpaper"),
    "set_same_chat_wallpaper": ("wallpaper_changed", "changed the chat wallpaper"),
    "allow_sending_messages": ("allowed_messages", "allowed the bot to write"),
    "send_payment": ("payment", "sent a payment"),
}


class TelegramSource:
    """Telegram Desktop's JSON export (Settings > Advanced > Export Telegram data, format JSON)."""

    key = "telegram"
    label = "Telegram"

    def read(self, archive: Archive, *, zone: ZoneInfo) -> Iterator[Record]:
        member = find_result_json(archive)
        yield from _Reader(archive, member, zone).records()


def find_result_json(archive: Archive) -> str:
    """The export's `result.json` (the shallowest one), or the archive's only JSON file."""
    names = archive.names()
    results = sorted(
        (n for n in names if posixpath.basename(n).lower() == "result.json"), key=lambda n: n.count("/")
    )
    if results:
        return results[0]
    jsons = [n for n in names if n.lower().endswith(".json")]
    if len(jsons) == 1:
        return jsons[0]
    raise NotThisSource(
        f"{archive.name} is not a Telegram export: it holds no result.json "
        "(Telegram Desktop > Settings > Advanced > Export Telegram data, format JSON)."
    )


class _Chat:
    """What is known of the chat being read."""

    def __init__(self, section: str, index: int) -> None:
        self.section = section  # "" (a one-chat export), "chats" or "left_chats"
        self.index = index
        self.meta: dict[str, Any] = {}
        self.conversation: Conversation | None = None
        self.fingerprints: dict[str, int] = {}  # id-less messages of the current second
        self.fingerprint_at: Any = None


class _Reader:
    def __init__(self, archive: Archive, member: str, zone: ZoneInfo) -> None:
        self.archive = archive
        self.member = member
        self.zone = zone
        self.base = posixpath.dirname(member)
        self.names = set(archive.names())
        self.shown = archive.name if member == archive.name else f"{archive.name}/{member}"
        self.authors: set[str] = set()
        self.pending: list[Record] = []
        self.chat: _Chat | None = None
        self.chat_count = 0
        self.top_keys: set[str] = set()
        self.top_meta: dict[str, Any] = {}
        self.section_counts: dict[str, int] = {}
        self.owner: dict[str, Any] = {}
        self.ordinal = 0
        self.late_meta: dict[tuple[str, int], dict[str, Any]] | None = None

    # --- the stream -----------------------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        single = self._head()
        stream = self._open()
        try:
            if single:
                # One chat: its messages straight from ijson's C reader (no Python per JSON event).
                self._open_chat("", self.top_meta)
                assert self.chat is not None
                self._start_messages(self.chat)
                messages = ijson.items(stream, "messages.item", use_float=True)
            else:  # the whole account: chats are told apart as the events pass
                messages = ijson.items(
                    self._watch(ijson.parse(stream, use_float=True)), "m.item", use_float=True
                )
            for raw in messages:
                if self.pending:
                    yield from self._flush()
                self.ordinal += 1
                if self.chat is None:  # cannot happen: the message prefixes open a chat first
                    continue
                yield from self._message(raw, self.chat)
            yield from self._flush()
        except ijson.JSONError as exc:
            raise NotThisSource(self._broken(exc)) from exc
        finally:
            stream.close()
        if self.chat_count == 0:
            raise NotThisSource(
                f'{self.shown} is not a Telegram export: it has no "messages" and no "chats" list.'
            )

    def _head(self) -> bool:
        """Read the file's top-level keys up to its messages: True for a one-chat export (its name,
        type and id noted), False for a whole-account one. Refuses what is not an export."""
        try:
            empty = self.archive.size(self.member) == 0
        except (KeyError, OSError):
            empty = False
        if empty:
            raise NotThisSource(f"{self.shown} is empty; nothing was imported.")
        stream = self._open()
        try:
            events = ijson.parse(stream, use_float=True)
            first = next(events, None)
            if first is None:
                raise NotThisSource(f"{self.shown} is not a Telegram export: it is empty.")
            if first[1] != "start_map":
                raise NotThisSource(f"{self.shown} is not a Telegram export: it is not a JSON object.")
            for prefix, event, value in events:
                if prefix == "" and event == "map_key":
                    self.top_keys.add(value)
                    if value in ("guild", "channel"):
                        raise NotThisSource(
                            f"{self.shown} is not a Telegram export (it looks like a Discord export)."
                        )
                    if value == "messages":
                        return True
                    if value in SECTIONS:
                        return False
                elif prefix in CHAT_KEYS and event in ("string", "number"):
                    self.top_meta.setdefault(prefix, value)
        except ijson.JSONError as exc:
            raise NotThisSource(self._broken(exc)) from exc
        finally:
            stream.close()
        raise NotThisSource(
            f'{self.shown} is not a Telegram export: it has no "messages" and no "chats" list.'
        )

    def _open(self) -> IO[bytes]:
        try:
            return self.archive.open(self.member)
        except (KeyError, OSError) as exc:
            raise NotThisSource(f"{self.shown} cannot be read.") from exc

    def _broken(self, exc: Exception) -> str:
        if self.ordinal == 0 and not self.top_keys:
            return f"{self.shown} is not a Telegram export: it is not JSON ({exc})."
        return (
            f"{self.shown} is damaged or cut off after message {self.ordinal:,} ({exc}); nothing was "
            "imported. Export the chat again."
        )

    def _watch(self, events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
        """Pass the events through, noting chats and their keys; every chat's message items are
        renamed to one prefix ("m.item") so that one C-built items stream reads them all."""
        for prefix, event, value in events:
            if prefix in MESSAGE_PREFIXES:
                yield "m.item", event, value
                continue
            meta_key = META_PREFIXES.get(prefix)
            if meta_key is not None:
                if event in ("string", "number") and self.chat is not None:
                    self.chat.meta.setdefault(meta_key, value)
            elif prefix in CHAT_PREFIXES:
                if event == "start_map":
                    self._open_chat(CHAT_PREFIXES[prefix], {})
                elif event == "map_key" and value == "messages" and self.chat is not None:
                    self._start_messages(self.chat)
                elif event == "end_map" and self.chat is not None:
                    self._start_messages(self.chat)  # a chat without messages
            elif event in ("string", "number") and prefix.startswith("personal_information."):
                self.owner[prefix.removeprefix("personal_information.")] = value
            yield prefix, event, value

    def _open_chat(self, section: str, meta: dict[str, Any]) -> None:
        index = self.section_counts.get(section, 0)
        self.section_counts[section] = index + 1
        self.chat = _Chat(section, index)
        self.chat.meta = meta
        self.chat_count += 1

    def _start_messages(self, chat: _Chat) -> None:
        """The chat's messages begin: its Conversation (and a direct chat's people) go out first."""
        if chat.conversation is not None:
            return
        if not chat.meta and self.late_meta is None:
            self.late_meta = self._scan_meta()
        if not chat.meta and self.late_meta:
            chat.meta = self.late_meta.get((chat.section, chat.index), {})
        chat.conversation = self._conversation(chat)
        self.pending.append(chat.conversation)

    def _scan_meta(self) -> dict[tuple[str, int], dict[str, Any]]:
        """Every chat's name, type and id, for a file that writes them after the messages."""
        found: dict[tuple[str, int], dict[str, Any]] = {}
        counters = {"chats": 0, "left_chats": 0}
        stream = self._open()
        try:
            current: tuple[str, int] | None = ("", 0)
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if event == "start_map" and prefix in SECTIONS.values():
                    section = "chats" if prefix.startswith("chats") else "left_chats"
                    current = (section, counters[section])
                    counters[section] += 1
                elif event in ("string", "number") and current is not None:
                    section = current[0]
                    for key in CHAT_KEYS:
                        if prefix == (f"{SECTIONS[section]}.{key}" if section else key):
                            found.setdefault(current, {}).setdefault(key, value)
        except ijson.JSONError as exc:
            raise NotThisSource(self._broken(exc)) from exc
        finally:
            stream.close()
        return found

    def _flush(self) -> Iterator[Record]:
        if self.pending:
            records, self.pending = self.pending, []
            yield from records

    # --- chats and people -----------------------------------------------------------------------

    def _conversation(self, chat: _Chat) -> Conversation:
        meta = chat.meta
        kind_raw = str(meta.get("type") or "")
        name = str(meta.get("name") or "") or ("Saved Messages" if kind_raw == "saved_messages" else "")
        if meta.get("id") is not None:
            source_id = str(meta["id"])
        elif name:
            source_id = name
        else:
            stem = posixpath.splitext(posixpath.basename(self.member))[0]
            source_id = stem if chat.section == "" else f"{stem}-{chat.section}-{chat.index + 1}"
        name = name or "Telegram chat"
        kind = DIRECT if kind_raw in DIRECT_TYPES else CHANNEL
        members: list[str] = []
        if kind == DIRECT:
            if kind_raw != "saved_messages" and meta.get("id") is not None:
                peer = f"user{meta['id']}"
                self._author(peer, name, bot=kind_raw == "bot_chat")
                members.append(peer)
            owner = self._owner()
            if owner and owner not in members:
                members.append(owner)
        category = kind_raw + (", left" if chat.section == "left_chats" else "")
        return Conversation(
            source_id=source_id, name=name, kind=kind, category=category, member_ids=tuple(members)
        )

    def _owner(self) -> str | None:
        """The exporting account (a whole-account export's `personal_information`)."""
        user_id = self.owner.get("user_id")
        if user_id is None:
            return None
        names = [str(self.owner.get(k) or "") for k in ("first_name", "last_name")]
        name = " ".join(n for n in names if n) or str(self.owner.get("username") or "") or f"user{user_id}"
        handle = str(self.owner.get("username") or "")
        handle = f"@{handle}" if handle and not handle.startswith("@") else handle
        return self._author(f"user{user_id}", name, handle=handle)

    def _author(self, source_id: str, name: str, *, handle: str = "", bot: bool = False) -> str:
        if source_id not in self.authors:
            self.authors.add(source_id)
            self.pending.append(Author(source_id=source_id, name=name, handle=handle, bot=bot))
        return source_id

    def _person(self, raw_id: Any, name: Any) -> str | None:
        """The Author id of `from_id`/`actor_id` (yielding the Author the first time it is seen)."""
        if raw_id.__class__ is str and raw_id in self.authors:
            return str(raw_id)  # the common case, first
        shown = name if isinstance(name, str) and name else ""
        if isinstance(raw_id, str) and raw_id:
            source_id = raw_id
        elif isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            source_id = f"user{int(raw_id)}"
        elif shown:
            source_id = shown  # an exporter that writes only names
        else:
            return None
        return self._author(source_id, shown or ("Deleted Account" if name is None else source_id))

    # --- messages -------------------------------------------------------------------------------

    def _message(self, raw: Any, chat: _Chat) -> Iterator[Record]:
        if raw.__class__ is not dict:
            yield self._skip(raw, chat, "is not a JSON object")
            return
        if self.ordinal == 1 and not {"type", "date", "date_unixtime"} & raw.keys():
            raise NotThisSource(
                f"{self.shown} is not a Telegram export: its messages have no type and no date."
            )
        kind_raw = raw.get("type", "message")
        if kind_raw != "message" and kind_raw != "service":
            yield self._skip(raw, chat, f"has an unknown type {kind_raw!r}")
            return
        at = self._time(raw.get("date_unixtime"), raw.get("date"))
        if at is None:
            yield self._skip(raw, chat, "has no readable date")
            return
        try:
            item = self._item(raw, chat, at, kind_raw == "service")
        except (TypeError, ValueError, AttributeError) as exc:
            yield self._skip(raw, chat, f"could not be read ({exc})")
            return
        if self.pending:
            yield from self._flush()  # authors first named by this message
        yield item

    def _skip(self, raw: Any, chat: _Chat, why: str) -> Skipped:
        name = chat.conversation.name if chat.conversation else ""
        return Skipped(
            line=self.ordinal, reason=f"message {self.ordinal:,} in {name} {why}", text=_excerpt(raw)
        )

    def _item(self, raw: dict[str, Any], chat: _Chat, at: datetime, service: bool) -> Item:
        conversation = chat.conversation
        assert conversation is not None
        get = raw.get
        if service:
            author = self._person(get("actor_id"), get("actor"))
        else:
            author = self._person(get("from_id"), get("from"))
        entities = get("text_entities")
        text = to_markdown(entities if entities.__class__ is list else get("text"))
        attachments: list[Attachment] = []
        extra: list[str] = []
        if not service and not MEDIA_KEYS.isdisjoint(raw):
            self._media(raw, attachments, extra)
        system = ""
        reply_to = get("reply_to_message_id")
        if service:
            system, sentence = self._service(raw)
            text = sentence + (f"\n{text}" if text else "")
            if get("action") == "pin_message" and get("message_id") is not None:
                reply_to = raw["message_id"]
        if extra:
            text = "\n".join([*([text] if text else []), *extra])
        if reply_to is not None and get("reply_to_peer_id") not in (None, "", conversation.source_id):
            reply_to = None  # a reply to a message of another chat: not in this conversation
        forwarded = None
        if not service and ("forwarded_from" in raw or "saved_from" in raw):
            forwarded = get("forwarded_from", get("saved_from"))
            if "forwarded_from" in raw and forwarded is None:
                forwarded = "a hidden account"
        edited = None
        if "edited_unixtime" in raw or "edited" in raw:
            edited = self._time(get("edited_unixtime"), get("edited"))
        return Item(
            source_id=self._source_id(raw, chat, at, author),
            conversation_id=conversation.source_id,
            at=at,
            author_id=author,
            text=text,
            kind=SYSTEM if service else MESSAGE,
            system=system,
            reply_to_id=str(reply_to) if reply_to is not None else None,
            edited_at=edited,
            forwarded_from=str(forwarded or ""),
            attachments=tuple(attachments),
            reactions=self._reactions(raw["reactions"]) if "reactions" in raw else (),
            poll=_poll(raw["poll"]) if "poll" in raw else None,
            line=self.ordinal,
        )

    def _source_id(self, raw: dict[str, Any], chat: _Chat, at: datetime, author: str | None) -> str:
        value = raw.get("id")
        if value.__class__ is int or value.__class__ is str:
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        # No id (an exporter that drops them): a fingerprint of time, author and text, numbered when
        # the same message is written twice in the same second.
        text = json.dumps(raw.get("text"), ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(f"{at.isoformat()}|{author}|{text}".encode()).hexdigest()[:20]
        if chat.fingerprint_at != at:
            chat.fingerprint_at, chat.fingerprints = at, {}
        seen = chat.fingerprints.get(digest, 0) + 1
        chat.fingerprints[digest] = seen
        return f"fp-{digest}" if seen == 1 else f"fp-{digest}-{seen}"

    def _time(self, unixtime: Any, local: Any) -> datetime | None:
        """`*_unixtime` (UTC epoch seconds, a string or a number) first, else the ISO `date`."""
        if unixtime is not None and unixtime != "":
            try:
                try:
                    seconds = int(unixtime)  # "1652135033" or 1652135033
                except ValueError:
                    seconds = int(float(unixtime))  # "1652135033.0"
                return datetime.fromtimestamp(seconds, UTC)
            except (TypeError, ValueError, OverflowError, OSError):
                pass
        if isinstance(local, str) and local:
            try:
                parsed = datetime.fromisoformat(local)
            except ValueError:
                return None
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.zone)
        return None

    def _service(self, raw: dict[str, Any]) -> tuple[str, str]:
        """A readable system code and sentence for a service message (Markdown, names escaped)."""
        action = str(raw.get("action") or "unknown")
        actor = raw.get("actor") or "Someone"
        members = [str(m) if m else "Deleted Account" for m in raw.get("members") or []]
        code, verb = ACTIONS.get(action, (action, action.replace("_", " ")))
        if action == "invite_members" and members == [actor]:
            code, verb, members = "joined", "joined the group", []
        if action == "remove_members" and members == [actor]:
            code, verb, members = "left", "left the group", []
        sentence = f"{actor} {verb}"
        title = raw.get("title")
        if isinstance(title, str) and title and action in ("create_group", "create_channel", "edit_group_title",
                                                            "migrate_from_group", "topic_created", "topic_edit"):  # fmt: skip
            sentence += f" “{title}”"
        if members:
            sentence += (" with " if action == "create_group" else " ") + ", ".join(members)
        if action == "join_group_by_link" and raw.get("inviter"):
            sentence += f" from {raw['inviter']}"
        details = []
        if isinstance(raw.get("duration_seconds"), int | float):
            details.append(_duration(raw["duration_seconds"]))
        if raw.get("discard_reason"):
            details.append(str(raw["discard_reason"]))
        if details:
            sentence += f" ({', '.join(details)})"
        return code, escape(sentence, at_line_start=True)

    def _media(self, raw: dict[str, Any], attachments: list[Attachment], extra: list[str]) -> None:
        """Photos and files as attachments (the archive's path when the export holds the file);
        stickers without their file, contacts and places as a line of text."""
        if isinstance(raw.get("photo"), str):
            attachments.append(
                self._attachment(raw["photo"], "photo.jpg", raw.get("photo_file_size"), "image/jpeg")
            )
        media_type = str(raw.get("media_type") or "")
        if isinstance(raw.get("file"), str):
            fallback = str(raw.get("file_name") or MEDIA_NAMES.get(media_type, "file"))
            attachment = self._attachment(
                raw["file"], fallback, raw.get("file_size"), str(raw.get("mime_type") or ""),
                name=str(raw.get("file_name") or ""),
            )  # fmt: skip
            if media_type == "sticker" and not attachment.path:
                extra.append(
                    escape(f"{raw.get('sticker_emoji') or ''} (sticker)".strip(), at_line_start=True)
                )
            else:
                attachments.append(attachment)
        contact = raw.get("contact_information")
        if isinstance(contact, dict):
            who = " ".join(str(contact.get(k) or "") for k in ("first_name", "last_name")).strip()
            phone = str(contact.get("phone_number") or "")
            extra.append(escape(f"Contact: {', '.join(p for p in (who, phone) if p)}", at_line_start=True))
        place = raw.get("location_information")
        if isinstance(place, dict) and "latitude" in place and "longitude" in place:
            title = ", ".join(str(raw[k]) for k in ("place_name", "address") if raw.get(k))
            lat, lon = place["latitude"], place["longitude"]
            link = f"<https://www.openstreetmap.org/?mlat={lat}&mlon={lon}>"
            extra.append(escape(f"Location: {title + ' ' if title else ''}", at_line_start=True) + link)

    def _attachment(
        self, value: str, fallback: str, size: Any, content_type: str, *, name: str = ""
    ) -> Attachment:
        size_value = int(size) if isinstance(size, int | float) and not isinstance(size, bool) else None
        if value.startswith(NOT_INCLUDED) or not value:
            return Attachment(name=name or fallback, size=size_value, content_type=content_type)
        path = (
            posixpath.normpath(posixpath.join(self.base, value)) if self.base else posixpath.normpath(value)
        )
        shown = name or posixpath.basename(value) or fallback
        return Attachment(
            name=shown, path=path if path in self.names else "", size=size_value, content_type=content_type
        )

    def _reactions(self, raw: Any) -> tuple[Reaction, ...]:
        if not isinstance(raw, list):
            return ()
        reactions = []
        for reaction in raw:
            if not isinstance(reaction, dict):
                continue
            kind = reaction.get("type")
            if kind == "custom_emoji":
                emoji = f":custom_emoji_{posixpath.basename(str(reaction.get('document_id') or ''))}:"
            elif kind == "paid":
                emoji = "⭐"
            else:
                emoji = str(reaction.get("emoji") or "")
            if not emoji:
                continue
            who = []
            for person in reaction.get("recent") or []:
                if isinstance(person, dict):
                    author = self._person(person.get("from_id"), person.get("from"))
                    if author:
                        who.append(author)
            count = reaction.get("count")
            count = int(count) if isinstance(count, int | float) and not isinstance(count, bool) else len(who)
            reactions.append(Reaction(emoji=emoji, author_ids=tuple(who), count=max(count, len(who))))
        return tuple(reactions)


def _poll(raw: Any) -> Poll | None:
    if not isinstance(raw, dict):
        return None
    options = []
    for answer in raw.get("answers") or []:
        if isinstance(answer, dict):
            votes = answer.get("voters")
            options.append(
                (plain_text(answer.get("text")), int(votes) if isinstance(votes, int | float) else 0)
            )
    return Poll(question=plain_text(raw.get("question")), options=tuple(options))


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _excerpt(raw: Any) -> str:
    try:
        return json.dumps(raw, ensure_ascii=False, default=str)[:200]
    except (TypeError, ValueError):
        return str(raw)[:200]
