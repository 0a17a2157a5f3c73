"""Every Telegram sample export parses, and what the parser found is what the file holds.

The expected figures are counted here from the raw JSON, independently of the parser; the chat-miner
project's expected output serves as an oracle for its two input files.
"""

from __future__ import annotations

import json
from datetime import UTC
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from telegram_testing import SAMPLES, authors, conversations, items, read, skipped

from townhall.core.markdown import render_markdown
from townhall.importers.sources.base import MESSAGE, SYSTEM, Author, Conversation, Item

EXPORTS = sorted(p for p in SAMPLES.glob("*.json") if not p.name.endswith("_expected_target.json"))


def raw_chats(data: dict[str, Any]) -> list[dict[str, Any]]:
    if "messages" in data:
        return [data]
    return [*data.get("chats", {}).get("list", []), *data.get("left_chats", {}).get("list", [])]


def person(raw_id: Any, name: Any) -> str | None:
    if isinstance(raw_id, str) and raw_id:
        return raw_id
    if isinstance(raw_id, int):
        return f"user{raw_id}"
    return name or None


def expected(data: dict[str, Any]) -> dict[str, Any]:
    """The figures the file holds, counted from its JSON."""
    people: set[str] = set()
    owner = data.get("personal_information", {}).get("user_id")
    counts = {"messages": 0, "system": 0, "replies": 0, "attachments": 0, "reactions": 0, "conversations": 0}
    for c in raw_chats(data):
        counts["conversations"] += 1
        if c.get("type") in ("personal_chat", "bot_chat") and c.get("id") is not None:
            people.add(f"user{c['id']}")
            if owner is not None:
                people.add(f"user{owner}")
        for m in c["messages"]:
            service = m["type"] == "service"
            counts["system" if service else "messages"] += 1
            who = (
                person(m.get("actor_id"), m.get("actor"))
                if service
                else person(m.get("from_id"), m.get("from"))
            )
            if who:
                people.add(who)
            counts["replies"] += "reply_to_message_id" in m
            counts["attachments"] += isinstance(m.get("photo"), str) + isinstance(m.get("file"), str)
            for r in m.get("reactions", []):
                counts["reactions"] += 1
                people.update(person(p.get("from_id"), p.get("from")) for p in r.get("recent", []))
    counts["authors"] = len(people)
    return counts


