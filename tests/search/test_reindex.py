"""`townhall manage reindex`: the index rebuilt from the apps' own rows."""

from __future__ import annotations

import dataclasses
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from townhall.core.registries import search_types
from townhall.discussions import actions, search_docs
from townhall.discussions.models import Post
from townhall.policy import Guardian
from townhall.search import index
from townhall.search.models import Document
from townhall.spaces.models import Space

from .conftest import found, reply, start_topic

pytestmark = pytest.mark.django_db


def reindex(*args: str) -> str:
    out = StringIO()
    call_command("reindex", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row[1:]
        for row in Document.objects.values_list(
            "object_id", "pk", "space_id", "container_id", "title", "body", "author_id", "created_at",
            "visibility",
        )
    }  # fmt: skip


def test_reindex_rebuilds_a_lost_or_damaged_index(member: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space, title="Nebula season", body="Orion nebula rises")
    kept = reply(member, topic, "Nebula filters help")
    hidden = reply(member, topic, "Nebula rumours")
    actions.hide_post(Guardian(moderator), hidden)
    expected = snapshot()
    assert set(expected) == {topic.posts.get(position=1).pk, kept.pk}
    # Damage it every way: a lost document, a stale one, one that should not exist, one of no post.
    Document.objects.filter(object_id=kept.pk).delete()
    Document.objects.filter(object_id=topic.posts.get(position=1).pk).update(body="stale text")
    Document.objects.create(type="post", object_id=hidden.pk, space_id=space.pk, title="", body="Nebula rumours",
                            created_at=hidden.created_at)  # fmt: skip
    Document.objects.create(
        type="post", object_id=10**12, space_id=space.pk, body="ghost", created_at=hidden.created_at
    )
    assert "post: 2 documents\n" in reindex()  # other apps' types follow with their own counts
    rebuilt = snapshot()
    assert {k: v[1:] for k, v in rebuilt.items()} == {k: v[1:] for k, v in expected.items()}
    opening = topic.posts.get(position=1).pk
    assert rebuilt[opening][0] == expected[opening][0]  # the row that survived kept its id
    assert sorted(found(member, "nebula")) == ["Nebula filters help", "Orion nebula rises"]


def test_reindex_of_one_type_and_an_unknown_type(member: Any, space: Space) -> None:
    start_topic(member, space, body="Venus transit")
    Document.objects.all().delete()
    assert reindex("--type", "post") == "post: 1 document\n"
    with pytest.raises(CommandError, match="Unknown search type 'chat'; registered types: post"):
        reindex("--type", "chat")


def test_reindex_walks_all_posts_in_batches(member: Any, space: Space, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_docs, "BATCH", 3)
    monkeypatch.setattr(index, "BATCH", 2)
    topic = start_topic(member, space, body="Mars opposition")
    for i in range(7):
        reply(member, topic, f"Mars note {i}")
    Post.objects.filter(topic=topic, position=5).update(deleted_at=topic.created_at)
    Document.objects.all().delete()
    assert "post: 7 documents\n" in reindex()
    assert len(found(member, "mars")) == 7


def test_all_ids_must_be_ascending() -> None:
    backwards = dataclasses.replace(search_types["post"], all_ids=lambda: iter([[5, 6], [1, 2]]))
    with pytest.raises(ValueError, match="ascending"):
        index.reindex(backwards)
