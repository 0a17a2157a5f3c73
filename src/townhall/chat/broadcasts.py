"""Real-time messages about chat. Payloads carry ids only; the page fetches the message it may see.

Audience: the chat space's group (`space.<id>`), whose streams belong to the people who may read it;
read positions go to the reader's own streams (`user.<id>`), so their other tabs update their counts.
"""

from __future__ import annotations

from townhall.realtime.publish import publish_on_commit, space_group, user_group
from townhall.realtime.schemas import declare

MESSAGE_OPS = (
    "message_created",
    "message_edited",
    "message_deleted",
    "message_restored",
    "message_pinned",
    "message_unpinned",
)

# Registered in ChatConfig.ready(); publish checks every payload against them.
SCHEMAS = [
    *declare("chat", MESSAGE_OPS, space_id=int, message_id=int),
    *declare("chat", ("read",), space_id=int, message_id=int),
    *declare("chat", ("topic_changed",), space_id=int),
]


def message_changed(*, space_id: int, message_id: int, op: str) -> None:
    """Schedule `{type: "chat", op, space_id, message_id}` to the space's readers after the commit."""
    publish_on_commit(
        [space_group(space_id)], {"type": "chat", "op": op, "space_id": space_id, "message_id": message_id}
    )


def channel_read(*, user_id: int, space_id: int, message_id: int) -> None:
    """Schedule `{type: "chat", op: "read", ...}` to the reader's own streams after the commit."""
    publish_on_commit(
        [user_group(user_id)], {"type": "chat", "op": "read", "space_id": space_id, "message_id": message_id}
    )


def topic_changed(*, space_id: int) -> None:
    """Schedule `{type: "chat", op: "topic_changed", space_id}` to the space's readers after the commit."""
    publish_on_commit([space_group(space_id)], {"type": "chat", "op": "topic_changed", "space_id": space_id})
