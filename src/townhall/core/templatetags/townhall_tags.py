from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from townhall.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(source: str | None) -> SafeString:
    """Render user Markdown through the one sanitising renderer."""
    return mark_safe(render_markdown(source or ""))  # noqa: S308 - sanitised by nh3


@register.simple_tag(takes_context=True)
def can(context: template.Context, rule: str, *args: object) -> bool:
    """{% can "post_in_space" space as allowed %}: ask the request's Guardian."""
    guardian = context.get("guardian")
    if guardian is None:
        return False
    return bool(getattr(guardian, f"can_{rule}")(*args))


@register.filter
def initials(name: str) -> str:
    parts = [p for p in (name or "?").replace("_", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"
