from __future__ import annotations

import html
import re
from typing import Any

from django import template
from django.utils.html import strip_tags
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


@register.simple_tag(takes_context=True)
def section_block(context: template.Context, block: Any) -> SafeString:
    """{% section_block block %}: render a registered section (core.registries.SectionBlock) with the
    page's context plus the section's own, so its template sees `request`, `guardian` and `user` too."""
    assert context.template is not None  # a tag always renders inside a template
    tmpl = context.template.engine.get_template(block.template)
    with context.push(block.context, section=block):
        return mark_safe(tmpl.render(context))  # noqa: S308 - a template's own (autoescaped) output


_BLOCK_END = re.compile(r"<(?:/p|br|/li|/h[1-6]|/pre|/blockquote|/tr|/td|/th)\b[^>]*>", re.IGNORECASE)


@register.filter
def excerpt(html_text: str | None, length: int = 200) -> str:
    """Plain text of sanitised HTML (a post's body_html) for one-line previews: blocks become spaces,
    whitespace collapses, cut at `length` characters. Returns plain text, which the template escapes."""
    text = html.unescape(strip_tags(_BLOCK_END.sub(" ", html_text or "")))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: max(length - 1, 0)].rstrip() + "…"


@register.filter
def undo_offer(message: Any) -> dict[str, Any] | None:
    """The undo form a flashed message carries (core.undo.offer_undo), or None."""
    return read_offer(message)
