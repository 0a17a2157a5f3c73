"""The Slack parser feature by feature, on small exports written by each test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from chat_exports_testing import read, tally, write_json, write_zip

from townhall.importers.archive import ArchiveError
from townhall.importers.sources.base import NotThisSource
from townhall.importers.sources.slack import SlackSource, slack_time

USERS = [
    {"id": "U1", "name": "alice", "real_name": "Alice Real", "profile": {"display_name": "Alice"}},
    {"id": "U2", "name": "bob", "profile": {"real_name": "Bob B", "display_name": ""}},
    {"id": "U3", "name": "helper", "is_bot": True, "profile": {"real_name": "Helper"}},
]
CHANNELS = [
    {
        "id": "C1",
        "name": "general",
        "members": ["U1", "U2"],
        "topic": {"value": "Ask <@U1> &amp; *friends*"},
        "purpose": {"value": "Everything"},
    }
]


def export(tmp_path: Path, days: dict[str, list[dict[str, Any]]], **metadata: Any) -> Path:
    root = tmp_path / "export"
    write_json(root / "users.json", metadata.get("users", USERS))
    write_json(root / "channels.json", metadata.get("channels", CHANNELS))
    for name in ("groups", "mpims", "dms"):
        if name in metadata:
            write_json(root / f"{name}.json", metadata[name])
    for path, messages in days.items():
        write_json(root / path, messages)
    return root


def message(ts: str, text: str = "", user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "ts": ts, "user": user, "text": text, **extra}


def test_slack_times_are_exact_utc_instants() -> None:
    assert slack_time("1709251200.000100") == datetime(2024, 3, 1, 0, 0, 0, 100, tzinfo=UTC)
    assert slack_time("1709251200") == datetime(2024, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        slack_time("yesterday")


def test_people_and_conversations_come_first_with_topics_as_markdown(tmp_path: Path) -> None:
    found = tally(read(SlackSource(), export(tmp_path, {})))

    assert [(a.source_id, a.name, a.handle, a.bot) for a in found.authors] == [
        ("U1", "Alice", "alice", False),
        ("U2", "Bob B", "bob", False),
        ("U3", "Helper", "helper", True),
    ]
    (general,) = found.conversations
    assert general.topic == "Ask @alice & **friends**"
    assert general.purpose == "Everything"
    assert general.member_ids == ("U1", "U2")


def test_mentions_links_and_mrkdwn_become_markdown(tmp_path: Path) -> None:
    text = (
        "hi <@U2> and <@U9|zed>, see <#C1> or <#C7|random> <!here> <!channel> <!everyone> "
        "<https://x.org/a_b_c|the *docs*> <https://plain.org> *bold* _it_ ~gone~ `code *x* <@U1>` "
        "&lt;b&gt;not html&lt;/b&gt; &amp;amp; :tada: :custom-party:"
    )
    found = tally(
        read(
            SlackSource(), export(tmp_path, {"general/2024-03-01.json": [message("1709251200.000100", text)]})
        )
    )

    assert found.items[0].text == (
        "hi @bob and @zed, see #general or #random @here @channel @everyone "
        "[the *docs*](<https://x.org/a_b_c>) <https://plain.org> **bold** _it_ ~~gone~~ `code *x* @alice` "
        "<b>not html</b> \\&amp; 🎉 :custom-party:"
    )


def test_code_blocks_and_quotes_keep_their_shape(tmp_path: Path) -> None:
    text = "look:\n```x = *1*\n<https://a.b|a.b> &gt; 2```\n&gt; quoted\nnot quoted\n&gt;&gt;&gt; all\nof this\n# no heading\n• one\n• two"
    found = tally(
        read(
            SlackSource(), export(tmp_path, {"general/2024-03-01.json": [message("1709251200.000100", text)]})
        )
    )

    assert found.items[0].text == (
        "look:\n```\nx = *1*\na.b > 2\n```\n> quoted\n\nnot quoted\n> all\n> of this\n> \\# no heading\n> - one\n> - two"
    )


def test_threads_edits_reactions_deleted_and_system_events(tmp_path: Path) -> None:
    days = {
        "general/2024-03-01.json": [
            message("1709251200.000100", "root", thread_ts="1709251200.000100", reply_count=1),
            message(
                "1709251260.000200",
                "reply",
                user="U2",
                thread_ts="1709251200.000100",
                edited={"user": "U2", "ts": "1709251300.000000"},
                reactions=[
                    {"name": "+1", "users": ["U1"], "count": 1},
                    {"name": "thumbsup::skin-tone-3", "users": ["U1", "U8"], "count": 2},
                    {"name": "partyparrot", "users": ["U2"], "count": 1},
                ],
            ),
            message("1709251320.000300", "This message was deleted.", subtype="tombstone", hidden=True),
            message("1709251380.000400", "<@U2> has joined the channel", user="U2", subtype="channel_join"),
            message(
                "1709251440.000500", "set the channel topic: hello", subtype="channel_topic", topic="hello"
            ),
            message("1709251500.000600", "waves", subtype="me_message"),
        ]
    }
    found = tally(read(SlackSource(), export(tmp_path, days)))

    root, reply, deleted, joined, topic, me = found.items
    assert root.thread_id is None
    assert reply.thread_id == "1709251200.000100"
    assert reply.edited_at == datetime(2024, 3, 1, 0, 1, 40, tzinfo=UTC)
    assert [(r.emoji, r.author_ids, r.count) for r in reply.reactions] == [
        ("👍", ("U1",), 1),
        ("👍🏼", ("U1", "U8"), 2),
        (":partyparrot:", ("U2",), 1),
    ]
    assert found.author("U8").name == "U8"  # someone users.json does not list, known only by id
    assert deleted.deleted and deleted.text == "" and deleted.kind == "message"
    assert (joined.kind, joined.system, joined.text) == ("system", "joined", "@bob has joined the channel")
    assert (topic.kind, topic.system) == ("system", "topic")
    assert me.text == "_waves_"
    assert [i.line for i in found.items] == [1, 2, 3, 4, 5, 6]


def test_a_repeated_message_is_read_once_and_a_same_instant_message_is_kept(tmp_path: Path) -> None:
    days = {
        "general/2024-03-01.json": [
            message("1709251200.000100", "once", client_msg_id="aaa"),
            message("1709251200.000100", "once", client_msg_id="aaa"),
            message("1709251200.000100", "another", client_msg_id="bbb"),
        ]
    }
    found = tally(read(SlackSource(), export(tmp_path, days)))

    assert [(i.source_id, i.text) for i in found.items] == [
        ("1709251200.000100", "once"),
        ("1709251200.000100:bbb", "another"),
    ]
    (skipped,) = found.skipped
    assert skipped.line == 2 and "appears twice" in skipped.reason and "2024-03-01.json" in skipped.reason


def test_files_become_uploads_when_the_export_holds_them_and_links_otherwise(tmp_path: Path) -> None:
    files = [
        {"id": "F1", "name": "photo.png", "title": "Our photo", "mimetype": "image/png", "size": 10, "mode": "hosted",
         "url_private": "https://files.slack.com/F1/photo.png"},
        {"id": "F2", "name": "notes.pdf", "mimetype": "application/pdf", "mode": "hosted",
         "url_private": "https://files.slack.com/files-pri/T1-F2/notes.pdf?t=xoxe-secret-token&v=2"},
        {"id": "F3", "name": "Plan", "mode": "external", "is_external": True,
         "external_url": "https://docs.example.org/plan"},
        {"id": "F4", "mode": "tombstone"},
        {"id": "F5", "mode": "hidden_by_limit"},
    ]  # fmt: skip
    root = export(tmp_path, {"general/2024-03-01.json": [message("1709251200.000100", "", files=files)]})
    (root / "general" / "attachments").mkdir()
    (root / "general" / "attachments" / "F1-photo.png").write_bytes(b"png")

    found = tally(read(SlackSource(), root))

    photo, notes, plan = found.items[0].attachments
    assert (photo.name, photo.path, photo.size, photo.content_type) == (
        "Our photo",
        "general/attachments/F1-photo.png",
        10,
        "image/png",
    )
    # The exporting admin's token Slack appends to file links is not carried into the chat.
    assert (notes.name, notes.path, notes.url) == (
        "notes.pdf",
        "",
        "https://files.slack.com/files-pri/T1-F2/notes.pdf?v=2",
    )
    assert (plan.name, plan.path, plan.url) == ("Plan", "", "https://docs.example.org/plan")


def test_bot_messages_and_legacy_attachments_are_rendered_as_text(tmp_path: Path) -> None:
    days = {
        "general/2024-03-01.json": [
            {
                "type": "message",
                "subtype": "bot_message",
                "ts": "1709251200.000100",
                "bot_id": "B1",
                "username": "Deploy bot",
                "text": "Deployed https://example.org/build",
                "attachments": [
                    {"title": "Build 42", "title_link": "https://ci.example.org/42", "text": "*passed*",
                     "fields": [{"title": "Branch", "value": "main"}], "footer": "CI"},
                    {"from_url": "https://example.org/build", "title": "preview", "text": "a link preview"},
                ],
            },
            {
                "type": "message",
                "ts": "1709251260.000100",
                "user": "U3",
                "text": "fallback only",
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": "Weekly"}},
                    {"type": "divider"},
                    {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Owner*\n<@U1>"}]},
                    {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "OK"}}]},
                    {"type": "image", "image_url": "https://img.example.org/chart.png", "alt_text": "chart"},
                ],
            },
        ]
    }  # fmt: skip
    found = tally(read(SlackSource(), export(tmp_path, days)))

    deploy, weekly = found.items
    assert deploy.author_id == "B1"
    assert (found.author("B1").name, found.author("B1").bot) == ("Deploy bot", True)
    assert deploy.text == (
        "Deployed https://example.org/build\n\n"
        "> **[Build 42](<https://ci.example.org/42>)**\n> **passed**\n> **Branch**: main\n> CI"
    )
    assert (
        weekly.text
        == "**Weekly**\n\n---\n\n**Owner**\n@alice\n\n[chart](<https://img.example.org/chart.png>)"
    )


def test_private_channels_group_dms_and_dms_are_read_from_their_folders(tmp_path: Path) -> None:
    days = {
        "secret/2024-03-01.json": [message("1709251200.000100", "private")],
        "mpdm-alice--bob-1/2024-03-01.json": [message("1709251260.000100", "group")],
        "D1/2024-03-01.json": [message("1709251320.000100", "direct", user="U2")],
        "orphan/2024-03-01.json": [message("1709251380.000100", "not listed")],
    }
    root = export(
        tmp_path,
        days,
        groups=[{"id": "G1", "name": "secret", "members": ["U1"]}],
        mpims=[{"id": "G2", "name": "mpdm-alice--bob-1", "members": ["U1", "U2", "U3"]}],
        dms=[{"id": "D1", "members": ["U1", "U2"]}],
    )
    found = tally(read(SlackSource(), root))

    assert [(c.source_id, c.name, c.kind, c.category) for c in found.conversations] == [
        ("C1", "general", "channel", "public"),
        ("G1", "secret", "channel", "private"),
        ("G2", "mpdm-alice--bob-1", "group_direct", "group DM"),
        ("D1", "DM: Alice and Bob B", "direct", "DM"),
        ("orphan", "orphan", "channel", ""),
    ]
    assert [(i.conversation_id, i.text) for i in found.items] == [
        ("G1", "private"),
        ("G2", "group"),
        ("D1", "direct"),
        ("orphan", "not listed"),
    ]


def test_days_are_read_in_date_order_and_an_export_inside_a_top_folder_is_found(tmp_path: Path) -> None:
    members = {
        "My Workspace/users.json": USERS,
        "My Workspace/channels.json": CHANNELS,
        "My Workspace/general/2024-03-02.json": [message("1709337600.000000", "second day")],
        "My Workspace/general/2024-03-01.json": [message("1709251200.000000", "first day")],
        "My Workspace/general/notes.txt": "not a day file",
    }
    found = tally(read(SlackSource(), write_zip(tmp_path / "export.zip", members)))

    assert [i.text for i in found.items] == ["first day", "second day"]


def test_a_damaged_day_file_keeps_what_came_before_and_the_other_days(tmp_path: Path) -> None:
    root = export(tmp_path, {"general/2024-03-02.json": [message("1709337600.000000", "next day")]})
    (root / "general" / "2024-03-01.json").write_text(
        '[{"type": "message", "ts": "1709251200.000000", "user": "U1", "text": "fine"}, {"ts": "17092'
    )
    found = tally(read(SlackSource(), root))

    assert [i.text for i in found.items] == ["fine", "next day"]
    (skipped,) = found.skipped
    assert "general/2024-03-01.json" in skipped.reason and "invalid JSON after message 1" in skipped.reason


def test_a_message_without_a_timestamp_is_skipped_with_its_reason(tmp_path: Path) -> None:
    found = tally(
        read(SlackSource(), export(tmp_path, {"general/2024-03-01.json": [{"type": "message", "text": "?"}]}))
    )

    assert found.items == []
    assert found.skipped[0].reason == "general/2024-03-01.json: message 1 has no valid timestamp"


def test_what_is_not_a_slack_export_is_refused_with_a_reason(tmp_path: Path) -> None:
    discord = write_json(tmp_path / "channel.json", {"guild": {}, "channel": {"id": "1"}, "messages": []})
    with pytest.raises(NotThisSource, match=r"channel\.json is not a Slack workspace export"):
        read(SlackSource(), discord)

    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    with pytest.raises(NotThisSource, match="not a Slack workspace export"):
        read(SlackSource(), empty_folder)

    broken = export(tmp_path, {})
    (broken / "users.json").write_text("[{")
    with pytest.raises(NotThisSource, match=r"users\.json is not valid JSON"):
        read(SlackSource(), broken)

    wrong_shape = write_zip(tmp_path / "odd.zip", {"users.json": {"ok": True}})
    with pytest.raises(NotThisSource, match=r"users\.json is not a list"):
        read(SlackSource(), wrong_shape)


def test_empty_files_and_unsafe_zips_are_refused_before_parsing(tmp_path: Path) -> None:
    empty = tmp_path / "export.zip"
    empty.write_bytes(b"")
    with pytest.raises(ArchiveError, match="is empty"):
        read(SlackSource(), empty)

    traversal = write_zip(tmp_path / "evil.zip", {"users.json": USERS, "../general/2024-03-01.json": []})
    with pytest.raises(ArchiveError, match="unsafe path"):
        read(SlackSource(), traversal)


def test_a_message_with_only_rich_text_blocks_reads_as_markdown(tmp_path: Path) -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Hi "},
                        {"type": "user", "user_id": "U2"},
                        {"type": "text", "text": " see ", "style": {}},
                        {"type": "link", "url": "https://x.org", "text": "this"},
                        {"type": "text", "text": " now", "style": {"bold": True}},
                        {"type": "text", "text": " 2*3 ", "style": {}},
                        {"type": "text", "text": "x()", "style": {"code": True}},
                        {"type": "emoji", "name": "thumbsup", "unicode": "1f44d"},
                        {"type": "emoji", "name": "partyparrot"},
                        {"type": "channel", "channel_id": "C1"},
                        {"type": "broadcast", "range": "here"},
                    ],
                },
                {"type": "rich_text_list", "style": "ordered", "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]},
                ]},
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "wise words"}]},
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "a = *b*"}]},
            ],
        }
    ]  # fmt: skip
    days = {"general/2024-03-01.json": [message("1709251200.000100", "", blocks=blocks)]}
    found = tally(read(SlackSource(), export(tmp_path, days)))

    assert found.items[0].text == (
        "Hi @bob see [this](<https://x.org>) **now** 2\\*3 `x()`👍:partyparrot:#general@here\n\n"
        "1. one\n2. two\n\n> wise words\n\n```\na = *b*\n```"
    )


def test_the_converted_text_renders_as_slack_showed_it() -> None:
    from townhall.core.markdown import render_markdown
    from townhall.importers.sources.markup import slack_to_markdown

    text = (
        "*bold* _it_ ~gone~ <https://x.org/a_b|the link> &lt;script&gt; `a*b*`\n&gt; quoted\nafter\n```x```"
    )
    html = render_markdown(slack_to_markdown(text, users={}, channels={}), hard_breaks=True)

    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<s>gone</s>" in html
    assert 'href="https://x.org/a_b"' in html and ">the link</a>" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "<code>a*b*</code>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>after</p>" in html
    assert "<pre" in html and "x\n</code></pre>" in html


def test_a_message_that_cannot_be_read_is_skipped_whole_and_the_rest_goes_on(tmp_path: Path) -> None:
    odd = message(
        "1709251200.000100", "odd", user="U7", reactions=[{"name": "+1", "users": ["U8"], "count": "lots"}]
    )
    days = {"general/2024-03-01.json": [odd, message("1709251260.000100", "fine", user="U7")]}
    found = tally(read(SlackSource(), export(tmp_path, days)))

    assert [i.text for i in found.items] == ["fine"]
    assert [a.source_id for a in found.authors][-1] == "U7"  # told once, before the message that names them
    (skipped,) = found.skipped
    assert skipped.line == 1 and "message 1 could not be read (ValueError" in skipped.reason
