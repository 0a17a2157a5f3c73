"""Spaces, posts and a look at the index, for the search tests."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.search import queries
from townhall.search.models import Document
from townhall.spaces.models import Space


@pytest.fixture(autouse=True)
def _generous_rates(settings: Any, tmp_path: Any) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"


@pytest.fixture
def space(member: Any, moderator: Any) -> Space:
    """A members-only discussion space that `member` has joined."""
    return testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[member])


@pytest.fixture
def public_space(member: Any) -> Space:
    return testing.make_space("Open sky", visibility=Space.PUBLIC, members=[member])


@pytest.fixture
def private_space(member: Any) -> Space:
    return testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member])


def start_topic(user: Any, space: Space, title: str = "Which lens for the Milky Way?", **kw: Any) -> Topic:
    kw.setdefault("body", "I want a wide, fast lens. Ideas?")
    return actions.create_topic(Guardian(user), space, title=title, **kw)


def reply(user: Any, topic: Topic, body: str = "Try a 14mm f/2.8.") -> Post:
    return actions.create_post(Guardian(user), topic, body=body)


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def found(who: Any, text: str, **filters: Any) -> list[str]:
    """The bodies of the posts `who` finds (None: an anonymous visitor)."""
    results = queries.search(Guardian(who), text, filters=queries.SearchFilters(**filters))
    return [hit.object.body for hit in results.hits]


def document(post: Post) -> Document | None:
    return Document.objects.filter(type="post", object_id=post.pk).first()
