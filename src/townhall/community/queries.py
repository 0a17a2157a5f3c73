"""Reads about the community."""

from __future__ import annotations

from townhall.community.models import Community


def get_community() -> Community:
    """The installation's community; an unsaved default until the owner (or the demo) sets one up."""
    community = Community.objects.filter(pk=1).first()
    return community or Community(pk=1, name="Townhall")
