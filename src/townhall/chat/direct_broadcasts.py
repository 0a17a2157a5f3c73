"""Real-time messages about direct conversations: `{type: "direct", op, space_id}` to each member's own
streams (`user.<id>`), so their inbox and sidebar count refresh. New messages in a conversation go out
like every chat message (`chat/message_created` to the conversation's space group)."""

from __future__ import annotations

from collections.abc import Iterable

from townhall.realtime.publish import publish_on_commit, user_group
from townhall.realtime.schemas import declare

OPS = ("started", "added", "renamed", "left")

# Registered in ChatConfig.ready(); publish checks every payload against them.
SCHEMAS = declare("direct", OPS, space_id=int)


def conversation_changed(*, space_id: int, user_ids: Iterable[int], op: str) -> None:
    """Schedule `{type: "direct", op, space_id}` to these people's streams after the commit."""
    groups = [user_group(uid) for uid in sorted(set(user_ids))]
    if groups:
        publish_on_commit(groups, {"type": "direct", "op": op, "space_id": space_id})
