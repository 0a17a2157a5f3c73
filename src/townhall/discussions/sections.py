"""What discussions contributes to other apps' pages through the registries (see DiscussionsConfig.ready()):
the member's home ("Continue reading", "New in your spaces"), profiles (recent topics and replies), the
community settings pages (reactions, tags) and the members table ("Posts")."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from townhall.core.registries import SectionRender
from townhall.discussions import queries
from townhall.discussions.models import Post
from townhall.policy.request import guardian_of


def continue_reading(request: Any) -> SectionRender:
    topics = queries.continue_reading(guardian_of(request))
    if not topics:
        return None
    return "discussions/sections/continue_reading.html", {"continue_topics": topics}


def new_in_spaces(request: Any) -> SectionRender:
    return "discussions/sections/feed.html", {"feed": queries.home_feed(guardian_of(request))}


def profile_posts(request: Any, person: Any) -> SectionRender:
    activity = queries.profile_activity(guardian_of(request), person.pk)
    if not activity.topics and not activity.replies:
        return None
    return "discussions/sections/profile_posts.html", {"activity": activity, "person": person}


def post_count() -> Any:
    """The member's visible posts (topics' opening posts included), for the members table: a counting
    subquery on the post_author index."""
    counted = (
        Post.objects.filter(author_id=OuterRef("user_id"), hidden=False, deleted_at__isnull=True)
        .order_by()
        .values("author_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
