"""Real-time messages about direct conversations: `{type: "direct", op, space_id}` to each member's own
streams (`user.<id>`), so their inbox and the sidebar's "Messages" count refresh. New messages in a
conversation go out like every chat message (`chat/message_created` to the conversation's space group).
"""

from __future__ import annotations

from collections.abc import Iterable

from townhall.realtime.publish import publish_on_commit, user_group
from townhall.realtime.schemas import declare

OPS = ("started", "added", "renamed", "left")

# Registered in ChatConfig.ready(); publish checks every payload against them.
SCHEMAS = declare("direct", OPS, space_id=int)


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