@pytest.mark.parametrize("path", EXPORTS, ids=[p.name for p in EXPORTS])
def test_every_sample_parses_and_its_counts_match(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    records = read(path)
    found = items(records)
    want = expected(data)
    assert skipped(records) == []
    assert len(conversations(records)) == want["conversations"]
    assert sum(i.kind == MESSAGE for i in found) == want["messages"]
    assert sum(i.kind == SYSTEM for i in found) == want["system"]
    assert len(authors(records)) == want["authors"]
    assert len({a.source_id for a in authors(records)}) == want["authors"]
    assert sum(i.reply_to_id is not None for i in found) == want["replies"]
    assert sum(len(i.attachments) for i in found) == want["attachments"]
    assert sum(len(i.reactions) for i in found) == want["reactions"]


@pytest.mark.parametrize("path", EXPORTS, ids=[p.name for p in EXPORTS])
def test_records_come_in_order_of_dependence(path: Path) -> None:
    """Every item names a conversation and an author that came before it; source ids are unique
    within their conversation; every time is aware."""
    seen_people: set[str] = set()
    seen_chats: set[str] = set()
    ids: set[tuple[str, str]] = set()
    for record in read(path):
        if isinstance(record, Author):
            seen_people.add(record.source_id)
        elif isinstance(record, Conversation):
            assert set(record.member_ids) <= seen_people
            seen_chats.add(record.source_id)
        elif isinstance(record, Item):
            assert record.conversation_id in seen_chats
            assert record.author_id is None or record.author_id in seen_people
            assert record.at.tzinfo is not None
            assert (record.conversation_id, record.source_id) not in ids
            ids.add((record.conversation_id, record.source_id))


def test_the_big_sample_keeps_every_message_time_and_author() -> None:
    path = SAMPLES / "chatanalytics_tg_BIG_20A_5475M_synthetic_faker.json"
    raw = json.loads(path.read_text(encoding="utf-8"))["messages"]
    found = items(read(path))
    assert len(found) == len(raw) == 5475
    assert len(authors(read(path))) == 20
    for item, m in zip(found, raw, strict=True):
        assert item.source_id == str(m["id"])
        assert item.author_id == f"user{m['from_id']}"
        # "2017-01-01T06:20:09.248Z" carries its own zone: the zone given to the parser is not used.
        assert item.at.astimezone(UTC).isoformat(timespec="milliseconds") == m["date"].replace("Z", "+00:00")
        assert unescape(render_markdown(item.text, hard_breaks=True)) == f"<p>{m['text']}</p>\n"


def test_date_only_and_unixtime_only_messages_in_one_chat() -> None:
    """The DM sample mixes messages with only `date` (local: the zone given) and only `date_unixtime`."""
    found = {i.source_id: i for i in items(read(SAMPLES / "chatanalytics_tg_DM_2A_7M.json"))}
    assert found["3645"].at.isoformat() == "2022-03-08T13:07:42+01:00"  # Berlin in March
    assert found["3662"].at.isoformat() == "2022-05-09T22:23:53+00:00"  # 1652135033
    # Both present: the epoch wins (23:11:02 local in the file, 1691719862 = 02:11:02 UTC).
    assert found["3674"].at.isoformat() == "2023-08-11T02:11:02+00:00"
    assert (found["3674"].kind, found["3674"].system) == (SYSTEM, "call")
    assert found["3674"].text == "Alice called (56 s, hangup)"
    assert (found["2675"].system, found["2675"].text) == ("joined_telegram", "Bob joined Telegram")
    photo = found["3672"].attachments
    assert [(a.name, a.path) for a in photo] == [("photo.jpg", "")]  # not included in the export


def test_whole_account_export_keeps_every_chat_apart() -> None:
    records = read(SAMPLES / "chatanalytics_tg_MultiChat_2C_6M_full_account_export.json")
    chats = {c.source_id: c for c in conversations(records)}
    assert {k: (c.name, c.kind, c.category) for k, c in chats.items()} == {
        "700000001": ("Chat One", "direct", "personal_chat"),
        "700000002": ("Chat Two", "channel", "private_group"),
    }
    # The DM's people: the peer (the chat's id) and the account's owner (personal_information).
    assert chats["700000001"].member_ids == ("user700000001", "user100000001")
    owner = next(a for a in authors(records) if a.source_id == "user100000001")
    assert owner.name == "Test User"
    assert [(i.conversation_id, i.source_id) for i in items(records)] == [
        ("700000001", "1001"), ("700000001", "1002"),
        ("700000002", "2001"), ("700000002", "2002"), ("700000002", "2003"), ("700000002", "2004"),
    ]  # fmt: skip


def as_text(markdown: str) -> str:
    """What a reader sees: the rendered Markdown without its tags."""
    import re

    return unescape(re.sub(r"<[^>]+>", "", render_markdown(markdown, hard_breaks=True))).strip()


@pytest.mark.parametrize(
    "name", ["chatminer_telegram_single_chat_result.json", "chatminer_telegram_batch_all_chats_result.json"]
)
def test_chat_miner_oracle(name: str) -> None:
    """chat-miner's expected parse (timestamp, author, message) of its two inputs. Times agree (chat-miner
    writes the UTC time of `date_unixtime` without a zone) and authors agree. Its message joins the
    parts of a formatted text with a space ("Link: https://…"); the file holds "Link:" and the link
    with nothing between them, and Telegram shows "Link:https://…": that is what we keep (bold and
    the link as Markdown), so the oracle's text is compared with that one space taken out."""
    target = json.loads((SAMPLES / "chatminer_telegram_expected_target.json").read_text(encoding="utf-8"))
    records = read(SAMPLES / name)
    found = items(records)
    names = {a.source_id: a.name for a in authors(records)}
    assert len(found) == len(target)
    for item, row in zip(found, target, strict=True):
        assert item.at.astimezone(UTC).replace(tzinfo=None).isoformat() == row["timestamp"]
        assert item.author_id is not None and names[item.author_id] == row["author"]
        shown = as_text(item.text)
        assert shown == row["message"] or shown == row["message"].replace("Link: https", "Link:https")
    assert found[1].text == "**Link:**<https://telegram.org/>"
    assert "<strong>Link:</strong>" in render_markdown(found[1].text)
