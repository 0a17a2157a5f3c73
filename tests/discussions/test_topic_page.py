"""The topic page runs a fixed number of queries, whatever the number of posts, reactions or members."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import factories as testing
from townhall.core import pagecache
from townhall.discussions import actions, queries
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


def _people(space: Space, n: int) -> list[Any]:
    people = []
    for _ in range(n):
        user = testing.make_member()
        SpaceMembership.objects.create(space=space, user=user)
        people.append(user)
    return people


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["flat", "thread"])
def test_topic_page_query_count_is_fixed(
    client_for: Any, member: Any, moderator: Any, space: Space, view: str
) -> None:
    topic = start_topic(member, space, kind=Topic.QUESTION, tags="a, b")
    people = _people(space, 2)
    first = reply(people[0], topic, "first")
    actions.accept_answer(Guardian(member), topic, first)
    actions.react(Guardian(people[1]), first, emoji="👍")
    reader = client_for(moderator)  # moderators see every control
    url = reverse("discussions:topic", args=[topic.pk, topic.slug]) + f"?view={view}"
    reader.get(url)  # the first visit creates the read mark
    small = _queries(reader, url)

    people += _people(space, 6)
    parent: Post | None = first
    for i, person in enumerate(people):
        parent = reply(person, topic, f"reply {i}", reply_to=parent if i % 2 else None)
        for other in people[:4]:
            actions.react(Guardian(other), parent, emoji="🎉")
    actions.hide_post(Guardian(moderator), parent)
    reader.get(url)  # the same read state as the first measurement
    assert _queries(reader, url) == small


def test_anonymous_public_topic_query_count_is_fixed(
    client_for: Any, member: Any, public_space: Space
) -> None:
    topic = start_topic(member, public_space)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    visitor = client_for(None)
    visitor.get(url)  # warm the cached reaction set, as every later visit finds it
    pagecache.site_changed()  # count a full render, not a copy from the page cache
    small = _queries(visitor, url)
    people = _people(public_space, 5)
    for person in people:
        post = reply(person, topic)
        actions.react(Guardian(person), post, emoji="❤️")
    assert _queries(visitor, url) == small  # the replies made a new version: rendered again
    assert _queries(visitor, url) == 1  # from the page cache: only the topic and its permission check


def test_reading_new_posts_costs_one_write(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    reader = _people(space, 1)[0]
    c = client_for(reader)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    c.get(url)
    settled = _queries(c, url)
    reply(member, topic)
    assert _queries(c, url) == settled + 1


def test_pages_hold_twenty_posts(member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    for i in range(44):
        reply(member, topic, f"p{i}")
    topic = Topic.objects.get(pk=topic.pk)
    page = queries.topic_page(Guardian(member), topic, page=3)
    assert page.pages == 3 and [i.post.position for i in page.items] == [41, 42, 43, 44, 45]
    beyond = queries.topic_page(Guardian(member), topic, page=99)
    assert beyond.page == 3


def test_threaded_page_nests_children(member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    a = reply(member, topic, "a")
    b = reply(member, topic, "b")
    a1 = reply(member, topic, "a1", reply_to=a)
    reply(member, topic, "a1x", reply_to=a1)
    reply(member, topic, "b1", reply_to=b)
    page = queries.topic_page(Guardian(member), Topic.objects.get(pk=topic.pk), view="thread")
    assert page.opening is not None and page.opening.post.position == 1
    shape = [
        (i.post.body, [(c.post.body, [g.post.body for g in c.children]) for c in i.children])
        for i in page.items
    ]
    assert shape == [("a", [("a1", ["a1x"])]), ("b", [("b1", [])])]


def test_hidden_post_text_only_for_author_and_moderators(
    client_for: Any, member: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    other = _people(space, 1)[0]
    post = reply(other, topic, "questionable words")
    actions.hide_post(Guardian(moderator), post)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    assert b"questionable words" not in client_for(member).get(url).content
    assert b"questionable words" in client_for(other).get(url).content
    assert b"questionable words" in client_for(moderator).get(url).content
