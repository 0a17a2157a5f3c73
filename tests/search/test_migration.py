"""An existing installation: after migrating, the posts searchable before are searchable again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

import factories as testing
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.search import queries
from townhall.search.models import Document
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("discussions", "0004_topic_version"), ("search", None)]


def migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_search_app() -> Iterator[None]:
    migrate(BEFORE)
    try:
        yield
    finally:
        migrate(latest())


def old_index(post: Post, title: str = "") -> None:
    """What discussions.search.index_post wrote before."""
    text = post.body + "\n"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO discussions_post_fts(rowid, title, body) VALUES (%s, %s, %s)",
                [post.pk, title, text],
            )
        else:
            cursor.execute(
                "INSERT INTO discussions_post_search (post_id, title, body, document) VALUES (%s, %s, %s,"
                " setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B'))",
                [post.pk, title, text, title, text],
            )


def make_topic(space: Space, author: Any, title: str, *bodies: str, **state: Any) -> list[Post]:
    # The models as they were then: later migrations add columns the old tables do not have yet.
    old = MigrationExecutor(connection).loader.project_state(BEFORE[:1]).apps
    old_topic, old_post = old.get_model("discussions", "Topic"), old.get_model("discussions", "Post")
    topic = old_topic.objects.create(
        space_id=space.pk, author_id=author.pk if author else None, title=title, slug="t",
        last_posted_at=timezone.now(),
    )  # fmt: skip
    posts = []
    for position, body in enumerate(bodies, 1):
        post = old_post.objects.create(
            topic=topic, author_id=author.pk if author else None, position=position,
            depth=min(position - 1, 1), path=f"{position:08d}",
            body=body, body_html=f"<p>{body}</p>",
        )  # fmt: skip
        old_index(post, title if position == 1 else "")
        posts.append(post)
    Topic.objects.filter(pk=topic.pk).update(**state)
    return posts


def test_the_old_index_moves_into_the_documents(before_the_search_app: None) -> None:
    testing.make_community()
    author = testing.make_member("max")
    space = testing.make_space("Open sky", visibility=Space.PUBLIC)
    opening, answer, hidden = make_topic(
        space, author, "Comet watch", "comet tonight", "comet at dawn", "comet spam"
    )
    Post.objects.filter(pk=hidden.pk).update(hidden=True)  # hidden after it was indexed
    make_topic(space, author, "Deleted comet", "deleted comet", deleted_at=timezone.now())
    secret_opening, secret_reply = make_topic(space, author, "Hidden comet", "hidden comet", "hidden reply comet",
                                              hidden=True)  # fmt: skip
    Post.objects.filter(pk=secret_opening.pk).update(hidden=True)  # hiding a topic hides its opening post
    make_topic(space, None, "Orphan comet", "orphan comet", hidden=True)

    migrate(latest())

    docs = {d.object_id: d for d in Document.objects.filter(type="post")}
    assert set(docs) == {opening.pk, answer.pk, secret_reply.pk}
    assert docs[opening.pk].title == "Comet watch" and docs[answer.pk].title == ""
    assert (docs[answer.pk].space_id, docs[answer.pk].container_id) == (space.pk, answer.topic_id)
    assert docs[answer.pk].created_at == answer.created_at and docs[answer.pk].author_id == author.pk
    assert docs[secret_reply.pk].visibility == f"user:{author.pk}" and docs[opening.pk].visibility == ""
    assert [d.object_id for d in sorted(docs.values(), key=lambda d: d.pk)] == sorted(docs)  # oldest first
    visitor = queries.search(Guardian(None), "comet")
    assert sorted(h.object_id for h in visitor.hits) == [opening.pk, answer.pk]
    mine = queries.search(Guardian(author), "comet")
    assert {h.object_id for h in mine.hits} == {opening.pk, answer.pk, secret_reply.pk}
    with connection.cursor() as cursor:
        old_table = "discussions_post_fts" if connection.vendor == "sqlite" else "discussions_post_search"
        assert old_table not in connection.introspection.table_names(cursor)

    migrate(BEFORE)  # and back: the old index is filled again from the documents
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {old_table}")
        assert cursor.fetchone()[0] == 3
