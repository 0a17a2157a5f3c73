"""Posts as search documents: what the index keeps of a post, when it changes, and how a hit shows.

Registered from DiscussionsConfig.ready(); the search app keeps the index by these rules:
- a post has a document unless it is hidden or deleted, or its topic is deleted;
- the opening post carries the topic's title; every post carries its text without markup;
- the posts of a hidden topic are found by the topic's author only (visibility "user:<author id>").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import slugify

from townhall.core.ids import MAX_ID
from townhall.core.registries import Document, SearchFilter, SearchType
from townhall.discussions import events
from townhall.discussions.models import Post, Topic

BATCH = 2000
DOCUMENT_FIELDS = (
    "id", "position", "body_html", "author_id", "created_at",
    "topic__id", "topic__space_id", "topic__title", "topic__hidden", "topic__author_id",
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def plain_text(html: str) -> str:
    """Indexed text: the rendered post without markup."""
    return _CONTROL.sub(" ", unescape(strip_tags(html)))


# --- documents -----------------------------------------------------------------------------------
def post_documents(ids: list[int]) -> list[Document]:
    """The documents of these posts as they are now (none for removed posts and deleted topics)."""
    posts = (
        Post.objects.filter(pk__in=ids, hidden=False, deleted_at__isnull=True, topic__deleted_at__isnull=True)
        .select_related("topic")
        .only(*DOCUMENT_FIELDS)
    )
    documents = []
    for post in posts:
        topic = post.topic
        visibility = ""
        if topic.hidden:
            if topic.author_id is None:
                continue  # a hidden topic whose author has gone: nobody finds it
            visibility = f"user:{topic.author_id}"
        documents.append(
            Document(
                object_id=post.pk,
                space_id=topic.space_id,
                container_id=topic.pk,
                title=topic.title if post.position == 1 else "",
                body=plain_text(post.body_html),
                author_id=post.author_id,
                created_at=post.created_at,
                visibility=visibility,
            )
        )
    return documents


def all_post_ids() -> Iterator[list[int]]:
    """Every post id, in ascending batches."""
    last = 0
    while True:
        batch = list(Post.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1]


def topic_post_ids(topic_id: int) -> list[int]:
    """Every post of a topic (a move, or the opening post hidden or deleted, concerns them all)."""
    return list(Post.objects.filter(topic_id=topic_id).values_list("pk", flat=True))


def _removed_or_restored(event: events.PostRemoved | events.PostRestored) -> list[int]:
    # The opening post takes the whole topic with it (deleted or hidden) and brings it back.
    return topic_post_ids(event.topic_id) if event.whole_topic else [event.post_id]


# --- showing hits --------------------------------------------------------------------------------
def load_posts(ids: list[int]) -> Mapping[int, Post]:
    """The posts of a results page with their topic, space and author (one query). Posts removed since
    their document was written are left out."""
    return (
        Post.objects.filter(hidden=False, deleted_at__isnull=True, topic__deleted_at__isnull=True)
        .select_related("author", "topic", "topic__space")
        .in_bulk(ids)
    )


def post_title(post: Post) -> str:
    """The title a reply's hit shows: its topic's."""
    return post.topic.title


def post_api_fields(post: Post) -> dict[str, Any]:
    """A post's fields of a hit in /api/v1/search (as they were before search had other types)."""
    author = post.author
    return {
        "post_id": post.pk,
        "topic_id": post.topic_id,
        "position": post.position,
        "topic_title": post.topic.title,
        "space": post.topic.space.slug,
        "solved": post.topic.accepted_post_id is not None,
        "author": {"username": author.username, "name": author.name} if author is not None else None,
        "url": reverse("discussions:post", args=[post.pk]),
    }


# --- filters only posts understand ----------------------------------------------------------------
class YesNoField(forms.NullBooleanField):
    """Solved or not: true/false (the API), yes/no (older links), empty for either."""

    widget = forms.Select(choices=[("", "Solved or not"), ("true", "Solved"), ("false", "Unsolved")])

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if isinstance(value, str) and value.lower() in ("yes", "no"):
            return value.lower() == "yes"
        return super().to_python(value)


def _in_topic(where: str) -> str:
    return f"EXISTS (SELECT 1 FROM discussions_topic t WHERE t.id = d.container_id AND {where})"  # noqa: S608 - `where` is fixed SQL


def _tag(name: str) -> tuple[str, list[Any]]:
    return (
        "EXISTS (SELECT 1 FROM discussions_topictag tt JOIN discussions_tag g ON g.id = tt.tag_id"
        " WHERE tt.topic_id = d.container_id AND g.slug = %s)",
        [slugify(name)[:50]],
    )


def _kind(kind: str) -> tuple[str, list[Any]]:
    return _in_topic("t.kind = %s"), [kind]


def _solved(solved: bool) -> tuple[str, list[Any]]:
    return _in_topic("t.accepted_post_id IS NOT NULL" if solved else "t.accepted_post_id IS NULL"), []


def _topic(topic_id: int) -> tuple[str, list[Any]]:
    return "d.container_id = %s", [topic_id]


def _topic_field() -> forms.Field:
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        label="Topic",
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "The topic to search in is not a number.",
            "min_value": "There is no such topic to search in.",
            "max_value": "There is no such topic to search in.",
        },
    )


FILTERS = {
    "tag": SearchFilter(
        field=lambda: forms.CharField(max_length=50, required=False, label="Tag"), where=_tag
    ),
    "kind": SearchFilter(
        field=lambda: forms.ChoiceField(
            choices=[("", "Any type"), *Topic.KINDS], required=False, label="Type"
        ),
        where=_kind,
    ),
    "solved": SearchFilter(field=lambda: YesNoField(required=False, label="Solved"), where=_solved),
    "topic": SearchFilter(field=_topic_field, where=_topic),
}


POSTS = SearchType(
    key="post",
    label="Posts",
    model="discussions.post",
    documents=post_documents,
    all_ids=all_post_ids,
    load=load_posts,
    hit_template="discussions/search_hit.html",
    title=post_title,
    api_fields=post_api_fields,
    refresh_on={
        events.TopicCreated: lambda e: [e.post_id],
        events.PostCreated: lambda e: [e.post_id],
        events.PostEdited: lambda e: [e.post_id],
        events.PostRemoved: _removed_or_restored,
        events.PostRestored: _removed_or_restored,
        events.TopicMoved: lambda e: topic_post_ids(e.topic_id),
    },
    filters=FILTERS,
    stylesheets=("discussions/discussions.css", "content/content.css"),
)
