"""Calendar pages (HTML). The space kind's content is the space's upcoming dates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

from townhall.events import queries
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space

urlpatterns: list[URLPattern] = []


def space_content(request: HttpRequest, space: Space) -> tuple[str, dict[str, Any]]:
    """The part of an events space's page below its header: its upcoming dates."""
    guardian = guardian_of(request)
    dates = list(queries.upcoming(guardian).filter(space_id=space.pk)[:50])
    rsvps = queries.my_rsvps(guardian, [occurrence.pk for occurrence in dates])
    return "events/space.html", {"dates": dates, "rsvps": rsvps, "space": space}
