"""Reads about spaces, always scoped by the Guardian."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from townhall.core.errors import NotFound
from townhall.spaces.models import SidebarSection, Space

if TYPE_CHECKING:
    from townhall.policy import Guardian


def list_visible_spaces(guardian: Guardian) -> QuerySet[Space]:
    return guardian.visible_spaces(Space.objects.filter(archived_at__isnull=True)).select_related("section", "group")


def get_space_or_404(guardian: Guardian, slug: str) -> Space:
    space = Space.objects.select_related("group", "section").filter(slug=slug).first()
    if space is None or not guardian.can_view_space(space):
        raise NotFound("No such space")
    return space


@dataclass
class SidebarGroup:
    section: SidebarSection | None
    spaces: list[Space] = field(default_factory=list)


def sidebar_for(guardian: Guardian) -> list[SidebarGroup]:
    """The signed-in member's spaces (joined ones), grouped by admin-ordered sections; visitors see public ones."""
    qs = list_visible_spaces(guardian)
    if guardian.can_read_as_member and not guardian.is_admin:
        joined = [sid for sid, (state, _r) in guardian.space_roles.items() if state == "active"]
        qs = qs.filter(pk__in=joined)
    groups: dict[int | None, SidebarGroup] = {}
    for space in qs.order_by("section__position", "section_id", "position", "id"):
        key = space.section_id
        if key not in groups:
            groups[key] = SidebarGroup(section=space.section)
        groups[key].spaces.append(space)
    return list(groups.values())
