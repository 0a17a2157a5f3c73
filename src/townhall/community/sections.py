"""What the community contributes to the member's home page (registered in CommunityConfig.ready())."""

from __future__ import annotations

from typing import Any

from townhall.community import queries
from townhall.core.registries import SectionRender
from townhall.policy.request import guardian_of

NEW_MEMBERS_SHOWN = 5


def new_members_section(request: Any) -> SectionRender:
    """ "Say hello to new members": the latest joins, with their introduction (one query)."""
    guardian = guardian_of(request)
    members = queries.new_members(guardian, limit=NEW_MEMBERS_SHOWN)
    if not members:
        return None
    return "community/sections/new_members.html", {"new_members": members}
