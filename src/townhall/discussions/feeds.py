"""Atom feeds and sitemap entries for public spaces only: a private space never appears here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse

from townhall.core.xmltext import XmlSafeAtom1Feed, xml_text
from townhall.discussions import queries
from townhall.discussions.models import Post, Topic
from townhall.spaces.models import Space

FEED_ITEMS = 30


def _public_space(slug: str) -> Space:
    space = Space.objects.filter(slug=slug, visibility=Space.PUBLIC, archived_at__isnull=True).first()
    if space is None:
        raise Http404("No such space")
    return space


def _public_topic(topic_id: int) -> Topic:
    topic = (
        Topic.objects.select_related("space", "author")
        .filter(
            pk=topic_id,
            space__visibility=Space.PUBLIC,
            space__archived_at__isnull=True,
            hidden=False,
            deleted_at__isnull=True,
        )
        .first()
    )
    if topic is None:
        raise Http404("No such topic")
    return topic


class SpaceTopicsFeed(Feed):
    """The latest topics of one public space, with their opening posts."""

    feed_type = XmlSafeAtom1Feed  # a post may hold characters XML forbids (a pasted form feed)

    def get_object(self, request: HttpRequest, slug: str) -> Space:
        return _public_space(slug)

    def title(self, obj: Space) -> str:
        return f"{obj.name}: latest topics"

    def link(self, obj: Space) -> str:
        return reverse("discussions:space-topics", args=[obj.slug])

    def subtitle(self, obj: Space) -> str:
        return obj.description

    def items(self, obj: Space) -> list[Topic]:
        topics = list(queries.public_topics(space=obj, limit=FEED_ITEMS))
        openings = {p.topic_id: p for p in Post.objects.filter(topic__in=[t.pk for t in topics], position=1)}
        for topic in topics:
            topic.opening = openings.get(topic.pk)  # type: ignore[attr-defined]
        return topics

    def item_title(self, item: Topic) -> str:
        return item.title

    def item_description(self, item: Topic) -> str:
        opening = getattr(item, "opening", None)
        return (
            opening.body_html if opening is not None and not opening.hidden and not opening.deleted_at else ""
        )

    def item_link(self, item: Topic) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Topic) -> str:
        return item.author.name if item.author else "deleted member"

    def item_pubdate(self, item: Topic) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Topic) -> datetime:
        return item.last_posted_at


class TopicPostsFeed(Feed):
    """The newest posts of one public topic."""

    feed_type = XmlSafeAtom1Feed

    def get_object(self, request: HttpRequest, topic_id: int) -> Topic:
        return _public_topic(topic_id)

    def title(self, obj: Topic) -> str:
        return obj.title

    def link(self, obj: Topic) -> str:
        return obj.get_absolute_url()

    def subtitle(self, obj: Topic) -> str:
        return f"Posts in {obj.space.name}"

    def items(self, obj: Topic) -> Any:
        return (
            Post.objects.filter(topic=obj, hidden=False, deleted_at__isnull=True)
            .select_related("author")
            .order_by("-position")[:FEED_ITEMS]
        )

    def item_title(self, item: Post) -> str:
        who = item.author.name if item.author else "deleted member"
        return f"#{item.position} by {who}"

    def item_description(self, item: Post) -> str:
        return item.body_html

    def item_link(self, item: Post) -> str:
        return reverse("discussions:post", args=[item.pk])

    def item_author_name(self, item: Post) -> str:
        return item.author.name if item.author else "deleted member"

    def item_pubdate(self, item: Post) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Post) -> datetime:
        return item.edited_at or item.created_at


class PublicTopicSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self) -> Any:
        return Topic.objects.filter(
            space__visibility=Space.PUBLIC,
            space__archived_at__isnull=True,
            hidden=False,
            deleted_at__isnull=True,
        ).order_by("-last_posted_at", "-id")

    def location(self, item: Topic) -> str:
        return xml_text(item.get_absolute_url())

    def lastmod(self, item: Topic) -> datetime:
        return item.last_posted_at


class PublicSpaceSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> Any:
        return Space.objects.filter(visibility=Space.PUBLIC, archived_at__isnull=True).order_by(
            "position", "id"
        )

    def location(self, item: Space) -> str:
        return xml_text(reverse("discussions:space-topics", args=[item.slug]))


SITEMAPS = {"spaces": PublicSpaceSitemap, "topics": PublicTopicSitemap}
