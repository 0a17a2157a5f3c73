"""Template filters for threads."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """How long ago, in its largest unit only ("5 minutes ago", "2 days ago"): a reply count's line
    stays short."""
    if value is None:
        return ""
    return f"{timesince(value, depth=1)} ago"
