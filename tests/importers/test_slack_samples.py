"""Every Slack sample in ../shared/samples/slack parses without a crash, and what the parser yields
matches what the files hold, counted here straight from the raw JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from chat_exports_testing import SAMPLES, read, tally, write_json

from townhall.importers.sources.slack import SlackSource

SLACK = SAMPLES / "slack"
SYSTEM_SUBTYPES = {"channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name"}

pytestmark = pytest.mark.skipif(
    not SLACK.is_dir(), reason=f"the shared samples are not beside this checkout ({SLACK})"
)


def as_slack_ts(moment: datetime) -> str:
    return f"{int(moment.timestamp())}.{moment.microsecond:06d}"


def raw_messages(folder: Path) -> list[dict[str, Any]]:
    return [m for day in sorted(folder.glob("*/*.json")) for m in json.loads(day.read_text())]


def raw_counts(root: Path) -> dict[str, Any]:
    users = json.loads((root / "users.json").read_text())
    messages = raw_messages(root)
    known = {u["id"] for u in users}
    extra_authors = {m.get("user") or m.get("bot_id") for m in messages} - known - {None}
    return {
        "authors": len(users) + len(extra_authors),
        "conversations": sum(
            len(json.loads((root / f).read_text()))
            for f in ("channels.json", "groups.json", "mpims.json", "dms.json")
        ),
        "messages": sum(1 for m in messages if m.get("subtype") not in SYSTEM_SUBTYPES),
        "system": sum(1 for m in messages if m.get("subtype") in SYSTEM_SUBTYPES),
        "replies": sum(1 for m in messages if m.get("thread_ts") and m["thread_ts"] != m["ts"]),
        "threads": {m["ts"] for m in messages if m.get("reply_count")},
        "reactions": sum(len(m.get("reactions") or []) for m in messages),
        "reactors": [tuple(r["users"]) for m in messages for r in m.get("reactions") or []],
        "files": sum(len(m.get("files") or []) for m in messages),
        "deleted": sum(1 for m in messages if m.get("subtype") == "tombstone"),
        "edited": sum(1 for m in messages if m.get("edited")),
        "first": min((m["ts"] for m in messages), key=Decimal),
        "last": max((m["ts"] for m in messages), key=Decimal),
    }


@pytest.mark.parametrize("name", ["slackdump_source_export.zip", "slackdump_source_export_dir"])
def test_the_workspace_export_is_read_whole_from_the_zip_and_from_the_folder(name: str) -> None:
    expected = raw_counts(SLACK / "slackdump_source_export_dir")
    found = tally(read(SlackSource(), SLACK / name))

    assert found.skipped == []
    assert len(found.authors) == expected["authors"] == 10
    assert len(found.conversations) == expected["conversations"] == 1
    assert len(found.messages) == expected["messages"] == 15
    assert len(found.system_events) == expected["system"] == 1
    assert sum(1 for i in found.items if i.thread_id) == expected["replies"] == 4
    assert found.threads == expected["threads"]
    assert found.reactions == expected["reactions"] == 0
    assert [r.author_ids for i in found.items for r in i.reactions] == expected["reactors"]
    assert found.attachments == expected["files"] == 2
    assert sum(1 for i in found.items if i.deleted) == expected["deleted"] == 1
    assert sum(1 for i in found.items if i.edited_at) == expected["edited"] == 1
    times = [i.at for i in found.items]
    assert as_slack_ts(min(times)) == expected["first"]
    assert as_slack_ts(max(times)) == expected["last"]
    assert min(times) == datetime(2025, 1, 10, 3, 8, 34, 897649, tzinfo=UTC)
    assert max(times) == datetime(2025, 1, 24, 10, 59, 2, 919259, tzinfo=UTC)


def test_the_sample_s_threads_channel_events_tombstone_files_and_bot_come_through() -> None:
    found = tally(read(SlackSource(), SLACK / "slackdump_source_export.zip"))

    (channel,) = found.conversations
    assert channel.source_id == "CO69735E8A"
    assert channel.name == "B75B4C7"
    assert channel.topic == "0g5UsT9gJoI0bJJIsXBWsTKEBh3sNcV4fyJeSEfkPxKiwRZ2x"
    assert channel.purpose.startswith("910QL4 jzCQmul1NI2aKsOOv9FNmCFGFDeoC")
    assert channel.member_ids == ("UOF82F39AE", "UO9EBC728B", "UOB5F987BF17")
    assert channel.category == "public"

    join = found.item("1736554636.807919")
    assert (join.kind, join.system, join.author_id) == ("system", "joined", "UOB5F987BF17")

    reply = found.item("1736554746.482349")
    assert reply.thread_id == "1736478630.905399"
    assert reply.at == datetime(2025, 1, 11, 0, 19, 6, 482349, tzinfo=UTC)
    assert found.item("1736478630.905399").thread_id is None

    tombstone = found.item("1736554828.343759")
    assert tombstone.deleted and tombstone.text == ""
    assert found.item("1736554838.911679").thread_id == "1736554828.343759"  # its reply survives

    gdoc = found.item("1736560990.444379").attachments[0]
    assert gdoc.path == "" and gdoc.url.startswith("dArIhHuPloeEMBnxoYE") and gdoc.size == 121616
    assert gdoc.content_type == "application/vnd.google-apps.document"
    photo_message = found.item("1736582524.607359")
    assert photo_message.text == ""
    (photo,) = photo_message.attachments
    assert photo.url.startswith("https://files.slack.com/") and photo.content_type == "image/jpeg"
    assert photo.name == "zYgi8k4UZoOBsdzOLnUbwSR cBEKTKNLGqjCx WNKZyDWkzdKKh 2VVY1m"

    bot_post = found.item("1737160363.583369")
    assert bot_post.edited_at == datetime(2025, 1, 18, 0, 32, 51, tzinfo=UTC)
    bot = found.author("UO0EC43A4792")  # not in users.json: named from the message's bot profile
    assert bot.bot and bot.name == "GioT4"
    assert found.author("UOF82F39AE").handle == "080EB6B"
    assert found.author("UOF82F39AE").name == "WgO268Xc0KtFylJ"  # no display name: the real name


def test_the_metadata_sample_gives_every_channel_group_dm_and_dm_with_members() -> None:
    root = SLACK / "slackdump_export_metadata"
    found = tally(read(SlackSource(), root))

    users = json.loads((root / "users.json").read_text())
    mpims = json.loads((root / "mpims.json").read_text())
    dms = json.loads((root / "dms.json").read_text())
    channels = json.loads((root / "channels.json").read_text())
    assert len(found.authors) == len(users) == 8
    assert found.items == [] and found.skipped == []
    kinds = [c.kind for c in found.conversations]
    assert kinds == ["channel"] * len(channels) + ["group_direct"] * len(mpims) + ["direct"] * len(dms)
    general = found.conversations[0]
    assert general.topic == "Company-wide announcements and work-based matters"
    group = found.conversations[2]
    assert group.name == "mpdm-smith--seymore.a--jane.d-1"
    assert group.member_ids == ("UGTRHT2SH", "UGTLW32F4", "UHC8YKG2W")
    assert group.purpose == "Group messaging with: @smith @seymore.a @jane.d"
    dm = found.conversations[4]
    assert dm.member_ids == tuple(dms[0]["members"])
    assert dm.name.startswith("DM: ")
    assert found.author("USLACKBOT").bot
    assert found.author("UGTLW32F4").name == "Seymore Arsehole"  # a deactivated member is still an author


def test_the_block_kit_bot_message_sample_reads_as_its_blocks(tmp_path: Path) -> None:
    message = json.loads((SLACK / "slackdump_bot_message.json").read_text())
    write_json(tmp_path / "users.json", [])
    write_json(tmp_path / "channels.json", [{"id": "C1", "name": "polls"}])
    write_json(tmp_path / "polls" / "2023-02-22.json", [message])

    found = tally(read(SlackSource(), tmp_path))

    (item,) = found.items
    assert item.author_id == "BUEBX9AUR"
    assert found.author("BUEBX9AUR").bot
    assert item.at == datetime(2023, 2, 22, 1, 33, 51, 29259, tzinfo=UTC)
    assert item.edited_at == datetime(2023, 2, 22, 8, 23, 56, tzinfo=UTC)
    assert item.text == (
        "**Poll title**\n\n"
        "1️⃣ this is one    `8`\n"
        "@U12345678, @U12345679, @U12345680, @U12345681, @U12345682, @U12345683, @U12345684, @U12345685\n\n"
        "2️⃣ this is two    `3`\n"
        "@U12345687, @U12346720, @U12345686\n\n"
        "Created by @U12345678 with /poll"
    )


def test_the_zip_and_its_unpacked_folder_give_the_same_records() -> None:
    assert read(SlackSource(), SLACK / "slackdump_source_export.zip") == read(
        SlackSource(), SLACK / "slackdump_source_export_dir"
    )
