"""Every DiscordChatExporter sample in ../shared/samples/discord parses without a crash, and what the
parser yields matches what the files hold, counted here straight from the raw JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from chat_exports_testing import SAMPLES, read, tally

from townhall.importers.sources.discord import DiscordSource

DISCORD = SAMPLES / "discord"
FILES = sorted(DISCORD.glob("*.json")) if DISCORD.is_dir() else []
WRITTEN = {"Default", "Reply"}

pytestmark = pytest.mark.skipif(
    not FILES, reason=f"the shared samples are not beside this checkout ({DISCORD})"
)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_sample_is_read_whole_and_its_counts_match(path: Path) -> None:
    raw = json.loads(path.read_text())
    unique = list({m["id"]: m for m in raw["messages"]}.values())
    found = tally(read(DiscordSource(), path))

    assert len(found.items) == len(unique)
    assert len(found.skipped) == len(raw["messages"]) - len(unique)
    assert len(found.messages) == sum(1 for m in unique if m["type"] in WRITTEN)
    assert len(found.system_events) == sum(1 for m in unique if m["type"] not in WRITTEN)
    assert {a.source_id for a in found.authors} == {m["author"]["id"] for m in unique}
    assert found.reactions == sum(len(m["reactions"]) for m in unique)
    assert [r.count for i in found.items for r in i.reactions] == [
        r["count"] for m in unique for r in m["reactions"]
    ]
    assert found.attachments == sum(len(m["attachments"]) for m in unique)
    assert sum(1 for i in found.items if i.reply_to_id) == sum(1 for m in unique if m.get("reference"))
    assert sum(1 for i in found.items if i.edited_at) == sum(1 for m in unique if m["timestampEdited"])
    assert [i.at for i in found.items] == [datetime.fromisoformat(m["timestamp"]) for m in unique]
    (conversation,) = found.conversations
    assert (conversation.source_id, conversation.name) == (raw["channel"]["id"], raw["channel"]["name"])
    assert found.threads == set()  # none of the samples is a thread


def test_the_server_sample_s_channel_duplicate_edit_stickers_and_reactions() -> None:
    found = tally(read(DiscordSource(), DISCORD / "chatanalytics_dce_SV_5A_5M.json"))

    (channel,) = found.conversations
    assert (channel.kind, channel.topic, channel.category) == (
        "channel",
        "discuss chiptune stuff here",
        "Chat",
    )
    (duplicate,) = found.skipped
    assert duplicate.line == 2 and "459136077417021488 appears twice" in duplicate.reason
    edited = found.item("459136077417021488")
    assert edited.at == datetime(2018, 5, 20, 16, 9, 44, 209000, tzinfo=UTC)
    assert edited.edited_at == datetime(2018, 5, 20, 16, 9, 56, 439000, tzinfo=UTC)
    assert found.author("555555555555555555").name == "Deleted User"
    assert found.author("111111111111111111").name == "mlomb"  # no nickname: the name
    with_files = found.item("447793085255123005")
    assert with_files.text == (
        "This message has attachments and stickers.\n\n"
        "Sticker: [Laugh](<https://discord.com/stickers/809207919115239525.png>)"
    )
    (png,) = with_files.attachments
    assert (png.name, png.url, png.size, png.content_type, png.path) == (
        "unknown.png",
        "https://cdn.discordapp.com/attachments/123/123/unknown.png",
        165152,
        "image/png",
        "",
    )
    reactions = found.item("447793085255123006").reactions
    assert [(r.emoji, r.count, r.author_ids) for r in reactions] == [(":paul:", 3, ()), ("❤", 2, ())]


def test_the_group_dm_sample_s_members_reply_and_system_events() -> None:
    found = tally(read(DiscordSource(), DISCORD / "chatanalytics_dce_GC_3A_5M.json"))

    (group,) = found.conversations
    assert group.kind == "group_direct"
    assert group.member_ids == ("222222222222222222", "333333333333333333", "111111111111111111")
    assert found.author("333333333333333333").name == "theplant"  # the nickname over the name
    assert found.author("333333333333333333").handle == "not a plant"
    assert found.item("530805779645595660").reply_to_id == "1064990824305274930"
    assert [(i.system, i.text) for i in found.system_events] == [
        ("renamed", "Changed the channel name."),
        ("icon", "Changed the channel icon."),
        ("call", "Started a call that lasted 113 minutes."),
    ]


def test_the_dm_sample_s_bot_call_and_unicode_reaction() -> None:
    found = tally(read(DiscordSource(), DISCORD / "chatanalytics_dce_DM_2A_2M.json"))

    (dm,) = found.conversations
    assert (dm.kind, dm.name) == ("direct", "Someones name")
    assert found.author("444444444444444444").bot
    assert found.item("530805779645595660").reactions[0].emoji == "👆"
    call = found.item("100")
    assert (call.kind, call.system, call.at) == (
        "system",
        "call",
        datetime(2020, 7, 17, 17, 3, 14, 366000, tzinfo=UTC),
    )
