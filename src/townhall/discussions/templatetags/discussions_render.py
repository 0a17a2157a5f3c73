"""`{% post_html item %}`, `{% thread_html nodes %}`, `{% reactions_html item %}`: posts via render.py."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from townhall.discussions.render import PostRenderer

register = template.Library()

_KEY = "discussions.post_renderer"


def renderer_for(context: template.Context) -> PostRenderer:
    """One renderer per template render (permissions and URL patterns computed once)."""
    topic = context.get("topic")
    renderer = context.render_context.get(_KEY)
    if renderer is None or renderer.topic is not topic:
        page: Any = context.get("page")
        renderer = PostRenderer(
            guardian=context.get("guardian"),
            topic=topic,
            view=getattr(page, "view", "") or "",
            choices=getattr(page, "reaction_choices", None) or context.get("choices"),
            csrf_token=context.get("csrf_token"),
        )
        context.render_context[_KEY] = renderer
    return renderer


@register.simple_tag(takes_context=True)
def post_html(context: template.Context, item: Any) -> SafeString:
    return renderer_for(context).post(item)


@register.simple_tag(takes_context=True)
def thread_html(context: template.Context, nodes: list[Any]) -> SafeString:
    return renderer_for(context).thread(nodes)


@register.simple_tag(takes_context=True)
def reactions_html(context: template.Context, item: Any) -> SafeString:
    return renderer_for(context).reactions(item)
