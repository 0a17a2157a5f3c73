"""Discussions' part of the email digest: new topics and busy topics in the spaces a member follows
(the discussion spaces they joined or watch, less those they muted), under their Guardian."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from townhall.discussions.models import MUTED, WATCHING, SpaceFollow, Topic
from townhall.notifications.email.digest import DigestItem, DigestSection, register_section
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

NEW_TOPICS_MAX = 10
BUSY_TOPICS_MAX = 5
BUSY_MIN_REPLIES = 2


def followed_space_ids(guardian: Guardian) -> list[int]:
    user_id = guardian.user_id
    if user_id is None:
        return []
    joined = SpaceMembership.objects.filter(user_id=user_id, state=SpaceMembership.ACTIVE).values("space_id")
    watched = SpaceFollow.objects.filter(user_id=user_id, level=WATCHING).values("space_id")
    muted = SpaceFollow.objects.filter(user_id=user_id, level=MUTED).values("space_id")
    spaces = Space.objects.filter(Q(pk__in=joined) | Q(pk__in=watched), kind="discussion").exclude(
        pk__in=muted
    )
    return list(guardian.spaces.readable(spaces).values_list("pk", flat=True))


def _topics(guardian: Guardian) -> QuerySet[Topic]:
    return guardian.discussions.visible_topics(
        Topic.objects.filter(space_id__in=followed_space_ids(guardian))
    ).select_related("space", "author")


def new_topics(guardian: Guardian, since: dt.datetime, until: dt.datetime) -> list[DigestItem]:
    topics = (
        _topics(guardian)
        .filter(created_at__gte=since, created_at__lt=until)
        .exclude(author_id=guardian.user_id)
        .order_by("-created_at")[:NEW_TOPICS_MAX]
    )
    return [
        DigestItem(
            title=topic.title,
            url=topic.get_absolute_url(),
            detail=f"in {topic.space.name} · by {topic.author.name if topic.author else 'a former member'}",
        )
        for topic in topics
    ]


def busy_topics(guardian: Guardian, since: dt.datetime, until: dt.datetime) -> list[DigestItem]:
    """Older topics with the most new replies in the period (new topics are listed above already)."""
    recent = Q(posts__created_at__gte=since, posts__created_at__lt=until, posts__position__gt=1)
    recent &= Q(posts__hidden=False, posts__deleted_at__isnull=True)
    topics = (
        _topics(guardian)
        .filter(created_at__lt=since)
        .annotate(new_replies=Count("posts", filter=recent))
        .filter(new_replies__gte=BUSY_MIN_REPLIES)
        .order_by("-new_replies", "-last_posted_at")[:BUSY_TOPICS_MAX]
    )
    return [
        DigestItem(
            title=topic.title,
            url=topic.get_absolute_url(),
            detail=f"in {topic.space.name} · {topic.new_replies} new replies",
        )
        for topic in topics
    ]


def register() -> None:
    register_section(DigestSection("new-topics", "New topics", 10, new_topics))
    register_section(DigestSection("busy-topics", "Busy topics", 20, busy_topics))


__all__ = ["busy_topics", "new_topics", "register"]
