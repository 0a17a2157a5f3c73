"""Unread counts for the sidebar and space lists, driven by the member's own read marks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef

from townhall.discussions.models import MUTED, TopicFollow, TopicRead

if TYPE_CHECKING:
    from townhall.policy import Guardian


def unread_topics_by_space(guardian: Guardian, space_ids: Iterable[int]) -> dict[int, int]:
    """space_id -> topics the member has opened that have newer posts since, in the given spaces.

    One query that walks the member's read marks (indexed by user), so its cost follows what the member
    has read, not the size of the community. Callers pass spaces the member may read (the sidebar's).
    """
    ids = list(space_ids)
    if guardian.user_id is None or not ids:
        return {}
    muted = TopicFollow.objects.filter(user_id=guardian.user_id, topic_id=OuterRef("topic_id"), level=MUTED)
    rows = (
        TopicRead.objects.filter(
            user_id=guardian.user_id,
            topic__space_id__in=ids,
            topic__deleted_at__isnull=True,
            topic__hidden=False,
            highest_position_read__lt=F("topic__last_position"),
        )
        .exclude(Exists(muted))
        .values("topic__space_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["topic__space_id"]: row["count"] for row in rows}
