"""Real-time messages about a member's notifications, to their own streams (`user.<id>`): the badge
and an open notification centre re-fetch when one arrives. `created`: a new or regrouped notification
(`notification_id`); `read`: some or all were marked read (`notification_id` None: all)."""

from __future__ import annotations

from townhall.realtime.publish import publish_on_commit, user_group
from townhall.realtime.schemas import declare

TYPE = "notifications"
SCHEMAS = declare(TYPE, ("created", "read"), notification_id=int | None)
# The payloads below spell their type out (not TYPE), so the protocol test finds every op that is sent.


def notification_created(*, user_id: int, notification_id: int) -> None:
    publish_on_commit(
        [user_group(user_id)], {"type": "notifications", "op": "created", "notification_id": notification_id}
    )


def notifications_read(*, user_id: int, notification_id: int | None = None) -> None:
    publish_on_commit(
        [user_group(user_id)], {"type": "notifications", "op": "read", "notification_id": notification_id}
    )
