"""Feeds (read with a real feed parser), sitemap and meta tags: public spaces only."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.urls import reverse

from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


def test_space_feed_lists_latest_public_topics(client_for: Any, member: Any, public_space: Space) -> None:
    first = start_topic(member, public_space, title="First light", body="My **first** photo")
    start_topic(member, public_space, title="Second light")
    response = client_for(None).get(reverse("discussions:space-feed", args=[public_space.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.feed.title == "Open sky: latest topics"
    assert [e.title for e in feed.entries] == ["Second light", "First light"]
    entry = feed.entries[1]
    assert entry.link.endswith(first.get_absolute_url())
    assert "<strong>first</strong>" in entry.summary
    assert entry.author == "Max Member"


def test_topic_feed_lists_posts(client_for: Any, member: Any, public_space: Space, moderator: Any) -> None:
    topic = start_topic(member, public_space)
    reply(member, topic, "A visible reply")
    hidden = reply(member, topic, "A hidden reply")
    actions.hide_post(Guardian(moderator), hidden)
    feed = feedparser.parse(client_for(None).get(reverse("discussions:topic-feed", args=[topic.pk])).content)
    assert not feed.bozo and feed.feed.title == topic.title
    assert [e.title for e in feed.entries] == ["#2 by Max Member", "#1 by Max Member"]
    assert "A hidden reply" not in str(feed)


@pytest.mark.parametrize("visibility", [Space.MEMBERS, Space.PRIVATE, Space.SECRET])
def test_non_public_spaces_have_no_feeds(client_for: Any, member: Any, visibility: str) -> None:
    import factories as testing

    space = testing.make_space(f"Closed {visibility}", visibility=visibility, members=[member])
    topic = start_topic(member, space)
    c = client_for(member)  # even a member gets no feed: feed readers are not signed in
    assert c.get(reverse("discussions:space-feed", args=[space.slug])).status_code == 404
    assert c.get(reverse("discussions:topic-feed", args=[topic.pk])).status_code == 404


def test_hidden_public_topic_has_no_feed(
    client_for: Any, member: Any, moderator: Any, public_space: Space
) -> None:
    topic = start_topic(member, public_space, title="Soon hidden")
    actions.hide_topic(Guardian(moderator), topic)
    assert client_for(None).get(reverse("discussions:topic-feed", args=[topic.pk])).status_code == 404
    feed = feedparser.parse(
        client_for(None).get(reverse("discussions:space-feed", args=[public_space.slug])).content
    )
    assert feed.entries == []


def test_sitemap_has_public_topics_only(
    client_for: Any, member: Any, public_space: Space, space: Space
) -> None:
    public = start_topic(member, public_space, title="Public one")
    private = start_topic(member, space, title="Members one")
    response = client_for(None).get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert public.get_absolute_url() in body
    assert private.get_absolute_url() not in body
    assert reverse("discussions:space-topics", args=[public_space.slug]) in body
    assert reverse("discussions:space-topics", args=[space.slug]) not in body


def test_public_pages_have_meta(client_for: Any, member: Any, public_space: Space, space: Space) -> None:
    topic = start_topic(member, public_space, title="Meta title", body="A description of the topic")
    page = client_for(None).get(topic.get_absolute_url()).content.decode()
    assert "<title>Meta title · Open sky" in page
    assert '<meta name="description" content="A description of the topic">' in page
    assert f'<link rel="canonical" href="http://testserver{topic.get_absolute_url()}">' in page
    assert '<meta property="og:title" content="Meta title">' in page
    members = start_topic(member, space, title="Members meta")
    inner = client_for(member).get(members.get_absolute_url()).content.decode()
    assert 'content="noindex"' in inner and "og:title" not in inner
    space_page = (
        client_for(None).get(reverse("discussions:space-topics", args=[public_space.slug])).content.decode()
    )
    assert "application/atom+xml" in space_page and 'rel="canonical"' in space_page
