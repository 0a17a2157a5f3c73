"""`{% presence_dot user_id %}`: a dot on a message author's name, online, away or offline.

The channel page reads everyone's presence at once (`chat.live.presence_context`, one cache read); a
fragment fetched alone (one message, live) asks for its one author. The page's script keeps the dots
current from `presence` frames.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from townhall.realtime import presence

register = template.Library()

LABELS = {"online": "online", "away": "away", "offline": "offline"}


@register.simple_tag(takes_context=True)
def presence_dot(context: template.Context, user_id: int | None) -> SafeString | str:
    if user_id is None:
        return ""
    known = context.get("presence")
    if not isinstance(known, dict) or user_id not in known:
        request = context.get("request")
        viewer = getattr(getattr(request, "user", None), "pk", None)
        known = presence.of([user_id], viewer_id=viewer)
    state = known.get(user_id, "offline")
    return format_html(
        '<span class="presence-dot" data-presence-user="{}" data-state="{}" title="{}">'
        '<span class="visually-hidden"> ({})</span></span>',
        user_id,
        state,
        LABELS.get(state, "offline").capitalize(),
        LABELS.get(state, "offline"),
    )
