"""Real-time messages about chat. Payloads carry ids only; the page fetches the message it may see.

Audience: the chat space's group (`space.<id>`), whose streams belong to the people who may read it;
read positions go to the reader's own streams (`user.<id>`), so their other tabs update their counts.
"""

from __future__ import annotations

from collections.abc import Iterable

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


# --- direct conversations -----------------------------------------------------------------------------
# `{type: "direct", op, space_id}` to each member's own streams (`user.<id>`), so their inbox and the
# sidebar's "Messages" count refresh. New messages in a conversation go out like every chat message.
DIRECT_OPS = ("started", "added", "renamed", "left")
SCHEMAS += declare("direct", DIRECT_OPS, space_id=int)


def _to(user_ids: Iterable[int]) -> list[str]:
    return [user_group(uid) for uid in sorted(set(user_ids))]


def conversation_started(*, space_id: int, user_ids: Iterable[int]) -> None:
    """Schedule `{type: "direct", op: "started", space_id}` to the members' streams after the commit."""
    publish_on_commit(_to(user_ids), {"type": "direct", "op": "started", "space_id": space_id})


def conversation_member_added(*, space_id: int, user_ids: Iterable[int]) -> None:
    publish_on_commit(_to(user_ids), {"type": "direct", "op": "added", "space_id": space_id})


def conversation_renamed(*, space_id: int, user_ids: Iterable[int]) -> None:
    publish_on_commit(_to(user_ids), {"type": "direct", "op": "renamed", "space_id": space_id})


def conversation_left(*, space_id: int, user_ids: Iterable[int]) -> None:
    """To the one who left (their other tabs) and to those who stay."""
    publish_on_commit(_to(user_ids), {"type": "direct", "op": "left", "space_id": space_id})
