"""Real-time messages about a member's notifications, to their own streams (`user.<id>`): the badge
and an open notification centre re-fetch when one arrives. `created`: a new or regrouped notification
(`notification_id`); `read`: some or all were marked read (`notification_id` None: all)."""

from __future__ import annotations

from townhall.realtime.publish import publish_many_on_commit, publish_on_commit, user_group
from townhall.realtime.schemas import declare

TYPE = "notifications"
SCHEMAS = declare(TYPE, ("created", "read"), notification_id=int | None)


def notification_created(*, user_id: int, notification_id: int) -> None:
    publish_on_commit(
        [user_group(user_id)], {"type": TYPE, "op": "created", "notification_id": notification_id}
    )


def notifications_read(*, user_id: int, notification_id: int | None = None) -> None:
    publish_on_commit([user_group(user_id)], {"type": TYPE, "op": "read", "notification_id": notification_id})


def notifications_created(pairs: list[tuple[int, int]]) -> None:
    """notification_created for many (user_id, notification_id) pairs at once (one bulk log write): the
    fan-out tells each recipient of a batch about their own row."""
    publish_many_on_commit(
        ([user_group(user_id)], {"type": TYPE, "op": "created", "notification_id": notification_id})
        for user_id, notification_id in pairs
    )
