"""What a push carries: the kind's short text about the notification, its link and a tag, never the
content itself (a post body, a message). Push services and the device's lock screen see this."""

from __future__ import annotations

import json
import string
from typing import Any

from townhall.notifications.kinds import Kind
from townhall.notifications.models import Notification

TITLE_MAX = 60
BODY_MAX = 140


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_of(notification: Notification, kind: Kind) -> str:
    """The kind's text with its fields filled in ("Ana and 4 others reacted to Garden day")."""
    actor = notification.actor.name if notification.actor is not None else "Someone"
    others = notification.actor_count - 1
    fields: dict[str, Any] = {
        k: v for k, v in (notification.data or {}).items() if isinstance(v, str | int | float)
    }
    fields.update(
        actor=actor, others=f" and {others} other{'s' if others != 1 else ''}" if others > 0 else ""
    )
    try:  # a field the data lacks: the kind's label says enough
        return string.Formatter().vformat(kind.text, (), fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        return kind.label


def payload_for(notification: Notification, kind: Kind, *, community_name: str) -> bytes:
    """The JSON the service worker shows: {title, body, url, tag}, a few hundred bytes at most."""
    body = {
        "title": _cut(community_name or "Townhall", TITLE_MAX),
        "body": _cut(text_of(notification, kind), BODY_MAX),
        "url": notification.url if notification.url.startswith("/") else "/",
        # Pushes about one topic or conversation replace each other on the device instead of piling up.
        "tag": notification.thread_key or f"notification-{notification.pk}",
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
