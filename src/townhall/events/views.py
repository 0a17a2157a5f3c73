"""Calendar pages (HTML). The pages themselves live in calendar_views; this module keeps the space kind's
page part (registered in apps.py) and the routes every area of the app adds to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

from townhall.events import calendar_views
from townhall.spaces.models import Space

urlpatterns: list[URLPattern] = [*calendar_views.urlpatterns]


def space_content(request: HttpRequest, space: Space) -> tuple[str, dict[str, Any]]:
    """The part of an events space's page below its header: its upcoming dates, and links to its month,
    week and past views."""
    return calendar_views.space_part(request, space)
