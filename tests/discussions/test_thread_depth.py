"""Deep threads: past the nesting limit the threaded view links to "continue this thread", that page
shows the deeper replies, and the permalink of any deep reply lands on a page that contains it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from townhall.discussions import queries
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db
LIMIT = queries.THREAD_DEPTH


def _chain(user: Any, topic: Topic, n: int) -> list[Post]:
    """n replies, each answering the one before: depths 1..n."""
    parent: Post | None = None
    chain = []
    for i in range(n):
        parent = reply(user, topic, f"level-{i + 1}-text", reply_to=parent)
        chain.append(parent)
    return chain


def _continue_links(html: str) -> list[str]:
    found = re.findall(r'<a [^>]*href="([^"]*root=\d+[^"]*)"[^>]*>\s*Continue this thread', html)
    return [m.replace("&amp;", "&") for m in found]


def _levels(items: list[queries.PostItem]) -> int:
    return 1 + max((_levels(i.children) for i in items), default=0) if items else 0


def _shown(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'id="post-(\d+)"', html)}


def _land(client: Any, url: str) -> tuple[str, str]:
    """Follow the permalink's redirect; the final page's HTML and the anchor asked for."""
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    path, _, anchor = location.partition("#")
    page = client.get(path)
    assert page.status_code == 200
    return page.content.decode(), anchor


def test_continue_link_appears_past_the_limit_and_leads_to_the_deeper_replies(
    client_for: Any, member: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    chain = _chain(member, topic, LIMIT * 2 + 2)  # two continuation pages deep
    c = client_for(member)
    top = c.get(reverse("discussions:topic", args=[topic.pk, topic.slug]) + "?view=thread").content.decode()
    assert _shown(top) >= {p.pk for p in chain[:LIMIT]}
    assert not _shown(top) & {p.pk for p in chain[LIMIT:]}
    links = _continue_links(top)
    assert len(links) == 1 and f"root={chain[LIMIT - 1].pk}" in links[0]
    assert "Continue this thread (1 reply to this post)" in top

    second = c.get(links[0])
    assert second.status_code == 200
    html = second.content.decode()
    # The post the thread continues from is shown on top, then the next LIMIT levels, nested.
    assert _shown(html) == {p.pk for p in chain[LIMIT - 1 : 2 * LIMIT]}
    assert "level-7-text" in html and "level-12-text" in html and "level-13-text" not in html
    nested = queries.topic_page(Guardian(member), fresh(topic), view=queries.THREAD, root=chain[LIMIT - 1])
    assert _levels(nested.items) == LIMIT and nested.root_item is not None
    assert "Back to the whole thread" in html
    deeper = _continue_links(html)
    assert len(deeper) == 1 and f"root={chain[2 * LIMIT - 1].pk}" in deeper[0]

    third = c.get(deeper[0]).content.decode()
    assert {p.pk for p in chain[2 * LIMIT :]} <= _shown(third)
    assert "level-14-text" in third and not _continue_links(third)


def test_no_continue_link_when_the_deepest_shown_post_has_no_replies(
    client_for: Any, member: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    _chain(member, topic, LIMIT)
    page = client_for(member).get(reverse("discussions:topic", args=[topic.pk, topic.slug]) + "?view=thread")
    assert not _continue_links(page.content.decode())


@pytest.mark.parametrize("how", ["explicit", "cookie", "flat"])
def test_permalink_of_every_deep_reply_lands_on_a_page_containing_it(
    client_for: Any, member: Any, space: Space, how: str
) -> None:
    topic = start_topic(member, space)
    chain = _chain(member, topic, LIMIT * 2 + 3)
    c = client_for(member)
    suffix = "?view=thread" if how == "explicit" else ""
    if how == "cookie":  # the reader chose the threaded view earlier; the link does not say so
        c.get(reverse("discussions:topic", args=[topic.pk, topic.slug]) + "?view=thread")
    for post in chain:
        html, anchor = _land(c, reverse("discussions:post", args=[post.pk]) + suffix)
        assert anchor == f"post-{post.pk}"
        assert post.pk in _shown(html), (how, post.depth)
        assert f"level-{post.depth}-text" in html
        if how != "flat":
            assert "posts-thread" in html


def test_permalink_of_a_deep_reply_on_the_second_page_of_its_thread(
    client_for: Any, member: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    chain = _chain(member, topic, LIMIT + 1)
    siblings = [reply(member, topic, f"sibling {i}", reply_to=chain[LIMIT - 1]) for i in range(25)]
    c = client_for(member)
    html, _ = _land(c, reverse("discussions:post", args=[siblings[-1].pk]) + "?view=thread")
    assert siblings[-1].pk in _shown(html)
    assert f"root={chain[LIMIT - 1].pk}" in html  # the page links keep to this thread
    first, _ = _land(c, reverse("discussions:post", args=[siblings[0].pk]) + "?view=thread")
    assert siblings[0].pk in _shown(first) and siblings[-1].pk not in _shown(first)


def test_continued_thread_page_query_count_is_fixed(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    chain = _chain(member, topic, LIMIT + 2)
    c = client_for(member)
    url = (
        reverse("discussions:topic", args=[topic.pk, topic.slug]) + f"?view=thread&root={chain[LIMIT - 1].pk}"
    )
    c.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(10):
        reply(member, topic, f"more {i}", reply_to=chain[LIMIT + i % 2])
    c.get(url)  # the same read state as the first measurement
    assert count() == small


def test_a_root_from_another_topic_is_ignored(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    other = start_topic(member, space, title="Another one")
    stranger = _chain(member, other, LIMIT + 1)[LIMIT - 1]
    _chain(member, topic, 2)
    page = client_for(member).get(
        reverse("discussions:topic", args=[topic.pk, topic.slug]) + f"?view=thread&root={stranger.pk}"
    )
    assert page.status_code == 200 and "level-7-text" not in page.content.decode()
    assert "level-2-text" in page.content.decode()
