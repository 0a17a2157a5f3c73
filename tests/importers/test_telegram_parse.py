"""The Telegram parser on small exports written in each test: one behaviour each."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram_testing import authors, chat, conversations, items, message, one, read, skipped, write

from townhall.importers.archive import FileArchive, FolderArchive, open_archive
from townhall.importers.sources.base import CHANNEL, DIRECT, SYSTEM, NotThisSource
from townhall.importers.sources.telegram import TelegramSource, find_result_json


def test_dates_local_with_the_given_zone_epoch_in_utc_epoch_preferred(tmp_path: Path) -> None:
    local = {
        "id": 1,
        "type": "message",
        "date": "2024-07-01T09:30:00",
        "from": "Ana",
        "from_id": "user1",
        "text": "a",
    }
    epoch = {
        "id": 2,
        "type": "message",
        "date_unixtime": 1719826200,
        "from": "Ana",
        "from_id": "user1",
        "text": "b",
    }
    both = {**local, "id": 3, "date_unixtime": "1719826200"}
    found = items(read(write(tmp_path, chat(local, epoch, both)), zone=ZoneInfo("America/Sao_Paulo")))
    assert [i.at.isoformat() for i in found] == [
        "2024-07-01T09:30:00-03:00", "2024-07-01T09:30:00+00:00", "2024-07-01T09:30:00+00:00",
    ]  # fmt: skip


def test_edited_reply_forwarded(tmp_path: Path) -> None:
    item = one(
        tmp_path,
        message(
            7, "re", reply_to_message_id=5, forwarded_from="Night Sky Channel",
            edited="2024-03-01T12:00:00", edited_unixtime="1709294400",
        ),
    )  # fmt: skip
    assert (item.source_id, item.reply_to_id, item.forwarded_from) == ("7", "5", "Night Sky Channel")
    assert item.edited_at is not None and item.edited_at.isoformat() == "2024-03-01T12:00:00+00:00"
    hidden = one(tmp_path, message(8, forwarded_from=None))
    assert hidden.forwarded_from == "a hidden account"


def test_a_reply_to_another_chat_is_not_a_reply_here(tmp_path: Path) -> None:
    assert one(tmp_path, message(9, reply_to_message_id=5, reply_to_peer_id="channel77")).reply_to_id is None


def test_authors_users_channels_bare_numbers_names_and_deleted_accounts(tmp_path: Path) -> None:
    records = read(
        write(
            tmp_path,
            chat(
                message(1, from_="x"),
                message(2, **{"from": "Sky News", "from_id": "channel9"}),
                message(3, **{"from": "Bo", "from_id": 12}),
                message(4, **{"from": None, "from_id": "user66"}),
                {"id": 5, "type": "message", "date_unixtime": "1", "from": "Only A Name", "text": "x"},
            ),
        )
    )
    assert [(a.source_id, a.name) for a in authors(records)] == [
        ("user1", "Ana"), ("channel9", "Sky News"), ("user12", "Bo"), ("user66", "Deleted Account"),
        ("Only A Name", "Only A Name"),
    ]  # fmt: skip
    assert [i.author_id for i in items(records)] == ["user1", "channel9", "user12", "user66", "Only A Name"]


@pytest.mark.parametrize(
    ("service", "code", "text"),
    [
        ({"action": "create_group", "title": "Astro", "members": ["Ana", "Bo"]}, "created",
         "Ana created the group “Astro” with Ana, Bo"),
        ({"action": "invite_members", "members": ["Bo", "Cy"]}, "added", "Ana added Bo, Cy"),
        ({"action": "invite_members", "members": ["Ana"]}, "joined", "Ana joined the group"),
        ({"action": "remove_members", "members": ["Bo"]}, "removed", "Ana removed Bo"),
        ({"action": "remove_members", "members": ["Ana"]}, "left", "Ana left the group"),
        ({"action": "join_group_by_link", "inviter": "Group"}, "joined", "Ana joined the group by invite link from Group"),
        ({"action": "edit_group_title", "title": "Deep *sky*"}, "renamed", r"Ana renamed the group to “Deep \*sky\*”"),
        ({"action": "pin_message", "message_id": 3}, "pinned", "Ana pinned a message"),
        ({"action": "phone_call", "duration_seconds": 3725, "discard_reason": "hangup"}, "call",
         "Ana called (1 h 2 min, hangup)"),
        ({"action": "edit_group_photo", "photo": "photos/p.jpg"}, "photo_changed", "Ana changed the group photo"),
        ({"action": "brand_new_thing"}, "brand_new_thing", "Ana brand new thing"),
    ],
)  # fmt: skip
def test_service_messages_are_system_items(
    tmp_path: Path, service: dict[str, object], code: str, text: str
) -> None:
    raw = {
        "id": 4,
        "type": "service",
        "date_unixtime": "1709287200",
        "actor": "Ana",
        "actor_id": "user1",
        "text": "",
        **service,
    }
    item = one(tmp_path, raw)
    assert (item.kind, item.system, item.text, item.author_id) == (SYSTEM, code, text, "user1")
    if service["action"] == "pin_message":
        assert item.reply_to_id == "3"


def test_files_in_the_export_folder_keep_their_path_others_their_name(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "photo_1@01-03-2024_10-00-00.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "notes.pdf").write_bytes(b"%PDF")
    write(
        tmp_path,
        chat(
            message(1, "", photo="photos/photo_1@01-03-2024_10-00-00.jpg", photo_file_size=2),
            message(2, "pdf", file="files/notes.pdf", file_name="notes.pdf", mime_type="application/pdf", file_size=4),
            message(3, "", file="(File not included. Change data exporting settings to download.)",
                    file_name="talk.mp4", media_type="video_file", mime_type="video/mp4"),
            message(4, "", photo="(File not included. Change data exporting settings to download.)"),
            message(5, "", file="files/missing.ogg", media_type="voice_message", mime_type="audio/ogg"),
        ),
    )  # fmt: skip
    found = list(TelegramSource().read(FolderArchive(tmp_path), zone=ZoneInfo("UTC")))
    got = [(a.name, a.path, a.size, a.content_type) for i in items(found) for a in i.attachments]
    assert got == [
        ("photo_1@01-03-2024_10-00-00.jpg", "photos/photo_1@01-03-2024_10-00-00.jpg", 2, "image/jpeg"),
        ("notes.pdf", "files/notes.pdf", 4, "application/pdf"),
        ("talk.mp4", "", None, "video/mp4"),
        ("photo.jpg", "", None, "image/jpeg"),
        ("missing.ogg", "", None, "audio/ogg"),
    ]


def test_an_export_folder_inside_a_zip(tmp_path: Path) -> None:
    data = chat(message(1, "", photo="photos/p.jpg"))
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as z:
        z.writestr("ChatExport_2024-03-01/result.json", json.dumps(data))
        z.writestr("ChatExport_2024-03-01/photos/p.jpg", b"\xff\xd8")
    found = items(read(tmp_path / "export.zip"))
    assert found[0].attachments[0].path == "ChatExport_2024-03-01/photos/p.jpg"


def test_stickers_with_their_file_are_attachments_without_it_a_line(tmp_path: Path) -> None:
    (tmp_path / "stickers").mkdir()
    (tmp_path / "stickers" / "s.webp").write_bytes(b"RIFF")
    write(
        tmp_path,
        chat(
            message(1, "", file="stickers/s.webp", media_type="sticker", sticker_emoji="🔭"),
            message(2, "", file="(File not included. Change data exporting settings to download.)",
                    media_type="sticker", sticker_emoji="🌙"),
        ),
    )  # fmt: skip
    found = items(list(TelegramSource().read(FolderArchive(tmp_path), zone=ZoneInfo("UTC"))))
    assert [(a.name, a.path) for a in found[0].attachments] == [("s.webp", "stickers/s.webp")]
    assert (found[1].attachments, found[1].text) == ((), "🌙 (sticker)")


def test_polls_reactions_contacts_and_places(tmp_path: Path) -> None:
    poll = {"question": "Best target?", "closed": False, "total_voters": 3,
            "answers": [{"text": "M31", "voters": 2, "chosen": True}, {"text": "M42", "voters": 1, "chosen": False}]}  # fmt: skip
    reactions = [
        {"type": "emoji", "count": 3, "emoji": "👍",
         "recent": [{"from": "Bo", "from_id": "user2", "date": "2024-03-01T10:01:00"}]},
        {"type": "custom_emoji", "count": 1, "document_id": "stickers/emoji_77.webp"},
        {"type": "paid", "count": 5},
    ]  # fmt: skip
    records = read(
        write(
            tmp_path,
            chat(
                message(1, "", poll=poll, reactions=reactions),
                message(
                    2,
                    "",
                    contact_information={"first_name": "Ana", "last_name": "Lee", "phone_number": "+1 555"},
                ),
                message(
                    3,
                    "",
                    location_information={"latitude": 48.2, "longitude": 16.3},
                    place_name="Observatory",
                ),
            ),
        )
    )
    found = items(records)
    assert found[0].poll is not None
    assert (found[0].poll.question, found[0].poll.options) == ("Best target?", (("M31", 2), ("M42", 1)))
    assert [(r.emoji, r.author_ids, r.count) for r in found[0].reactions] == [
        ("👍", ("user2",), 3), (":custom_emoji_emoji_77.webp:", (), 1), ("⭐", (), 5),
    ]  # fmt: skip
    assert "user2" in {a.source_id for a in authors(records)}  # a reactor who never wrote
    assert found[1].text == "Contact: Ana Lee, +1 555"
    assert found[2].text == "Location: Observatory <https://www.openstreetmap.org/?mlat=48.2&mlon=16.3>"


def test_text_entities_win_over_text(tmp_path: Path) -> None:
    item = one(tmp_path, message(1, "plain", text_entities=[{"type": "bold", "text": "plain"}]))
    assert item.text == "**plain**"


def test_whole_account_export_with_left_chats_and_a_bot(tmp_path: Path) -> None:
    data = {
        "personal_information": {"user_id": 1, "first_name": "Ana", "username": "ana_sky"},
        "contacts": {"list": [{"first_name": "Zed", "phone_number": "+1"}]},
        "chats": {"list": [
            {"name": "Bo", "type": "personal_chat", "id": 2, "messages": [message(1, **{"from": "Bo", "from_id": "user2"})]},
            {"name": "Sky bot", "type": "bot_chat", "id": 3, "messages": []},
            {"name": "Club", "type": "public_supergroup", "id": 10, "messages": [message(1)]},
        ]},
        "left_chats": {"list": [{"name": "Old club", "type": "private_group", "id": 11, "messages": [message(1)]}]},
    }  # fmt: skip
    records = read(write(tmp_path, data))
    assert [(c.source_id, c.kind, c.category, c.member_ids) for c in conversations(records)] == [
        ("2", DIRECT, "personal_chat", ("user2", "user1")),
        ("3", DIRECT, "bot_chat", ("user3", "user1")),
        ("10", CHANNEL, "public_supergroup", ()),
        ("11", CHANNEL, "private_group, left", ()),
    ]
    people = {a.source_id: a for a in authors(records)}
    assert (people["user1"].name, people["user1"].handle) == ("Ana", "@ana_sky")
    assert people["user3"].bot is True
    assert "Zed" not in {a.name for a in people.values()}  # contacts are not people of any chat
    assert [(i.conversation_id, i.source_id) for i in items(records)] == [
        ("2", "1"),
        ("10", "1"),
        ("11", "1"),
    ]


def test_chat_keys_written_after_the_messages_are_found(tmp_path: Path) -> None:
    data = {"messages": [message(1)], "id": 99, "type": "personal_chat", "name": "Late"}
    conversation = conversations(read(write(tmp_path, data)))[0]
    assert (conversation.source_id, conversation.name, conversation.kind) == ("99", "Late", DIRECT)


def test_messages_without_ids_get_stable_distinct_fingerprints(tmp_path: Path) -> None:
    same = {"type": "message", "date_unixtime": "100", "from": "Ana", "text": "ok"}
    first = [
        i.source_id for i in items(read(write(tmp_path, {"messages": [same, same, {**same, "text": "no"}]})))
    ]
    again = [
        i.source_id for i in items(read(write(tmp_path, {"messages": [same, same, {**same, "text": "no"}]})))
    ]
    assert first == again and len(set(first)) == 3
    assert first[1] == first[0] + "-2"


def test_bad_messages_are_skipped_with_their_reason_not_fatal(tmp_path: Path) -> None:
    records = read(
        write(
            tmp_path,
            chat(
                message(1),
                {"id": 2, "type": "message", "from": "Ana", "text": "no date"},
                {"id": 3, "type": "message", "date": "yesterday", "text": "bad date"},
                {"id": 4, "type": "unsupported", "date_unixtime": "1"},
                "not an object",
                message(6),
            ),
        )
    )
    assert [i.source_id for i in items(records)] == ["1", "6"]
    assert [(s.line, s.reason) for s in skipped(records)] == [
        (2, "message 2 in Astro club has no readable date"),
        (3, "message 3 in Astro club has no readable date"),
        (4, "message 4 in Astro club has an unknown type 'unsupported'"),
        (5, "message 5 in Astro club is not a JSON object"),
    ]
    assert '"no date"' in skipped(records)[0].text


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"{oops", "is not JSON"),
        (b"12/03/2024, 10:00 - Ana: hi\n", "is not a JSON object"),
        (b"[1, 2]", "is not a JSON object"),
        (b'{"about": "nothing here"}', 'has no "messages" and no "chats" list'),
        (b'{"guild": {"id": "1"}, "channel": {}, "messages": []}', "looks like a Discord export"),
        (b'{"messages": [{"id": "1", "timestamp": "2024", "author": {}}]}', "no type and no date"),
        (b'{"name": "x", "messages": [{"id": 1, "type": "message", "date_unixtime": "1", "text": "a"}, {"id": 2, ',
         "damaged or cut off after message 1"),
    ],
)  # fmt: skip
def test_what_is_not_a_telegram_export_says_so(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(NotThisSource, match=says):
        list(TelegramSource().read(FileArchive(path), zone=ZoneInfo("UTC")))


def test_an_archive_without_result_json(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "slack.zip", "w") as z:
        z.writestr("users.json", "[]")
        z.writestr("channels.json", "[]")
    with pytest.raises(NotThisSource, match=r"holds no result\.json"):
        find_result_json(open_archive(tmp_path / "slack.zip"))


def test_memory_stays_flat_whatever_the_number_of_messages(tmp_path: Path) -> None:
    """Reading four times the messages holds no more memory: nothing accumulates per message."""
    import tracemalloc

    def peak_reading(count: int) -> int:
        messages = [message(n, [f"line {n} ", {"type": "bold", "text": "bold"}], reply_to_message_id=max(n - 1, 1))
                    for n in range(1, count + 1)]  # fmt: skip
        path = write(tmp_path, chat(*messages), name=f"result-{count}.json")
        del messages
        tracemalloc.start()
        try:
            seen = sum(1 for record in TelegramSource().read(FileArchive(path), zone=ZoneInfo("UTC")))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert seen == count + 2  # the conversation, the author, the messages
        return peak

    small, large = peak_reading(1_000), peak_reading(4_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)
