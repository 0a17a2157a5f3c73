"""Slack workspace exports: the zip (or its unpacked folder) an owner downloads from Slack, or that
slackdump writes.

The export holds `users.json`, `channels.json` (public), and, when the plan and the exporter allow,
`groups.json` (private channels), `mpims.json` (group DMs) and `dms.json`; then one folder per
conversation (named after the channel, or its id for DMs) with one JSON array of messages per day.
The metadata files are small and read whole; every day file is streamed message by message, so a
channel with years of history never sits in memory.

What maps to what is written down in docs/importers.md (its Slack section).
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import ijson

from townhall.importers.archive import Archive
from townhall.importers.sources.base import (
    CHANNEL,
    DIRECT,
    GROUP_DIRECT,
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
from townhall.importers.sources.markup import slack_emoji, slack_to_markdown
from townhall.importers.sources.slack.blocks import message_text

METADATA = ("users.json", "channels.json", "groups.json", "mpims.json", "dms.json")
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_TS = re.compile(r"^(\d{1,12})(?:\.(\d{1,6})\d*)?$")

# Slack message subtypes that record something happening rather than someone saying it.
SYSTEM_SUBTYPES = {
    "channel_join": "joined",
    "group_join": "joined",
    "joiner_notification": "joined",
    "app_conversation_join": "joined",
    "channel_leave": "left",
    "group_leave": "left",
    "app_conversation_leave": "left",
    "channel_topic": "topic",
    "group_topic": "topic",
    "channel_purpose": "purpose",
    "group_purpose": "purpose",
    "channel_name": "renamed",
    "group_name": "renamed",
    "channel_archive": "archived",
    "group_archive": "archived",
    "channel_unarchive": "unarchived",
    "group_unarchive": "unarchived",
    "channel_convert_to_private": "converted",
    "channel_convert_to_public": "converted",
    "channel_posting_permissions": "permissions",
    "pinned_item": "pinned",
    "unpinned_item": "unpinned",
    "bot_add": "added",
    "bot_remove": "removed",
    "bot_enable": "added",
    "bot_disable": "removed",
    "reminder_add": "reminder",
    "huddle_thread": "call",
    "sh_room_created": "call",
    "channel_canvas_updated": "canvas",
}


def slack_time(ts: str) -> datetime:
    """A Slack timestamp ("1736478514.897649", epoch seconds in UTC) as an exact aware datetime: the
    string is split rather than read as a float, which would lose the last microsecond."""
    match = _TS.match(ts.strip())
    if not match:
        raise ValueError(f"not a Slack timestamp: {ts!r}")
    seconds, fraction = match.group(1), match.group(2) or "0"
    return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=int(fraction.ljust(6, "0")))


@dataclass
class _Export:
    """Where the export's files are in the archive (it may sit in one top folder) and what they say."""

    prefix: str
    users: dict[str, Author]
    handles: dict[str, str]
    conversations: list[tuple[Conversation, str]]  # each with its folder name
    channel_names: dict[str, str]
    files: dict[str, str]  # a hosted file's id -> its path in the archive
    days: dict[str, list[str]]  # folder -> its day files, in date order


class SlackSource:
    key = "slack"
    label = "Slack"

    def read(self, archive: Archive, *, zone: ZoneInfo) -> Iterator[Record]:
        """Authors, then conversations, then each conversation's messages day by day (see base.py).
        `zone` is not used: Slack times are epoch seconds."""
        export = _read_metadata(archive)
        yield from export.users.values()
        for conversation, _folder in export.conversations:
            yield conversation
        seen_authors = set(export.users)
        for conversation, folder in export.conversations:
            yield from _read_conversation(archive, export, conversation, folder, seen_authors)


