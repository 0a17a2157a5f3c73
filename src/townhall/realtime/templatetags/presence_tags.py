"""`{% presence_dot user_id %}`: a dot after a person's name, online, away or offline (said in words too).

A page that lists people puts `presence` (`presence.of(ids, viewer_id=...)`: one cache read for all of
them) in its context; a fragment rendered alone (one chat message, live) asks for its one person. The
chat page's script keeps the dots current from `presence` frames. Styles: townhall.css (.presence-dot).
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
