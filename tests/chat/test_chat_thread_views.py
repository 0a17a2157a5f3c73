"""Thread pages: summaries in the channel, the full thread page and the side panel, replying with and
without htmx, following, load earlier, live fragments, the Threads list, and pinned query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chat_testing import chat_space
from django.db import connection
from django.test.utils import CaptureQueriesContext

import factories as testing
from townhall.chat import actions
from townhall.chat.models import Message, ThreadFollow
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PANEL = {**HTMX, "HTTP_HX_TARGET": "chat-thread-panel"}


@pytest.fixture
def root(member: Any, lounge: Space) -> Message:
    return actions.send_message(Guardian(member), lounge, body="Which flats do you take for narrowband?")


def _replies(root: Message, author: Any, count: int) -> list[Message]:
    """Replies written straight to the table (the counters as reply_in_thread keeps them)."""
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    rows = Message.objects.bulk_create(
        Message(
            space_id=root.space_id, author=author, body=f"reply {i}", html=f"<p>reply {i}</p>",
            thread_root=root, created_at=start + timedelta(minutes=i),
        )
        for i in range(count)
    )  # fmt: skip
    Message.objects.filter(pk=root.pk).update(
        reply_count=root.reply_count + count, last_reply_at=rows[-1].created_at
    )
    root.refresh_from_db()
    return rows


def space_moderator_of(space: Space) -> Any:
    return space.memberships.filter(role="moderator").get().user


def thread_url(root: Message) -> str:
    return f"/s/lounge/chat/thread/{root.pk}/"


def test_the_channel_shows_a_thread_summary_and_keeps_replies_in_the_thread(
    client_for: Any, member: Any, newcomer: Any, root: Message
) -> None:
    actions.reply_in_thread(Guardian(newcomer), root, body="Sky flats at dusk")
    actions.reply_in_thread(Guardian(newcomer), root, body="A panel works too", also_in_channel=True)
    html = client_for(member).get("/s/lounge/").content.decode()
    assert "2 replies" in html and "last reply" in html and "Reply in thread" in html
    assert "Sky flats at dusk" not in html  # kept in the thread
    assert "A panel works too" in html and "Replied to a thread:" in html
    assert f'href="{thread_url(root)}" data-thread-link' in html and "chat/thread.js" in html


def test_the_thread_page_shows_root_replies_followers_and_the_form(
    client_for: Any, member: Any, newcomer: Any, root: Message
) -> None:
    actions.reply_in_thread(Guardian(newcomer), root, body="Sky flats at dusk")
    html = client_for(newcomer).get(thread_url(root)).content.decode()
    assert "Which flats do you take" in html and "Sky flats at dusk" in html
    assert "Following: Max Member, Nina Newcomer" in html and "Unfollow" in html
    assert f'action="{thread_url(root)}reply/"' in html and 'name="also_in_channel"' in html
    assert "Back to Lounge" in html and "<title>Thread · Lounge" in html


def test_the_panel_comes_alone_and_the_channel_opens_it_from_the_address(
    client_for: Any, member: Any, root: Message
) -> None:
    panel = client_for(member).get(thread_url(root), **PANEL).content.decode()
    assert panel.lstrip().startswith("{#") is False and "<html" not in panel and 'data-thread-root="' in panel
    assert "data-thread-close" in panel
    page = client_for(member).get(f"/s/lounge/?thread={root.pk}").content.decode()
    assert "chat-layout with-thread" in page and 'id="thread-title-' in page
    assert "with-thread" not in client_for(member).get("/s/lounge/?thread=999999").content.decode()


def test_unseen_threads_answer_404_like_missing_ones(
    client_for: Any, member: Any, newcomer: Any, outsider: Any, root: Message
) -> None:
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="A reply")
    other = chat_space("Other", members=[member])
    assert client_for(outsider).get(thread_url(root)).status_code == 404
    assert client_for(member).get(f"/s/lounge/chat/thread/{reply.pk}/").status_code == 404  # a reply
    assert client_for(member).get(f"/s/{other.slug}/chat/thread/{root.pk}/").status_code == 404
    assert client_for(member).get("/s/lounge/chat/thread/999999/").status_code == 404
    assert client_for(outsider).post(f"{thread_url(root)}reply/", {"body": "hi"}).status_code == 404


def test_a_plain_reply_redirects_to_it_and_an_htmx_reply_comes_back_with_a_fresh_form(
    client_for: Any, newcomer: Any, root: Message
) -> None:
    c = client_for(newcomer)
    plain = c.post(f"{thread_url(root)}reply/", {"body": "First", "client_key": "a1"})
    first = Message.objects.get(body="First")
    assert plain.status_code == 302 and plain["Location"] == f"{thread_url(root)}#r-{first.pk}"
    html = c.post(
        f"{thread_url(root)}reply/", {"body": "Second", "also_in_channel": "on"}, **HTMX
    ).content.decode()
    assert f'id="r-{Message.objects.get(body="Second").pk}"' in html and "Also sent to the channel" in html
    assert 'id="thread-compose"' in html and 'hx-swap-oob="true"' in html
    assert Message.objects.get(body="Second").also_in_channel


def test_refused_replies_come_back_beside_the_field(client_for: Any, newcomer: Any, root: Message) -> None:
    c = client_for(newcomer)
    refused = c.post(f"{thread_url(root)}reply/", {"body": "  "}, **HTMX)
    assert refused.status_code == 422 and "Write something before sending." in refused.content.decode()
    page = c.post(f"{thread_url(root)}reply/", {"body": "x" * 10_001})
    assert page.status_code == 400 and "at most 10,000 characters" in page.content.decode()


def test_announcement_channels_hide_also_send_from_members(
    client_for: Any, member: Any, space_moderator: Any
) -> None:
    news = chat_space(
        "News", members=[member], moderators=[space_moderator], kind_settings={"announcement_only": True}
    )
    root = actions.send_message(Guardian(space_moderator), news, body="Star party Saturday")
    url = f"/s/news/chat/thread/{root.pk}/"
    assert 'name="also_in_channel"' not in client_for(member).get(url).content.decode()
    assert 'name="also_in_channel"' in client_for(space_moderator).get(url).content.decode()
    refused = client_for(member).post(f"{url}reply/", {"body": "Me too", "also_in_channel": "on"})
    assert refused.status_code == 400 and "only moderators post here" in refused.content.decode()


def test_follow_and_unfollow_from_the_page(client_for: Any, space_moderator: Any, root: Message) -> None:
    c = client_for(space_moderator)
    assert c.post(f"{thread_url(root)}follow/").status_code == 302
    assert ThreadFollow.objects.filter(user=space_moderator, root=root).exists()
    html = c.post(f"{thread_url(root)}unfollow/", **HTMX).content.decode()
    assert 'id="thread-followers"' in html and ">Follow<" in html
    assert not ThreadFollow.objects.filter(user=space_moderator, root=root).exists()


def test_visitors_read_a_public_thread_and_are_asked_to_log_in(client_for: Any, member: Any) -> None:
    public = chat_space("Open sky", visibility=Space.PUBLIC, members=[member])
    root = actions.send_message(Guardian(member), public, body="Open to all")
    html = client_for(None).get(f"/s/{public.slug}/chat/thread/{root.pk}/").content.decode()
    assert "Open to all" in html and "to reply." in html and "Follow" not in html
    assert (
        client_for(None).post(f"/s/{public.slug}/chat/thread/{root.pk}/follow/").status_code == 302
    )  # login


def test_load_earlier_replies_with_a_cursor(
    client_for: Any, member: Any, newcomer: Any, root: Message
) -> None:
    replies = _replies(root, newcomer, 60)
    c = client_for(member)
    html = c.get(thread_url(root)).content.decode()
    assert "reply 59" in html and "reply 9<" not in html and "Load earlier replies" in html
    earlier = c.get(f"{thread_url(root)}earlier/?before={replies[10].pk}", **HTMX).content.decode()
    assert "reply 9<" in earlier and "reply 0<" in earlier and "Load earlier" not in earlier
    plain = c.get(f"{thread_url(root)}earlier/?before={replies[10].pk}")
    assert plain.status_code == 302 and plain["Location"] == f"{thread_url(root)}?before={replies[10].pk}"


def test_the_thread_page_query_count_does_not_grow_with_the_thread(
    client_for: Any, member: Any, newcomer: Any, root: Message, django_assert_num_queries: Any
) -> None:
    c = client_for(member)
    _replies(root, newcomer, 3)
    c.get(thread_url(root))
    with CaptureQueriesContext(connection) as few:
        assert c.get(thread_url(root)).status_code == 200
    _replies(root, newcomer, 120)
    for person in ("p1", "p2", "p3", "p4"):
        actions.follow_thread(Guardian(testing.make_member(person)), root)
    with django_assert_num_queries(len(few)):
        assert c.get(thread_url(root)).status_code == 200


def test_the_threads_list_shows_followed_threads_with_unread_replies(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, root: Message, django_assert_num_queries: Any
) -> None:
    actions.reply_in_thread(Guardian(newcomer), root, body="Unread for Max")
    c = client_for(member)
    assert "Threads · 1 unread" in c.get("/s/lounge/").content.decode()
    html = c.get("/s/lounge/chat/threads/").content.decode()
    assert "Which flats do you take" in html and "1 unread" in html and "1 reply" in html
    with CaptureQueriesContext(connection) as few:
        c.get("/s/lounge/chat/threads/")
    for i in range(5):
        more = actions.send_message(Guardian(member), lounge, body=f"Thread {i}")
        actions.reply_in_thread(Guardian(newcomer), more, body=f"Answer {i}")
    with django_assert_num_queries(len(few)):
        html = c.get("/s/lounge/chat/threads/").content.decode()
    assert html.index("Thread 4") < html.index("Thread 0") < html.index("Which flats")  # newest reply first
    c.get(thread_url(root))  # reading the thread clears its unread replies
    assert "Threads · 5 unread" in c.get("/s/lounge/").content.decode()
    outsider_view = client_for(space_moderator_of(lounge)).get("/s/lounge/chat/threads/").content.decode()
    assert "follow any threads here yet" in outsider_view


def test_the_reply_fragment_follows_the_readers_permissions(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, root: Message
) -> None:
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="secret reply")
    actions.delete_message(Guardian(newcomer), Message.objects.select_related("space").get(pk=reply.pk))
    assert "secret reply" not in client_for(member).get(f"/chat/r/{reply.pk}/", **HTMX).content.decode()
    assert "secret reply" in client_for(space_moderator).get(f"/chat/r/{reply.pk}/", **HTMX).content.decode()
    plain = client_for(member).get(f"/chat/r/{reply.pk}/")
    assert plain.status_code == 302 and plain["Location"] == f"{thread_url(root)}#r-{reply.pk}"
    assert client_for(member).get(f"/chat/r/{root.pk}/", **HTMX).status_code == 404  # not a reply


def test_deleting_a_reply_in_the_thread_answers_with_the_reply(
    client_for: Any, newcomer: Any, root: Message
) -> None:
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="oops")
    c = client_for(newcomer)
    html = c.post(f"/chat/m/{reply.pk}/delete/", {"area": "thread"}, **HTMX).content.decode()
    assert f'id="r-{reply.pk}"' in html and "Reply deleted" in html
    reply2 = actions.reply_in_thread(Guardian(newcomer), root, body="oops again")
    plain = c.post(f"/chat/m/{reply2.pk}/delete/", {"area": "thread"})
    assert plain["Location"] == f"{thread_url(root)}#r-{reply2.pk}"


def test_a_reply_found_by_search_opens_in_its_thread(
    client_for: Any, member: Any, newcomer: Any, root: Message
) -> None:
    kept = actions.reply_in_thread(Guardian(newcomer), root, body="Only in the thread")
    shown = actions.reply_in_thread(
        Guardian(newcomer), root, body="Also in the channel", also_in_channel=True
    )
    assert client_for(member).get(f"/chat/m/{kept.pk}/")["Location"] == f"{thread_url(root)}#r-{kept.pk}"
    assert (
        client_for(member).get(f"/chat/m/{shown.pk}/")["Location"]
        == f"/s/lounge/?before={shown.pk + 1}#m-{shown.pk}"
    )


def test_the_channel_query_count_does_not_grow_with_threads(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, django_assert_num_queries: Any
) -> None:
    """Thread summaries, "replied to a thread" lines and "moved to topic" links come with the messages."""
    forum = testing.make_space("Imaging", kind="discussion")
    c = client_for(member)
    first = actions.send_message(Guardian(member), lounge, body="Thread 0")
    actions.reply_in_thread(Guardian(newcomer), first, body="r", also_in_channel=True)
    c.get("/s/lounge/")
    with CaptureQueriesContext(connection) as few:
        assert c.get("/s/lounge/").status_code == 200
    expected = len(few)  # now: the bulk layer clears the connection's query log
    for i in range(1, 6):
        more = actions.send_message(Guardian(member), lounge, body=f"Thread {i}")
        actions.reply_in_thread(Guardian(newcomer), more, body=f"r{i}", also_in_channel=True)
        actions.reply_in_thread(Guardian(newcomer), more, body=f"kept {i}")
        if i % 2:
            actions.promote_thread(Guardian(member), more, to_space=forum, title=f"Topic {i}")
    c.get("/s/lounge/")  # the read position moves once
    with django_assert_num_queries(expected):
        html = c.get("/s/lounge/").content.decode()
    assert html.count("Moved to topic") == 3 and html.count("Replied to a thread") == 6


def test_a_reply_sent_from_the_panel_also_lands_in_the_channel_beside_it(
    client_for: Any, newcomer: Any, root: Message
) -> None:
    c = client_for(newcomer)
    data = {"body": "To both", "also_in_channel": "on", "in_panel": "1"}
    html = c.post(f"{thread_url(root)}reply/", data, **HTMX).content.decode()
    reply = Message.objects.get(body="To both")
    assert f'id="r-{reply.pk}"' in html and f'id="m-{reply.pk}"' in html
    assert 'hx-swap-oob="beforeend:#chat-messages"' in html and 'name="in_panel"' in html
    only_thread = c.post(f"{thread_url(root)}reply/", {"body": "Thread only", "in_panel": "1"}, **HTMX)
    assert "#chat-messages" not in only_thread.content.decode()
    refused = c.post(f"{thread_url(root)}reply/", {"body": " ", "in_panel": "1"}, **HTMX)
    assert refused.status_code == 422 and 'name="in_panel"' in refused.content.decode()


def test_live_read_and_the_threads_link_fragment(
    client_for: Any, member: Any, newcomer: Any, outsider: Any, root: Message
) -> None:
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="New for Max")
    c = client_for(member)
    assert "Threads · 1 unread" in c.get("/s/lounge/chat/threads/link/", **HTMX).content.decode()
    assert c.get("/s/lounge/chat/threads/link/")["Location"] == "/s/lounge/chat/threads/"
    assert c.post(f"{thread_url(root)}read/", {"up_to": reply.pk}, **HTMX).status_code == 204
    link = c.get("/s/lounge/chat/threads/link/", **HTMX).content.decode()
    assert 'id="chat-threads-link"' in link and "unread" not in link
    assert c.post(f"{thread_url(root)}read/", {"up_to": "nonsense"}).status_code == 302  # nothing moves
    assert client_for(outsider).post(f"{thread_url(root)}read/", {"up_to": reply.pk}).status_code == 404
    assert client_for(outsider).get("/s/lounge/chat/threads/link/", **HTMX).status_code == 404


def test_the_address_opens_no_thread_of_another_space(client_for: Any, member: Any, root: Message) -> None:
    other = chat_space("Other", members=[member])
    elsewhere = actions.send_message(Guardian(member), other, body="Elsewhere")
    page = client_for(member).get(f"/s/lounge/?thread={elsewhere.pk}").content.decode()
    assert "with-thread" not in page and "Elsewhere" not in page
