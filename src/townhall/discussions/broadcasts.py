"""Real-time messages about discussions. Payloads carry ids only; clients re-fetch what they may see.

Audience: everyone subscribed to the topic's space group (`space.<id>`). The realtime layer only
subscribes people who can read that space (and keeps that in step as their access changes), so the
space group is the right audience.
"""

from __future__ import annotations

from typing import Any

from townhall.realtime.publish import publish_on_commit, space_group
from townhall.realtime.schemas import declare

POST_OPS = (  # about one post of the topic: `post_id` says which
    "created",  # a new topic (its opening post)
    "deleted",  # the whole topic, through its opening post
    "post_created",
    "post_edited",
    "post_deleted",
    "post_hidden",
    "post_restored",
    "answer_accepted",
    "reacted",
    "unreacted",
)
STATE_OPS = ("pinned", "unpinned", "locked", "unlocked", "closed", "reopened", "answer_unaccepted")
MOVE_OPS = ("moved",)  # sent to both spaces; `to_space_id` is where it went
TOPIC_OPS = frozenset({*POST_OPS, *STATE_OPS, *MOVE_OPS})

# Registered in DiscussionsConfig.ready(); publish checks every payload against them.
SCHEMAS = [
    *declare("topic", POST_OPS, topic_id=int, post_id=int),
    *declare("topic", STATE_OPS, topic_id=int),
    *declare("topic", MOVE_OPS, topic_id=int, to_space_id=int),
]


def topic_changed(
    *, space_id: int, topic_id: int, op: str, post_id: int | None = None, to_space_id: int | None = None
) -> None:
    """Schedule `{type: "topic", op, topic_id[, post_id][, to_space_id]}` to the space after the commit.

    Raises BadBroadcast at once when the op is not declared above or its fields do not match.
    """
    payload: dict[str, Any] = {"type": "topic", "op": op, "topic_id": topic_id}
    if post_id is not None:
        payload["post_id"] = post_id
    if to_space_id is not None:
        payload["to_space_id"] = to_space_id
    publish_on_commit([space_group(space_id)], payload)