def _read_metadata(archive: Archive) -> _Export:
    names = archive.names()
    found = [name for name in names if posixpath.basename(name) in METADATA and name.count("/") <= 1]
    if not found:
        raise NotThisSource(
            f"{archive.name} is not a Slack workspace export: it holds no users.json or channels.json "
            "(export the workspace from Slack's admin settings and upload the zip as it is)."
        )
    prefix = min((posixpath.dirname(name) for name in found), key=len)
    prefix = f"{prefix}/" if prefix else ""

    users_raw = _load_list(archive, prefix + "users.json", names)
    users: dict[str, Author] = {}
    handles: dict[str, str] = {}
    for raw in users_raw:
        if not isinstance(raw, dict) or not raw.get("id"):
            continue
        author = _user_author(raw)
        users[author.source_id] = author
        handles[author.source_id] = author.handle or author.name

    channel_names: dict[str, str] = {}
    listed: list[tuple[str, dict[str, Any]]] = []
    for file, kind in (
        ("channels.json", CHANNEL),
        ("groups.json", CHANNEL),
        ("mpims.json", GROUP_DIRECT),
        ("dms.json", DIRECT),
    ):
        for raw in _load_list(archive, prefix + file, names):
            if isinstance(raw, dict) and raw.get("id"):
                listed.append((kind if file != "groups.json" else "private", raw))
                if raw.get("name"):
                    channel_names[str(raw["id"])] = str(raw["name"])

    folders = _day_folders(names, prefix)
    conversations: list[tuple[Conversation, str]] = []
    used: set[str] = set()
    for kind, raw in listed:
        conversation = _conversation(raw, kind, users=users, handles=handles, channels=channel_names)
        folder = next(
            (f for f in (str(raw.get("name") or ""), conversation.source_id) if f and f in folders), ""
        )
        if folder:
            used.add(folder)
        conversations.append((conversation, folder))
    for folder in sorted(set(folders) - used):
        # A folder of messages the metadata does not list (an export trimmed by hand): kept by its name.
        conversations.append((Conversation(source_id=folder, name=folder, kind=CHANNEL), folder))
    return _Export(
        prefix=prefix,
        users=users,
        handles=handles,
        conversations=conversations,
        channel_names=channel_names,
        files=_hosted_files(names),
        days=folders,
    )


def _load_list(archive: Archive, name: str, names: list[str]) -> list[Any]:
    """A small metadata file, read whole: a missing one is an empty list (Slack leaves groups, mpims
    and DMs out unless the plan allows them); an unreadable one stops the import with a reason."""
    if name not in names:
        return []
    try:
        with archive.open(name) as stream:
            data = json.load(stream)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotThisSource(
            f"{archive.name}: {name} is not valid JSON ({exc}); nothing was imported."
        ) from exc
    if not isinstance(data, list):
        raise NotThisSource(
            f"{archive.name}: {name} is not a list as Slack writes it; this does not look like a Slack export."
        )
    return data


def _user_author(raw: Mapping[str, Any]) -> Author:
    profile = raw.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or raw.get("real_name")
        or raw.get("name")
        or str(raw["id"])
    )
    return Author(
        source_id=str(raw["id"]),
        name=str(name),
        handle=str(raw.get("name") or ""),
        bot=bool(raw.get("is_bot") or raw.get("is_app_user") or raw["id"] == "USLACKBOT"),
    )


def _conversation(
    raw: Mapping[str, Any],
    kind: str,
    *,
    users: Mapping[str, Author],
    handles: Mapping[str, str],
    channels: Mapping[str, str],
) -> Conversation:
    members = tuple(str(m) for m in (raw.get("members") or []) if m)
    source_id = str(raw["id"])
    category = {CHANNEL: "public", "private": "private", GROUP_DIRECT: "group DM", DIRECT: "DM"}[kind]
    if kind == DIRECT:
        people = [users[m].name if m in users else m for m in members]
        name = "DM: " + " and ".join(people) if people else f"DM {source_id}"
    else:
        name = str(raw.get("name") or source_id)

    def text_of(field: str) -> str:
        value = raw.get(field)
        text = value.get("value", "") if isinstance(value, dict) else value or ""
        return slack_to_markdown(str(text), users=handles, channels=channels)

    return Conversation(
        source_id=source_id,
        name=name,
        kind=CHANNEL if kind == "private" else kind,
        topic=text_of("topic"),
        purpose=text_of("purpose"),
        category=category,
        member_ids=members,
        private=kind == "private",
    )


