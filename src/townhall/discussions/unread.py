"""Unread counts for the sidebar and space lists, driven by the member's own read marks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection

from townhall.discussions.models import MUTED, Topic, TopicFollow, TopicRead

if TYPE_CHECKING:
    from townhall.policy import Guardian


def unread_topics_by_space(guardian: Guardian, space_ids: Iterable[int]) -> dict[int, int]:
    """space_id -> topics the member has opened that have newer posts since, in the given spaces.

    One query that walks the member's read marks (indexed by user), so its cost follows what the member
    has read, not the size of the community. Callers pass spaces the member may read (the sidebar's).
    """
    ids = [int(i) for i in space_ids]
    if guardian.user_id is None or not ids:
        return {}
    # Plain SQL: this runs on every signed-in page, and the ORM took 1 ms to build what runs in 0.01 ms.
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT t.space_id, COUNT(*) FROM {TopicRead._meta.db_table} r"  # noqa: S608 - only placeholders
        f" JOIN {Topic._meta.db_table} t ON t.id = r.topic_id"
        f" WHERE r.user_id = %s AND t.space_id IN ({marks}) AND t.deleted_at IS NULL AND t.hidden = %s"
        " AND r.highest_position_read < t.last_position"
        f" AND NOT EXISTS (SELECT 1 FROM {TopicFollow._meta.db_table} f"
        "  WHERE f.user_id = r.user_id AND f.topic_id = r.topic_id AND f.level = %s)"
        " GROUP BY t.space_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [guardian.user_id, *ids, False, MUTED])
        return {int(space_id): int(count) for space_id, count in cursor.fetchall()}
