"""Real-time messages about discussions. Payloads carry ids only; clients re-fetch what they may see.

Audience: everyone subscribed to the topic's space group (`space.<id>`). The realtime layer only
subscribes people who can read that space, so the space group is the right audience.
"""

from __future__ import annotations

from typing import Any

from townhall.realtime.publish import publish_on_commit, space_group


def topic_changed(*, space_id: int, topic_id: int, op: str, post_id: int | None = None, **extra: Any) -> None:
    """Schedule `{type: "topic", op, topic_id, post_id}` to the space after the transaction commits."""
    payload: dict[str, Any] = {"type": "topic", "op": op, "topic_id": topic_id}
    if post_id is not None:
        payload["post_id"] = post_id
    payload.update(extra)
    publish_on_commit([space_group(space_id)], payload)