def _day_folders(names: list[str], prefix: str) -> dict[str, list[str]]:
    """Each conversation folder's day files (`general/2020-01-31.json`), oldest first."""
    folders: dict[str, list[str]] = {}
    for name in names:
        if not name.startswith(prefix):
            continue
        parts = name[len(prefix) :].split("/")
        if len(parts) == 2 and _DAY_FILE.match(parts[1]):
            folders.setdefault(parts[0], []).append(name)
    for days in folders.values():
        days.sort()
    return folders


def _hosted_files(names: list[str]) -> dict[str, str]:
    """Files an exporter downloaded into the archive, by Slack file id: slackdump writes them as
    `<channel>/attachments/<id>-<name>` or `__uploads/<id>/<name>`."""
    files: dict[str, str] = {}
    for name in names:
        parts = name.split("/")
        if len(parts) >= 2 and parts[-2] == "attachments" and "-" in parts[-1]:
            files.setdefault(parts[-1].split("-", 1)[0], name)
        elif len(parts) >= 3 and parts[-3] == "__uploads":
            files.setdefault(parts[-2], name)
    return files


def _read_conversation(
    archive: Archive,
    export: _Export,
    conversation: Conversation,
    folder: str,
    seen_authors: set[str],
) -> Iterator[Record]:
    for day in export.days.get(folder, []):
        yield from _read_day(archive, export, conversation, day, seen_authors)


def _read_day(
    archive: Archive,
    export: _Export,
    conversation: Conversation,
    day: str,
    seen_authors: set[str],
) -> Iterator[Record]:
    """One day file, message by message. A damaged file yields what came before the damage and a
    Skipped record saying where reading stopped; the other days are still read."""
    index = 0
    seen_ts: dict[str, str] = {}  # ts -> client_msg_id, for duplicates (a ts belongs to one day file)
    try:
        with archive.open(day) as stream:
            for index, raw in enumerate(ijson.items(stream, "item", use_float=True), start=1):
                if not isinstance(raw, dict):
                    yield Skipped(line=index, reason=f"{day}: message {index} is not a JSON object")
                    continue
                try:
                    records = list(_message(export, conversation, raw, day, index, seen_authors, seen_ts))
                except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
                    records = [
                        Skipped(
                            line=index,
                            reason=f"{day}: message {index} could not be read ({type(exc).__name__}: {exc})",
                            text=_start(raw),
                        )
                    ]
                yield from records
    except (
        ijson.JSONError,
        ijson.IncompleteJSONError,
        UnicodeDecodeError,
        zipfile.BadZipFile,
        OSError,
    ) as exc:
        yield Skipped(
            line=index + 1,
            reason=f"{day}: invalid JSON after message {index} ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); "
            "the rest of this day file was not read",
        )


