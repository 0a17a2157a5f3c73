"""The channel page, sending with and without htmx, load earlier, edit/delete/restore, live fragments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chat_testing import chat_space
from django.db import connection
from django.test.utils import CaptureQueriesContext

from townhall.chat import actions
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# The whole space page, sidebar included, for a member whose read position moves (the Pinned area, the
# read position before the visit, the shown messages' reactions and files, who hides their presence, whose
# presence blocks hide and the count of unread threads are one query each).
PAGE_QUERIES = 20


def _bulk(space: Space, author: Any, count: int, *, start: datetime | None = None) -> list[Message]:
    start = start or datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    return Message.objects.bulk_create(
        Message(
            space=space,
            author=author,
            body=f"note {i}",
            html=f"<p>note {i}</p>",
            created_at=start + timedelta(minutes=i),
        )
        for i in range(count)
    )


def test_the_channel_shows_messages_oldest_first_with_the_composer(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    actions.send_message(Guardian(newcomer), lounge, body="First light!")
    actions.send_message(Guardian(member), lounge, body="Nice **one**")
    html = client_for(member).get("/s/lounge/").content.decode()
    assert html.index("First light!") < html.index("Nice <strong>one</strong>")
    assert 'action="/s/lounge/chat/send/"' in html and 'name="client_key"' in html
    assert "chat/chat.css" in html and "chat/chat.js" in html
    assert "Load earlier" not in html


def test_the_page_query_count_does_not_grow_with_history(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, django_assert_num_queries: Any
) -> None:
    """Both visits find new messages (and move the read position): a channel of 5 costs what one of
    125 does."""
    c = client_for(member)
    _bulk(lounge, newcomer, 4)
    c.get("/s/lounge/")  # the first visit creates the read position
    _bulk(lounge, newcomer, 1, start=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    with CaptureQueriesContext(connection) as few:
        assert c.get("/s/lounge/").status_code == 200
    _bulk(lounge, newcomer, 120, start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    with django_assert_num_queries(len(few)):
        assert c.get("/s/lounge/").status_code == 200
    assert len(few) <= PAGE_QUERIES, "\n".join(q["sql"][:150] for q in few.captured_queries)


def test_load_earlier_pages_back_with_a_cursor(client_for: Any, member: Any, lounge: Space) -> None:
    messages = _bulk(lounge, member, 120)
    c = client_for(member)
    html = c.get("/s/lounge/").content.decode()
    assert "note 119" in html and "note 70" in html and "note 69<" not in html
    cursor = messages[70].pk
    assert f"?before={cursor}" in html
    part = c.get(f"/s/lounge/chat/earlier/?before={cursor}", **HTMX).content.decode()
    assert "note 69<" in part and "note 20<" in part and "note 19<" not in part and "note 70<" not in part
    assert f"?before={messages[20].pk}" in part
    last = c.get(f"/s/lounge/chat/earlier/?before={messages[20].pk}", **HTMX).content.decode()
    assert "note 0<" in last and "Load earlier" not in last
    # Without JavaScript the same cursor is a link to the space page.
    plain = c.get(f"/s/lounge/?before={cursor}").content.decode()
    assert "note 69<" in plain and "note 70<" not in plain and "Jump to the newest messages" in plain
    assert c.get(f"/s/lounge/chat/earlier/?before={cursor}").status_code == 302


def test_day_separators_in_the_members_time_zone_and_grouping(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    member.time_zone = "America/Los_Angeles"
    member.save()
    # 07:00 UTC on 1 December is still 30 November in California.
    Message.objects.bulk_create(
        [
            Message(
                space=lounge,
                author=newcomer,
                body="a",
                html="<p>a</p>",
                created_at=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
            ),
            Message(
                space=lounge,
                author=newcomer,
                body="b",
                html="<p>b</p>",
                created_at=datetime(2026, 12, 1, 7, 2, tzinfo=UTC),
            ),
            Message(
                space=lounge,
                author=newcomer,
                body="c",
                html="<p>c</p>",
                created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            ),
        ]
    )
    html = client_for(member).get("/s/lounge/").content.decode()
    assert "<h3>Sunday 29 November 2026</h3>" not in html
    assert "<h3>Monday 30 November 2026</h3>" in html and "<h3>Tuesday 1 December 2026</h3>" in html
    assert html.count('class="chat-message continued') == 1  # b joins a's group; c starts a new day
    assert ">23:00<" in html


def test_a_plain_post_redirects_to_the_new_message(client_for: Any, member: Any, lounge: Space) -> None:
    response = client_for(member).post("/s/lounge/chat/send/", {"body": "Hello all", "client_key": "abc"})
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/s/lounge/#m-{message.pk}"
    # The same form sent again (a double click, a retry) does not post twice.
    client_for(member).post("/s/lounge/chat/send/", {"body": "Hello all", "client_key": "abc"})
    assert Message.objects.count() == 1


def test_an_htmx_post_returns_the_message_and_a_fresh_form(
    client_for: Any, member: Any, lounge: Space
) -> None:
    empty = client_for(member).get("/s/lounge/").content.decode()
    assert (
        '<li class="chat-empty">No messages yet. Say hello!</li>' in empty
    )  # hidden once a message joins it
    response = client_for(member).post("/s/lounge/chat/send/", {"body": "Hi *there*"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="m-{Message.objects.get().pk}"' in html and "<em>there</em>" in html
    assert 'hx-swap-oob="true"' in html and "Hi *there*" not in html


def test_refused_text_comes_back_beside_the_field(client_for: Any, member: Any, lounge: Space) -> None:
    long = "z" * 10_001
    response = client_for(member).post("/s/lounge/chat/send/", {"body": long}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and response["HX-Retarget"] == "this"
    assert "at most 10,000 characters" in html and long in html and 'aria-invalid="true"' in html
    plain = client_for(member).post("/s/lounge/chat/send/", {"body": "   "})
    assert plain.status_code == 400 and "Write something before sending." in plain.content.decode()
    assert not Message.objects.exists()


def test_nul_is_refused(client_for: Any, member: Any, lounge: Space) -> None:
    response = client_for(member).post("/s/lounge/chat/send/", {"body": "a\x00b"}, **HTMX)
    assert response.status_code == 422 and not Message.objects.exists()


def test_slow_mode_refusal_shows_on_the_form(client_for: Any, member: Any, lounge: Space) -> None:
    lounge.kind_settings = {"slow_mode_seconds": 60}
    lounge.save()
    c = client_for(member)
    c.post("/s/lounge/chat/send/", {"body": "one"})
    response = c.post("/s/lounge/chat/send/", {"body": "two"}, **HTMX)
    assert response.status_code == 422 and "Slow mode is on" in response.content.decode()
    assert "two" in response.content.decode()
    assert "Slow mode is on: one message every 60 seconds" in c.get("/s/lounge/").content.decode()


def test_unseen_spaces_and_messages_answer_404(client_for: Any, member: Any, outsider: Any) -> None:
    secret = chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    message = Message.objects.create(space=secret, author=outsider, body="x", html="<p>x</p>")
    c = client_for(member)
    assert c.get("/s/vault/").status_code == 404
    assert c.post("/s/vault/chat/send/", {"body": "hi"}).status_code == 404
    assert c.get("/s/vault/chat/earlier/?before=5", **HTMX).status_code == 404
    assert c.get(f"/chat/m/{message.pk}/", **HTMX).status_code == 404
    assert c.post(f"/chat/m/{message.pk}/delete/").status_code == 404
    assert c.get("/chat/m/999999/", **HTMX).status_code == 404


def test_a_visitor_reads_a_public_channel_and_is_asked_to_log_in(client_for: Any, member: Any) -> None:
    space = chat_space("Open", visibility=Space.PUBLIC, members=[member])
    actions.send_message(Guardian(member), space, body="Welcome, visitors")
    html = client_for(None).get("/s/open/").content.decode()
    assert "Welcome, visitors" in html and "Log in</a> to take part" in html and "chat/send" not in html
    assert client_for(None).post("/s/open/chat/send/", {"body": "x"}).status_code == 302  # to log in


def test_edit_delete_and_restore_from_the_page(
    client_for: Any, member: Any, space_moderator: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Saturn at 10")
    c = client_for(member)
    assert "Saturn at 10" in c.get(f"/chat/m/{message.pk}/edit/").content.decode()
    refused = c.post(f"/chat/m/{message.pk}/edit/", {"body": ""}, **HTMX)
    assert refused.status_code == 422
    assert c.post(f"/chat/m/{message.pk}/edit/", {"body": "Saturn at 11"}).status_code == 302
    html = c.get("/s/lounge/").content.decode()
    assert "Saturn at 11" in html and "(edited)" in html

    deleted = c.post(f"/chat/m/{message.pk}/delete/", **HTMX).content.decode()
    assert "Message deleted" in deleted and "Saturn" not in deleted
    assert "Saturn" not in c.get("/s/lounge/").content.decode()
    mod_view = client_for(space_moderator).get("/s/lounge/").content.decode()
    assert "Saturn at 11" in mod_view and "Restore" in mod_view
    restored = client_for(space_moderator).post(f"/chat/m/{message.pk}/restore/")
    assert restored.status_code == 302
    assert "Saturn at 11" in c.get("/s/lounge/").content.decode()


def test_the_live_fragment_follows_the_readers_permissions(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="secret plans")
    actions.delete_message(Guardian(member), message)
    assert "secret plans" not in client_for(newcomer).get(f"/chat/m/{message.pk}/", **HTMX).content.decode()
    assert (
        "secret plans" in client_for(space_moderator).get(f"/chat/m/{message.pk}/", **HTMX).content.decode()
    )
    permalink = client_for(newcomer).get(f"/chat/m/{message.pk}/")
    assert (
        permalink.status_code == 302
        and permalink["Location"] == f"/s/lounge/?before={message.pk + 1}#m-{message.pk}"
    )


def test_the_sidebar_counts_unread_messages(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    c = client_for(member)
    actions.send_message(Guardian(newcomer), lounge, body="one")
    c.get("/s/lounge/")  # read up to here
    actions.send_message(Guardian(newcomer), lounge, body="two")
    actions.send_message(Guardian(newcomer), lounge, body="three")
    html = c.get("/spaces/").content.decode()
    assert '<span class="unread-count">2' in html


def test_the_pinned_area_shows_pinned_messages_and_drops_deleted_ones(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, lounge: Space
) -> None:
    c = client_for(member)
    assert 'id="chat-pinned"></div>' in c.get("/s/lounge/").content.decode()  # empty: nothing shown
    star = actions.send_message(Guardian(newcomer), lounge, body="Star party <Saturday> at 20:00")
    other = actions.send_message(Guardian(member), lounge, body="Bring a red torch")
    mod = Guardian(space_moderator)
    actions.pin_message(mod, star)
    actions.pin_message(mod, other)
    html = c.get("/s/lounge/").content.decode()
    area = html[html.index('id="chat-pinned"') : html.index('role="log"')]
    assert "Pinned</h3>" in area and "Star party &lt;Saturday&gt; at 20:00" in area
    assert area.index("Bring a red torch") < area.index("Star party")  # the latest pinned first
    assert f'href="#m-{star.pk}"' in area and "Unpin" not in area  # members only read it
    assert "📌 </span>Pinned</p>" in html  # the message in the log says so too
    actions.delete_message(Guardian(newcomer), star)
    html = c.get("/s/lounge/").content.decode()
    area = html[html.index('id="chat-pinned"') : html.index('role="log"')]
    assert "Star party" not in area and "Bring a red torch" in area
    mod_html = client_for(space_moderator).get("/s/lounge/").content.decode()
    mod_area = mod_html[mod_html.index('id="chat-pinned"') : mod_html.index('role="log"')]
    assert "Star party" not in mod_area and f'action="/chat/m/{other.pk}/unpin/"' in mod_area


def test_pin_and_unpin_from_the_page(
    client_for: Any, member: Any, space_moderator: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Meteor shower peaks tonight")
    c = client_for(space_moderator)
    assert f'action="/chat/m/{message.pk}/pin/"' in c.get("/s/lounge/").content.decode()
    assert f"/chat/m/{message.pk}/pin/" not in client_for(member).get("/s/lounge/").content.decode()
    assert client_for(member).post(f"/chat/m/{message.pk}/pin/").status_code == 403
    part = c.post(f"/chat/m/{message.pk}/pin/", **HTMX).content.decode()
    assert f'id="m-{message.pk}"' in part and f'action="/chat/m/{message.pk}/unpin/"' in part
    assert '<div id="chat-pinned" hx-swap-oob="true">' in part and "Meteor shower peaks tonight</a>" in part
    # The Unpin button of the Pinned area gets the area back.
    area = c.post(f"/chat/m/{message.pk}/unpin/", {"area": "pinned"}, **HTMX).content.decode()
    assert area.strip() == '<div id="chat-pinned"></div>'
    plain = c.post(f"/chat/m/{message.pk}/pin/")
    assert (
        plain.status_code == 302 and plain["Location"] == f"/s/lounge/?before={message.pk + 1}#m-{message.pk}"
    )
    back = c.post(f"/chat/m/{message.pk}/unpin/", {"area": "pinned"})
    assert back.status_code == 302 and back["Location"] == "/s/lounge/"
    assert Message.objects.get().pinned_at is None


def test_the_page_query_count_holds_with_pinned_messages(
    client_for: Any,
    member: Any,
    newcomer: Any,
    space_moderator: Any,
    lounge: Space,
    django_assert_num_queries: Any,
) -> None:
    c = client_for(member)
    messages = _bulk(lounge, newcomer, 4)
    actions.pin_message(Guardian(space_moderator), messages[0])
    c.get("/s/lounge/")
    _bulk(lounge, newcomer, 1, start=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    with CaptureQueriesContext(connection) as few:
        assert c.get("/s/lounge/").status_code == 200
    more = _bulk(lounge, newcomer, 120, start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    for message in more[:10]:
        actions.pin_message(Guardian(space_moderator), message)
    with django_assert_num_queries(len(few)):
        assert c.get("/s/lounge/").status_code == 200


def test_the_topic_line_shows_escaped_under_the_heading(
    client_for: Any, member: Any, space_moderator: Any, lounge: Space
) -> None:
    actions.set_topic(Guardian(space_moderator), lounge, topic="<b>Clear</b> skies & dark nights")
    html = client_for(member).get("/s/lounge/").content.decode()
    assert (
        '<p class="chat-topic" id="chat-topic">&lt;b&gt;Clear&lt;/b&gt; skies &amp; dark nights</p>' in html
    )
    assert html.index('id="chat-title"') < html.index('id="chat-topic"') < html.index('role="log"')
    assert "/s/lounge/chat/topic/" not in html  # members do not change it
    assert "Change the topic" in client_for(space_moderator).get("/s/lounge/").content.decode()


def test_moderators_set_the_topic_with_errors_beside_the_field(
    client_for: Any, member: Any, space_moderator: Any, lounge: Space
) -> None:
    assert client_for(member).get("/s/lounge/chat/topic/").status_code == 403
    assert client_for(member).post("/s/lounge/chat/topic/", {"topic": "mine"}).status_code == 403
    c = client_for(space_moderator)
    assert "Topic line" in c.get("/s/lounge/chat/topic/").content.decode()
    long = "t" * 201
    refused = c.post("/s/lounge/chat/topic/", {"topic": long}, **HTMX)
    html = refused.content.decode()
    assert refused.status_code == 422 and refused["HX-Retarget"] == "this"
    assert "at most 200 characters" in html and f'value="{long}"' in html and 'aria-invalid="true"' in html
    assert c.post("/s/lounge/chat/topic/", {"topic": "a\x00b"}, **HTMX).status_code == 422
    plain = c.post("/s/lounge/chat/topic/", {"topic": long})
    assert plain.status_code == 400 and "at most 200 characters" in plain.content.decode()
    saved = c.post("/s/lounge/chat/topic/", {"topic": "Meteors tonight"}, **HTMX)
    assert saved.status_code == 204 and saved["HX-Redirect"] == "/s/lounge/"
    assert c.post("/s/lounge/chat/topic/", {"topic": "Meteors tonight!"})["Location"] == "/s/lounge/"
    lounge.refresh_from_db()
    assert lounge.kind_settings["topic"] == "Meteors tonight!"
    assert 'value="Meteors tonight!"' in c.get("/s/lounge/chat/topic/").content.decode()


def test_the_topic_page_of_an_unseen_space_is_404(client_for: Any, member: Any, outsider: Any) -> None:
    chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    c = client_for(member)
    assert c.get("/s/vault/chat/topic/").status_code == c.get("/s/nowhere/chat/topic/").status_code == 404
    assert c.post("/s/vault/chat/topic/", {"topic": "x"}).status_code == 404


def test_a_new_messages_divider_before_the_first_unread_and_a_jump_link(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    c = client_for(member)
    actions.send_message(Guardian(newcomer), lounge, body="read before")
    first = c.get("/s/lounge/").content.decode()  # the first visit: nothing counts as new yet
    assert 'id="chat-unread"' not in first and "Jump to unread" not in first
    actions.send_message(Guardian(member), lounge, body="my own")  # sending keeps it read
    gone = actions.send_message(Guardian(newcomer), lounge, body="deleted one")
    actions.delete_message(Guardian(newcomer), gone)
    new = actions.send_message(Guardian(newcomer), lounge, body="fresh news")
    actions.send_message(Guardian(newcomer), lounge, body="more news")
    html = c.get("/s/lounge/").content.decode()
    divider = '<li class="chat-unread" id="chat-unread"><span>New messages</span></li>'
    assert html.count(divider) == 1
    assert html.index("my own") < html.index(f'id="m-{gone.pk}"') < html.index(divider)
    assert html.index(divider) < html.index(f'id="m-{new.pk}"') < html.index("more news")
    assert '<a href="#chat-unread">Jump to unread</a>' in html
    assert html.index("Jump to unread") < html.index('role="log"')
    # The page marked the channel read: the next visit has no divider and no link.
    again = c.get("/s/lounge/").content.decode()
    assert 'id="chat-unread"' not in again and "Jump to unread" not in again
    # Their own messages are never new to the author.
    assert 'id="chat-unread"' not in client_for(newcomer).get("/s/lounge/").content.decode()


def test_the_page_query_count_holds_with_a_divider(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, django_assert_num_queries: Any
) -> None:
    c = client_for(member)
    _bulk(lounge, newcomer, 4)
    c.get("/s/lounge/")
    _bulk(lounge, newcomer, 2, start=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    with CaptureQueriesContext(connection) as few:
        assert "Jump to unread" in c.get("/s/lounge/").content.decode()
    _bulk(lounge, newcomer, 120, start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    with django_assert_num_queries(len(few)):
        assert "Jump to unread" in c.get("/s/lounge/").content.decode()
    assert len(few) <= PAGE_QUERIES, "\n".join(q["sql"][:150] for q in few.captured_queries)


def test_the_pinned_area_fragment_for_live_updates(
    client_for: Any, member: Any, outsider: Any, space_moderator: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Pinned live")
    actions.pin_message(Guardian(space_moderator), message)
    c = client_for(member)
    html = c.get("/s/lounge/").content.decode()
    assert 'data-pinned-url="/s/lounge/chat/pinned/"' in html
    part = c.get("/s/lounge/chat/pinned/", **HTMX).content.decode()
    assert (
        part.startswith('<div id="chat-pinned">') and f'href="/chat/m/{message.pk}/">Pinned live</a>' in part
    )
    assert (
        "Unpin" not in part
        and "Unpin" in client_for(space_moderator).get("/s/lounge/chat/pinned/", **HTMX).content.decode()
    )
    assert c.get("/s/lounge/chat/pinned/")["Location"] == "/s/lounge/"
    chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    assert (
        c.get("/s/vault/chat/pinned/", **HTMX).status_code
        == c.get("/s/nowhere/chat/pinned/", **HTMX).status_code
        == 404
    )
