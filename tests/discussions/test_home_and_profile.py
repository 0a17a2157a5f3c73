"""The member's home (sections registered by discussions and community) and profiles' recent posts:
only what the Guardian lets the viewer read, in a fixed number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import factories as testing
from townhall.community.models import Membership
from townhall.core.registries import HomeSection, home_sections, register_home_section
from townhall.discussions import actions, queries
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.spaces import actions as space_actions
from townhall.spaces.models import Space

from .conftest import reply, start_topic

HTMX = {"HTTP_HX_REQUEST": "true"}


def feed_titles(html: str) -> list[str]:
    feed = html.split('id="home-feed"', 1)[1] if 'id="home-feed"' in html else html
    return re.findall(r'<h3 class="feed-title" id="feed-topic-\d+"><a href="[^"]+">([^<]+)</a>', feed)


def count_queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- New in your spaces -----------------------------------------------------------------------------
def test_feed_groups_topics_and_replies_newest_first_from_joined_spaces(
    client_for: Any, member: Any, moderator: Any
) -> None:
    planets = testing.make_space("Planets", members=[member, moderator])
    other = testing.make_space("Not joined", members=[moderator])
    old = start_topic(moderator, planets, title="Saturn rings tonight")
    new = start_topic(moderator, planets, title="Jupiter moons")
    start_topic(moderator, other, title="Elsewhere entirely")
    reply(member, old, body="First reply to Saturn")
    reply(moderator, old, body="Second reply to **Saturn**")
    html = client_for(member).get("/home/").content.decode()
    assert feed_titles(html) == ["Saturn rings tonight", "Jupiter moons"]  # the reply bumped Saturn
    saturn = html.split("Saturn rings tonight", 2)[2].split("feed-item")[0]
    assert "First reply to Saturn" in saturn and "Second reply to Saturn" in saturn  # Markdown as text
    assert "I want a wide, fast lens" not in saturn  # only the newest two posts of a topic
    assert "Elsewhere entirely" not in html
    assert new.title in html


def test_feed_never_shows_what_the_member_may_not_read(client_for: Any, member: Any, moderator: Any) -> None:
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member, moderator])
    secret_topic = start_topic(moderator, private, title="Only for the circle")
    hidden_post_topic = start_topic(moderator, private, title="A topic with a hidden reply")
    hidden = reply(moderator, hidden_post_topic, body="Nobody should read this reply")
    actions.hide_post(Guardian(moderator), hidden)
    actions.mark_read(Guardian(member), secret_topic, position=1)
    reply(moderator, secret_topic, body="News in the circle")
    c = client_for(member)
    html = c.get("/home/").content.decode()
    assert "Only for the circle" in html and "Nobody should read this reply" not in html
    assert "Continue reading" in html

    # Out of the private space: neither the feed nor "continue reading" name its topics any more.
    space_actions.leave_space(Guardian(member), private)
    html = c.get("/home/").content.decode()
    assert "Only for the circle" not in html and "News in the circle" not in html
    assert "Continue reading" not in html
    assert "Only for the circle" not in c.get("/new/").content.decode()


def test_feed_leaves_out_muted_topics_and_hidden_topics(client_for: Any, member: Any, moderator: Any) -> None:
    space = testing.make_space("Planets", members=[member, moderator])
    muted = start_topic(moderator, space, title="Muted chatter")
    hidden = start_topic(moderator, space, title="Hidden by a moderator")
    start_topic(moderator, space, title="Still here")
    actions.set_topic_follow_level(Guardian(member), muted, level="muted")
    actions.hide_topic(Guardian(moderator), hidden)
    titles = feed_titles(client_for(member).get("/home/").content.decode())
    assert titles == ["Still here"]


def test_load_more_follows_the_cursor_with_and_without_htmx(
    client_for: Any, member: Any, moderator: Any
) -> None:
    space = testing.make_space("Planets", members=[member, moderator])
    for i in range(queries.FEED_PAGE + 3):
        start_topic(moderator, space, title=f"Topic number {i:02d}")
    c = client_for(member)
    home = c.get("/home/").content.decode()
    first = feed_titles(home)
    assert len(first) == queries.FEED_PAGE and first[0] == f"Topic number {queries.FEED_PAGE + 2:02d}"
    more = re.search(r'href="(/new/\?cursor=[^"]+)" hx-get="\1"', home)
    assert more is not None and "Load more" in home
    url = more.group(1).replace("&amp;", "&")

    partial = c.get(url, **HTMX).content.decode()
    assert "<html" not in partial and partial.lstrip().startswith('<li class="feed-item">')
    rest = feed_titles(partial)
    assert rest == ["Topic number 02", "Topic number 01", "Topic number 00"]
    assert "Load more" not in partial

    page = c.get(url).content.decode()  # without JavaScript: a page of its own
    assert "<h1>New in your spaces</h1>" in page and feed_titles(page) == rest
    assert c.get("/new/?cursor=garbage").status_code == 200  # a message, and the first page


def test_new_page_is_for_signed_in_people(client: Any, community: Any) -> None:
    assert client.get("/new/")["Location"].startswith("/accounts/login/")


def test_feed_without_spaces_invites_to_browse(client_for: Any, member: Any) -> None:
    html = client_for(member).get("/home/").content.decode()
    assert "You have not joined any spaces yet" in html and 'href="/spaces/"' in html


# --- Continue reading -------------------------------------------------------------------------------
def test_continue_reading_lists_followed_topics_with_new_posts(
    client_for: Any, member: Any, moderator: Any
) -> None:
    space = testing.make_space("Planets", members=[member, moderator])
    followed = start_topic(member, space, title="My own question")  # authors watch their topics
    opened = start_topic(moderator, space, title="Opened once")
    untouched = start_topic(moderator, space, title="Never opened")
    muted = start_topic(moderator, space, title="Opened then muted")
    for topic in (opened, muted):
        actions.mark_read(Guardian(member), topic, position=1)
    actions.set_topic_follow_level(Guardian(member), muted, level="muted")
    for topic in (followed, opened, untouched, muted):
        reply(moderator, topic)
    reply(moderator, followed)
    topics = queries.continue_reading(Guardian(member))
    assert [t.title for t in topics] == ["My own question", "Opened once"]
    assert [t.unread_count for t in topics] == [2, 1]
    html = client_for(member).get("/home/").content.decode()
    section = html.split('id="home-continue"', 1)[1].split("</section>", 1)[0]
    assert f'href="/t/{followed.pk}/unread/"' in section and "2 new" in section
    assert "Never opened" not in section and "Opened then muted" not in section


# --- New members ------------------------------------------------------------------------------------
def test_new_members_link_to_profiles_with_their_introduction(
    client_for: Any, member: Any, community: Any
) -> None:
    lisa = testing.make_member("lisa", display_name="Lisa Lens")
    Membership.objects.filter(user=lisa).update(introduction="Hi, I shoot *comets*.")
    testing.make_member("quiet", display_name="Quiet Quinn")
    testing.make_member("applicant", state=Membership.PENDING, display_name="Pending Person")
    testing.make_member("gone", state=Membership.BANNED, display_name="Banned Person")
    html = client_for(member).get("/home/").content.decode()
    section = html.split('id="home-new-members"', 1)[1].split("</section>", 1)[0]
    assert 'href="/u/lisa/"' in section and "Hi, I shoot comets." in section
    assert "Quiet Quinn" in section and "Has not written an introduction yet." in section
    assert "Pending Person" not in section and "Banned Person" not in section
    assert "Max Member" not in section  # not yourself


# --- the registry and the page ------------------------------------------------------------------------
def test_home_renders_whatever_is_registered(client_for: Any, member: Any) -> None:
    def render(request: Any) -> Any:
        return "discussions/sections/continue_reading.html", {"continue_topics": []}

    register_home_section(HomeSection("toy", "A toy section", 1, render))
    try:
        html = client_for(member).get("/home/").content.decode()
    finally:
        home_sections.unregister("toy")
    assert "A toy section" in html
    assert html.index("A toy section") < html.index("New in your spaces")


def test_leave_is_in_a_secondary_menu_on_the_home(client_for: Any, member: Any, owner: Any) -> None:
    html = client_for(member).get("/home/").content.decode()
    menu = html.split('<details class="menu">', 1)[1].split("</details>", 1)[0]
    assert "More options for Night Sky Collective" in menu
    assert 'action="/leave/"' in menu and "Leave Night Sky Collective</button>" in menu
    assert html.count('action="/leave/"') == 1
    assert 'action="/leave/"' not in client_for(owner).get("/home/").content.decode()


def _home_world(size: int, member: Any, moderator: Any) -> None:
    spaces = [testing.make_space(f"Space {i}", members=[member, moderator]) for i in range(3)]
    for i in range(size):
        topic = start_topic(moderator, spaces[i % 3], title=f"Topic {size} {i}")
        actions.mark_read(Guardian(member), topic, position=1)
        reply(moderator, topic, body=f"Reply {i}")
        testing.make_member(f"new{size}x{i}", display_name=f"New {i}")


@pytest.mark.parametrize("size", [3, 15])
def test_home_query_count_is_fixed_whatever_the_content(
    client_for: Any, member: Any, moderator: Any, size: int, django_assert_num_queries: Any
) -> None:
    _home_world(size, member, moderator)
    c = client_for(member)
    # User, membership, space roles, group ids, continue reading, feed topics, their newest posts,
    # new members, community, sidebar spaces, sidebar unread counts, upcoming events.
    with django_assert_num_queries(HOME_QUERIES):
        response = c.get("/home/")
    assert b"Continue reading" in response.content and b"Say hello to new members" in response.content
    assert len(feed_titles(response.content.decode())) == min(size, queries.FEED_PAGE)


HOME_QUERIES = 12  # with the events section ("Upcoming events": one query for the dates)


# --- profiles ------------------------------------------------------------------------------------------
def test_profile_shows_recent_topics_and_replies_the_viewer_may_read(
    client_for: Any, member: Any, moderator: Any, outsider: Any
) -> None:
    open_space = testing.make_space("Open sky", visibility=Space.MEMBERS, members=[member, moderator])
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member])
    other = testing.make_member("viola", display_name="Viola Viewer")
    start_topic(member, open_space, title="A public question")
    secret = start_topic(member, private, title="A private matter")
    theirs = start_topic(moderator, open_space, title="Someone else's topic")
    reply(member, theirs, body="My visible reply")
    reply(member, secret, body="My private reply")
    hidden = reply(member, theirs, body="My hidden reply")
    actions.hide_post(Guardian(moderator), hidden)

    seen_by_other = client_for(other).get("/u/max/").content.decode()
    assert "Recent topics and replies" in seen_by_other
    assert "A public question" in seen_by_other and "My visible reply" in seen_by_other
    assert "A private matter" not in seen_by_other and "My private reply" not in seen_by_other
    assert "My hidden reply" not in seen_by_other

    own = client_for(member).get("/u/max/").content.decode()
    assert "A private matter" in own and "My private reply" in own
    assert client_for(outsider).get("/u/max/").status_code == 404


def test_profile_without_readable_posts_has_no_section(client_for: Any, member: Any, moderator: Any) -> None:
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member])
    start_topic(member, private, title="A private matter")
    viewer = testing.make_member("viola")
    assert "Recent topics and replies" not in client_for(viewer).get("/u/max/").content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_profile_query_count_is_fixed(
    client_for: Any, member: Any, moderator: Any, size: int, django_assert_num_queries: Any
) -> None:
    space = testing.make_space("Open sky", members=[member, moderator])
    for i in range(size):
        topic = start_topic(member, space, title=f"Topic {i}")
        reply(member, topic, body=f"Reply {i}")
    viewer = testing.make_member("viola")
    c = client_for(viewer)
    # User, viewer's membership, space roles, person + membership, interests, groups, topics, replies,
    # community, sidebar spaces; and beside someone else's profile, whether I blocked them (the Block
    # button), their membership and blocks either way (chat's Message button).
    with django_assert_num_queries(PROFILE_QUERIES):
        response = c.get("/u/max/")
    assert response.status_code == 200 and b"Recent topics and replies" in response.content


PROFILE_QUERIES = 13


def test_profile_activity_follows_the_readable_spaces_filter(member: Any, moderator: Any) -> None:
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member])
    start_topic(member, private, title="A private matter")
    activity = queries.profile_activity(Guardian(moderator), member.pk)
    # Community moderators read private spaces (policy/spaces.py); a plain member does not.
    assert [t.title for t in activity.topics] == ["A private matter"]
    viewer = testing.make_member("viola")
    assert queries.profile_activity(Guardian(viewer), member.pk).topics == []
    assert Topic.objects.count() == 1
