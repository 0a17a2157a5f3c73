from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from townhall.core.markdown import render_markdown
from townhall.core.undo import read_offer

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(source: str | None) -> SafeString:
    """Render user Markdown through the one sanitising renderer."""
    return mark_safe(render_markdown(source or ""))  # noqa: S308 - sanitised by nh3


def _rule(context: template.Context, name: str) -> Any:
    """The request Guardian's rule called `name` ("spaces.read"), or None without a Guardian."""
    guardian = context.get("guardian")
    if guardian is None:
        return None
    group, _, rule = name.partition(".")
    return getattr(getattr(guardian, group), rule)


@register.simple_tag(takes_context=True)
def can(context: template.Context, name: str, *args: object) -> bool:
    """{% can "spaces.post" space as allowed %}: ask the request's Guardian."""
    bound = _rule(context, name)
    return bool(bound is not None and bound.can(*args))


@register.simple_tag(takes_context=True)
def refusal(context: template.Context, name: str, *args: object) -> str | None:
    """{% refusal "spaces.post" space as why %}: the reason to show, or None when allowed."""
    bound = _rule(context, name)
    return None if bound is None else bound.reason(*args)


@register.filter
def initials(name: str) -> str:
    parts = [p for p in (name or "?").replace("_", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def undo_offer(message: Any) -> dict[str, Any] | None:
    """The undo form a flashed message carries (core.undo.offer_undo), or None."""
    return read_offer(message)
