"""Real-time messages about a member's notifications, to their own streams (`user.<id>`): the badge
and an open notification centre re-fetch when one arrives. `created`: a new or regrouped notification
(`notification_id`; None when a fan-out batch told many people at once, see notifications_created);
`read`: some or all were marked read (`notification_id` None: all)."""

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


def notifications_created(pairs: list[tuple[int, int]]) -> None:
    """Tell each recipient of a fan-out batch about their new or regrouped row: one broadcast (one log
    row) addressed to all their streams, `notification_id` None ("some are new: re-fetch"), instead of
    one per person; a single recipient gets their row's id. Writing a thousand log rows per batch
    doubled the cost of storing the notifications themselves."""
    if len(pairs) == 1:
        user_id, notification_id = pairs[0]
        notification_created(user_id=user_id, notification_id=notification_id)
    elif pairs:
        groups = [user_group(user_id) for user_id, _notification_id in pairs]
        publish_on_commit(groups, {"type": "notifications", "op": "created", "notification_id": None})
