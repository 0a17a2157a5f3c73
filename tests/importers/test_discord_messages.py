"""The Discord parser feature by feature, on small DiscordChatExporter files written by each test."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chat_exports_testing import read, tally, write_json, write_zip

from townhall.importers.archive import ArchiveError, open_archive
from townhall.importers.sources.base import NotThisSource
from townhall.importers.sources.discord import DiscordSource
from townhall.importers.sources.markup import discord_to_markdown

GUILD = {"id": "900", "name": "Makers", "iconUrl": ""}
ALICE = {"id": "1", "name": "alice", "discriminator": "0000", "nickname": "Alice", "isBot": False}
BOB = {"id": "2", "name": "bob", "discriminator": "0000", "nickname": "Bob", "isBot": False}


def channel(
    channel_id: str = "10", name: str = "general", kind: str = "GuildTextChat", **extra: Any
) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": kind,
        "categoryId": "5",
        "category": "Talk",
        "name": name,
        "topic": None,
        **extra,
    }


def export(messages: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {
        "guild": header.get("guild", GUILD),
        "channel": header.get("channel", channel()),
        "dateRange": {"after": None, "before": None},
        "messages": messages,
        "messageCount": len(messages),
    }


def message(
    message_id: str, content: str = "", author: dict[str, Any] = ALICE, **extra: Any
) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "Default",
        "timestamp": "2024-03-01T10:00:00.000+00:00",
        "timestampEdited": None,
        "isPinned": False,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        **extra,
    }


def test_times_keep_their_offset_and_name_the_exact_instant(tmp_path: Path) -> None:
    data = export(
        [
            message(
                "20",
                "hi",
                timestamp="2024-03-01T12:30:05.123+02:00",
                timestampEdited="2024-03-01T10:31:00+00:00",
            )
        ]
    )
    found = tally(read(DiscordSource(), write_json(tmp_path / "general.json", data)))

    (item,) = found.items
    assert item.at == datetime(2024, 3, 1, 10, 30, 5, 123000, tzinfo=UTC)
    assert item.at.utcoffset() == timedelta(hours=2)
    assert item.edited_at == datetime(2024, 3, 1, 10, 31, tzinfo=UTC)


def test_a_thread_is_kept_as_a_thread_of_its_parent_channel(tmp_path: Path) -> None:
    parent = export(
        [
            message("20", "shall we plan?"),
            message(
                "21",
                "Started a thread.",
                type="ThreadCreated",
                reference={"messageId": None, "channelId": "20"},
            ),
        ],
        channel=channel(topic="Plans"),
    )
    thread = export(
        [
            message("30", "first in thread", author=BOB),
            message("31", "second", reference={"messageId": "30", "channelId": "20"}),
        ],
        channel=channel("20", "Planning", "GuildPublicThread", categoryId="10", category="general"),
    )
    archive = write_zip(
        tmp_path / "makers.zip",
        {"Makers - general - Planning [20].json": thread, "Makers - general [10].json": parent},
    )
    found = tally(read(DiscordSource(), archive))

    (general,) = found.conversations  # the thread's file names the same channel: one conversation
    assert (general.source_id, general.name, general.topic) == ("10", "general", "Plans")
    assert [(i.source_id, i.conversation_id, i.thread_id, i.thread_name) for i in found.items] == [
        ("20", "10", None, ""),
        ("21", "10", None, ""),
        ("30", "10", "20", "Planning"),
        ("31", "10", "20", "Planning"),
    ]
    assert found.item("21").system == "thread_created" and found.item("21").reply_to_id is None
    assert found.item("31").reply_to_id == "30"


def test_a_forum_post_s_first_message_is_its_root(tmp_path: Path) -> None:
    post = export(
        [message("40", "How do I solder?"), message("41", "Flux first.", author=BOB)],
        channel=channel("40", "Soldering help", "GuildPublicThread", categoryId="11", category="help-forum"),
    )
    found = tally(read(DiscordSource(), write_json(tmp_path / "post.json", post)))

    (forum,) = found.conversations
    assert (forum.source_id, forum.name, forum.category) == ("11", "help-forum", "Makers")
    root, answer = found.items
    assert (root.thread_id, root.thread_name) == (None, "Soldering help")
    assert (answer.thread_id, answer.thread_name) == ("40", "Soldering help")


def test_reactions_with_who_reacted_bring_those_people_as_authors(tmp_path: Path) -> None:
    reactions = [
        {"emoji": {"id": "", "name": "👍", "code": "thumbsup"}, "count": 2, "users": [BOB, {"id": "3", "name": "cy", "isBot": False}]},
        {"emoji": {"id": "77", "name": "party", "code": "party"}, "count": 1, "users": [ALICE]},
    ]  # fmt: skip
    found = tally(
        read(
            DiscordSource(),
            write_json(tmp_path / "c.json", export([message("20", "yay", reactions=reactions)])),
        )
    )

    assert [(r.emoji, r.author_ids, r.count) for r in found.items[0].reactions] == [
        ("👍", ("2", "3"), 2),
        (":party:", ("1",), 1),
    ]
    assert {a.source_id for a in found.authors} == {"1", "2", "3"}
    assert found.author("3").name == "cy"


def test_downloaded_media_become_uploads_and_the_rest_stay_links(tmp_path: Path) -> None:
    attachments = [
        {"id": "1", "url": "general.json_Files/cat-5F2A.png", "fileName": "cat.png", "fileSizeBytes": 3},
        {"id": "2", "url": "https://cdn.discordapp.com/attachments/1/2/notes.pdf", "fileName": "notes.pdf", "fileSizeBytes": 9},
        {"id": "3", "url": "general.json_Files/missing.txt", "fileName": "missing.txt", "fileSizeBytes": 1},
    ]  # fmt: skip
    members = {
        "export/general.json": export([message("20", "files", attachments=attachments)]),
        "export/general.json_Files/cat-5F2A.png": b"png",
    }
    found = tally(read(DiscordSource(), write_zip(tmp_path / "media.zip", members)))

    cat, notes, missing = found.items[0].attachments
    assert (cat.name, cat.path, cat.url, cat.content_type, cat.size) == (
        "cat.png",
        "export/general.json_Files/cat-5F2A.png",
        "",
        "image/png",
        3,
    )
    assert (notes.path, notes.url) == ("", "https://cdn.discordapp.com/attachments/1/2/notes.pdf")
    assert (missing.path, missing.url) == ("", "general.json_Files/missing.txt")


def test_embeds_forwards_and_slash_commands_are_written_out(tmp_path: Path) -> None:
    card = {
        "title": "Release 2.0",
        "url": "https://example.org/r2",
        "description": "Faster **builds**",
        "fields": [{"name": "Size", "value": "12 MB", "isInline": True}],
        "footer": {"text": "CI"},
    }
    preview = {"title": "Example", "url": "https://example.org", "description": "A page"}
    messages = [
        message("20", "see https://example.org", embeds=[card, preview]),
        message(
            "21",
            "",
            reference={"type": "Forward", "messageId": "5", "channelId": "10"},
            forwardedMessage={"content": "original words", "embeds": [], "attachments": [], "stickers": []},
        ),
        message("22", "Pong!", type="ChatInputCommand", interaction={"id": "9", "name": "ping", "user": BOB}),
    ]
    found = tally(read(DiscordSource(), write_json(tmp_path / "c.json", export(messages))))

    card_message, forward, command = found.items
    assert card_message.text == (
        "see https://example.org\n\n"
        "> **[Release 2.0](<https://example.org/r2>)**\n> Faster **builds**\n> **Size**: 12 MB\n> CI"
    )
    assert (forward.forwarded_from, forward.reply_to_id, forward.text) == (
        "#general",
        None,
        "> original words",
    )
    assert (command.kind, command.text) == ("message", "*@bob used /ping*\n\nPong!")


def test_system_messages_are_events_not_posts(tmp_path: Path) -> None:
    kinds = [
        "RecipientAdd",
        "RecipientRemove",
        "ChannelPinnedMessage",
        "GuildMemberJoin",
        "Call",
        "21",
        "UserPremiumGuildSubscription",
    ]
    messages = [message(str(20 + n), f"event {kind}", type=kind) for n, kind in enumerate(kinds)]
    found = tally(read(DiscordSource(), write_json(tmp_path / "c.json", export(messages))))

    assert [(i.kind, i.system) for i in found.items] == [
        ("system", "added"),
        ("system", "removed"),
        ("system", "pinned"),
        ("system", "joined"),
        ("system", "call"),
        ("message", ""),  # 21: a thread's starter message, numbered by an older exporter
        ("system", "user_premium_guild_subscription"),
    ]


def test_discord_markup_becomes_markdown() -> None:
    handles = {"1": "alice", "2": "bob"}
    text = (
        "hey <@1> and <@!2> and <@99>, see <#10> and <#77>, <@&5> <:blobwave:123> <a:dance:456> "
        "at <t:1709287200:f> (<t:1709287200:R>, <t:1709287200:d>) run </deploy:42> ||secret|| "
        "`<@1> stays` **bold** ~~gone~~"
    )
    assert discord_to_markdown(text, users=handles.get, channels={"10": "general"}, roles={"5": "mods"}) == (
        "hey @alice and @bob and @99, see #general and #77, @mods :blobwave: :dance: "
        "at 01 March 2024 10:00 UTC (2024-03-01 10:00 UTC, 2024-03-01 UTC) run /deploy ||secret|| "
        "`<@1> stays` **bold** ~~gone~~"
    )


def test_raw_mentions_in_an_export_name_the_people_it_knows(tmp_path: Path) -> None:
    messages = [
        message("20", "thanks <@2> and <@3>", mentions=[{"id": "3", "name": "cy", "nickname": "Cy"}]),
        message("21", "ok", author=BOB),
    ]
    found = tally(read(DiscordSource(), write_json(tmp_path / "c.json", export(messages))))

    assert found.items[0].text == "thanks @bob and @cy"


def test_direct_messages_name_their_members(tmp_path: Path) -> None:
    dm = export(
        [message("20", "hi"), message("21", "hello", author=BOB)],
        guild={"id": "0", "name": "Direct Messages"},
        channel=channel("10", "bob", "DirectTextChat", categoryId="0", category="Private"),
    )
    found = tally(read(DiscordSource(), write_json(tmp_path / "dm.json", dm)))

    (conversation,) = found.conversations
    assert (conversation.kind, conversation.member_ids) == ("direct", ("1", "2"))


def test_reading_twice_gives_the_same_records(tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", export([message("20", "a"), message("21", "b", author=BOB)]))

    assert read(DiscordSource(), path) == read(DiscordSource(), path)


def test_a_zip_of_exports_skips_other_json_with_a_reason(tmp_path: Path) -> None:
    members = {"general.json": export([message("20", "a")]), "notes.json": {"hello": "world"}}
    found = tally(read(DiscordSource(), write_zip(tmp_path / "two.zip", members)))

    assert len(found.items) == 1
    (skipped,) = found.skipped
    assert "notes.json is not a DiscordChatExporter JSON export" in skipped.reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            '{"guild": {"id": "1"}, "channel": {"id": "2"}, "messages": [{"id": "3", "content": "cut of',
            "not valid JSON after message 0",
        ),
        ("not json at all", "not valid JSON .*it is not a DiscordChatExporter export"),
        ("[]", "is not a DiscordChatExporter JSON export"),
        ("{}", "is not a DiscordChatExporter JSON export"),
        (
            '{"name": "Family", "type": "private_group", "id": 1, "messages": []}',
            "is not a DiscordChatExporter JSON export",
        ),
    ],
)
def test_what_is_not_a_discord_export_is_refused_with_a_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "upload.json"
    path.write_text(content)
    with pytest.raises(NotThisSource, match=reason) as refused:
        read(DiscordSource(), path)
    assert "upload.json" in str(refused.value)


def test_a_slack_zip_is_not_a_discord_export(tmp_path: Path) -> None:
    slack = write_zip(
        tmp_path / "slack.zip", {"users.json": [], "channels.json": [], "general/2024-03-01.json": []}
    )
    with pytest.raises(NotThisSource, match="holds no DiscordChatExporter JSON file"):
        read(DiscordSource(), slack)


def test_a_damaged_file_stops_before_anything_is_yielded(tmp_path: Path) -> None:
    good = json.dumps(export([message("20", "a")]))
    archive = write_zip(tmp_path / "mixed.zip", {"a.json": good, "b.json": good[:-20]})
    records = DiscordSource().read(open_archive(archive), zone=ZoneInfo("UTC"))
    with pytest.raises(NotThisSource, match=r"b\.json is not valid JSON"):
        next(iter(records))


def test_empty_files_and_unsafe_zips_are_refused_before_parsing(tmp_path: Path) -> None:
    empty = tmp_path / "channel.json"
    empty.write_bytes(b"")
    with pytest.raises(ArchiveError, match="is empty"):
        read(DiscordSource(), empty)

    traversal = write_zip(tmp_path / "evil.zip", {"../../general.json": export([])})
    with pytest.raises(ArchiveError, match="unsafe path"):
        read(DiscordSource(), traversal)


def test_a_repeated_message_is_read_once_wherever_it_repeats(tmp_path: Path) -> None:
    in_order = [message("20", "a"), message("21", "b"), message("21", "b"), message("22", "c")]
    out_of_order = [message("30", "a"), message("20", "b"), message("30", "a"), message("25", "c")]
    for name, messages in (("ordered.json", in_order), ("unordered.json", out_of_order)):
        found = tally(read(DiscordSource(), write_json(tmp_path / name, export(messages))))

        assert len(found.items) == 3
        (skipped,) = found.skipped
        assert skipped.line == 3 and "appears twice; read once" in skipped.reason


def test_the_converted_text_renders_as_discord_showed_it() -> None:
    from townhall.core.markdown import render_markdown

    text = "**bold** *it* ~~gone~~ <@1> <t:1709287200:t> `<@1>` [site](https://x.org) <script>"
    html = render_markdown(discord_to_markdown(text, users={"1": "alice"}.get, channels={}), hard_breaks=True)

    assert "<strong>bold</strong> <em>it</em> <s>gone</s> @alice 10:00 UTC <code>&lt;@1&gt;</code>" in html
    assert 'href="https://x.org"' in html
    assert "&lt;script&gt;" in html and "<script" not in html