def _message(
    export: _Export,
    conversation: Conversation,
    raw: Mapping[str, Any],
    day: str,
    index: int,
    seen_authors: set[str],
    seen_ts: dict[str, str],
) -> Iterator[Record]:
    ts = str(raw.get("ts") or "")
    try:
        at = slack_time(ts)
    except ValueError:
        yield Skipped(line=index, reason=f"{day}: message {index} has no valid timestamp", text=_start(raw))
        return
    client_id = str(raw.get("client_msg_id") or "")
    source_id = ts
    if ts in seen_ts:
        if seen_ts[ts] == client_id:
            yield Skipped(
                line=index, reason=f"{day}: message {ts} appears twice; read once", text=_start(raw)
            )
            return
        source_id = f"{ts}:{client_id or index}"  # two messages in one microsecond: both kept
    # Everything is read before anything is yielded or remembered: a message that cannot be read
    # (a field of an unexpected type) is skipped whole by the caller, leaving no half-told author.
    author_id = str(raw.get("user") or raw.get("bot_id") or "") or None
    new_authors: list[Author] = []
    if author_id and author_id not in seen_authors:
        new_authors.append(_author_from_message(author_id, raw))
    reactions = tuple(_reactions(raw.get("reactions")))
    for reaction in reactions:
        for reactor in reaction.author_ids:
            if reactor not in seen_authors and reactor not in {a.source_id for a in new_authors}:
                new_authors.append(Author(source_id=reactor, name=reactor))
    subtype = str(raw.get("subtype") or "")
    system = SYSTEM_SUBTYPES.get(subtype, "")
    deleted = subtype == "tombstone"
    text = "" if deleted else message_text(raw, handles=export.handles, channels=export.channel_names)
    if subtype == "me_message" and text:
        text = f"_{text}_"
    thread_ts = str(raw.get("thread_ts") or "")
    edited = raw.get("edited")
    edited_at = None
    if isinstance(edited, dict) and edited.get("ts"):
        try:
            edited_at = slack_time(str(edited["ts"]))
        except ValueError:
            edited_at = None
    item = Item(
        source_id=source_id,
        conversation_id=conversation.source_id,
        at=at,
        author_id=author_id,
        text=text,
        kind=SYSTEM if system else "message",
        system=system,
        thread_id=thread_ts if thread_ts and thread_ts != ts else None,
        edited_at=edited_at,
        deleted=deleted,
        attachments=tuple(_files(raw.get("files"), export)),
        reactions=reactions,
        line=index,
    )
    seen_ts[ts] = client_id
    for author in new_authors:
        seen_authors.add(author.source_id)
        export.handles.setdefault(author.source_id, author.handle or author.name)
        yield author
    yield item


def _start(raw: Mapping[str, Any]) -> str:
    return json.dumps(raw, ensure_ascii=False)[:200]


def _author_from_message(author_id: str, raw: Mapping[str, Any]) -> Author:
    """Someone users.json does not list (a shared channel's guest, a bot or an integration): named from
    what the message carries."""
    profile = raw.get("user_profile") or {}
    bot = raw.get("bot_profile") or {}
    if profile:
        name = profile.get("display_name") or profile.get("real_name") or profile.get("name") or author_id
        return Author(source_id=author_id, name=str(name), handle=str(profile.get("name") or ""))
    name = raw.get("username") or bot.get("name") or author_id
    return Author(source_id=author_id, name=str(name), bot=bool(bot or raw.get("bot_id")))


def _reactions(raw: Any) -> Iterator[Reaction]:
    for reaction in raw or []:
        if not isinstance(reaction, dict) or not reaction.get("name"):
            continue
        users = tuple(str(u) for u in reaction.get("users") or [])
        count = int(reaction.get("count") or len(users))
        yield Reaction(emoji=slack_emoji(str(reaction["name"])), author_ids=users, count=count)


def _files(raw: Any, export: _Export) -> Iterator[Attachment]:
    """Hosted files become uploads when the archive holds them, else links to Slack (which need the
    workspace's login to open); external ones (Google Drive...) stay links. Deleted files and those
    Slack hides beyond a free plan's limit have nothing left to carry over."""
    for file in raw or []:
        if not isinstance(file, dict) or file.get("mode") in ("tombstone", "hidden_by_limit"):
            continue
        name = str(file.get("title") or file.get("name") or file.get("id") or "file")
        size = file.get("size")
        external = bool(file.get("is_external")) or file.get("mode") == "external"
        path = "" if external else export.files.get(str(file.get("id") or ""), "")
        url = _without_token(
            str(
                file.get("external_url")
                or file.get("url_private")
                or file.get("url_private_download")
                or file.get("permalink")
                or ""
            )
        )
        if not path and not url:
            continue
        yield Attachment(
            name=name,
            path=path,
            url=url,
            size=int(size) if isinstance(size, int | float) else None,
            content_type=str(file.get("mimetype") or ""),
        )


def _without_token(url: str) -> str:
    """Slack's own export appends the exporting admin's access token to file links (`?t=xoxe-…`): it
    would open the whole workspace to anyone reading the imported chat, so it is removed."""
    if "?" not in url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "t"]
    return urlunsplit(parts._replace(query=urlencode(query)))
