"""`{% reaction_bar %}`: the shared reaction bar (content.reactions) in a template (chat's messages)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from townhall.content.reactions import ReactionSummary, reaction_choices
from townhall.content.reactions import reaction_bar as build_bar

register = template.Library()


@register.simple_tag(takes_context=True)
def reaction_bar(
    context: Any,
    *,
    prefix: str,
    url_name: str,
    target_id: int,
    summaries: list[ReactionSummary],
    may_react: bool,
) -> SafeString:
    """The bar for one target (element id `<prefix>-<target_id>`): forms posting to `url_name` (with the
    target's id) when `may_react`."""
    url = reverse(url_name, args=[target_id]) if may_react else ""
    token = context.get("csrf_token")
    csrf_input = ""
    if url and token and str(token) != "NOTPROVIDED":
        csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
    html = build_bar(
        dom_id=f"{prefix}-{target_id}",
        url=url,
        summaries=summaries,
        choices=reaction_choices(),
        csrf_input=csrf_input,
    )
    return mark_safe(html)  # noqa: S308 - reaction_bar escapes every value
