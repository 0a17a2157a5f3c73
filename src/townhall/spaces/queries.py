"""Reads about spaces, always scoped by the Guardian."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet

from townhall.accounts.models import User
from townhall.core.errors import NotFound
from townhall.core.registries import space_kinds, unlisted_kinds
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

if TYPE_CHECKING:
    from townhall.policy import Guardian


def list_visible_spaces(guardian: Guardian) -> QuerySet[Space]:
    """Spaces listed to this person, archived and personal ones (conversations) left out."""
    listed = Space.objects.filter(archived_at__isnull=True).exclude(kind__in=unlisted_kinds())
    return guardian.spaces.visible(listed).select_related("section", "group")


def get_space_or_404(guardian: Guardian, slug: str) -> Space:
    """The space with this slug if this person may see it; NotFound otherwise (same as missing)."""
    space = Space.objects.select_related("group", "section").filter(slug=slug).first()
    if space is None or not guardian.spaces.view.can(space):
        raise NotFound("No such space")
    return space


@dataclass
class SidebarGroup:
    section: SidebarSection | None
    spaces: list[Space] = field(default_factory=list)


def _group_by_section(spaces: QuerySet[Space]) -> list[SidebarGroup]:
    """Spaces grouped under their sections, sections in admin order, unsectioned spaces last."""
    # One query whatever the number of spaces and sections.
    return _group(
        spaces.order_by(F("section__position").asc(nulls_last=True), "section_id", "position", "id")
    )


def _group(ordered: Iterable[Space]) -> list[SidebarGroup]:
    groups: dict[int | None, SidebarGroup] = {}
    for space in ordered:
        if space.section_id not in groups:
            groups[space.section_id] = SidebarGroup(section=space.section)
        groups[space.section_id].spaces.append(space)
    return list(groups.values())


def sidebar_for(guardian: Guardian) -> list[SidebarGroup]:
    """The signed-in person's joined spaces, grouped by admin-ordered sections; visitors see public ones.

    One query (plus the Guardian's cached standing), whatever the number of spaces.
    """
    if guardian.user is None:
        return _group_by_section(list_visible_spaces(guardian))
    # A member's joined spaces: a plain lookup by id, checked and ordered here. This runs on every page,
    # and the visibility filter as SQL cost more to build than the handful of rows cost to check.
    joined = Space.objects.filter(pk__in=guardian.spaces.active_ids(), archived_at__isnull=True).exclude(
        kind__in=unlisted_kinds()
    )
    spaces = [space for space in joined.select_related("section", "group") if guardian.spaces.view.can(space)]
    return _group(sorted(spaces, key=_sidebar_order))


def _sidebar_order(space: Space) -> tuple[bool, int, int, int, int]:
    """The order of `_group_by_section`'s query: sections by position (none last), then spaces."""
    section = space.section
    return (
        section is None,
        section.position if section else 0,
        space.section_id or 0,
        space.position,
        space.pk,
    )


def add_unread_counts(guardian: Guardian, spaces: list[Space]) -> None:
    """Set `unread_count` on each space (display only), one query per kind that counts unread things."""
    by_kind: dict[str, list[Space]] = {}
    for space in spaces:
        by_kind.setdefault(space.kind, []).append(space)
    for key, members in by_kind.items():
        kind = space_kinds.get(key)
        counts = kind.unread(guardian, [s.pk for s in members]) if kind and kind.unread else {}
        for space in members:
            space.unread_count = counts.get(space.pk, 0)  # type: ignore[attr-defined]


def spaces_by_section(guardian: Guardian) -> list[SidebarGroup]:
    """Every space listed to this person (not only joined ones), grouped like the sidebar."""
    return _group_by_section(list_visible_spaces(guardian))


def suggested_spaces(guardian: Guardian, limit: int = 6) -> list[Space]:
    """Spaces this member could join now (directly or by request), the busiest first.

    Used by onboarding and the home page; empty for people who cannot join spaces.
    """
    if limit <= 0:
        return []
    candidates = guardian.spaces.joinable(
        Space.objects.filter(archived_at__isnull=True).exclude(kind__in=unlisted_kinds())
    )
    candidates = candidates.select_related("section", "group").order_by("-member_count", "name", "id")
    return [space for space in candidates[: limit * 2] if guardian.spaces.join_mode(space) is not None][
        :limit
    ]


def space_members(guardian: Guardian, space: Space) -> QuerySet[SpaceMembership]:
    """Active members of the space with their users, moderators first. Raises like ensure_can_view_space_members."""
    guardian.spaces.view_members.ensure(space)
    return (
        SpaceMembership.objects.filter(space=space, state=SpaceMembership.ACTIVE)
        .select_related("user")
        .order_by("-role", "user__display_name", "user__username", "id")
    )


def pending_requests(guardian: Guardian, space: Space) -> QuerySet[SpaceMembership]:
    """Requests to join, oldest first; only for people who may decide them."""
    guardian.spaces.moderate.ensure(space)
    return (
        SpaceMembership.objects.filter(space=space, state=SpaceMembership.REQUESTED)
        .select_related("user")
        .order_by("created_at", "id")
    )


def open_invitations(guardian: Guardian, space: Space) -> QuerySet[SpaceMembership]:
    """Invitations not yet accepted, newest first; only for the space's moderators."""
    guardian.spaces.moderate.ensure(space)
    return (
        SpaceMembership.objects.filter(space=space, state=SpaceMembership.INVITED)
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def find_person(username: str) -> User | None:
    """The account with this @username (any case, leading "@" allowed); the action decides what is allowed."""
    name = username.strip().lstrip("@").strip()
    if not name:
        return None
    return User.objects.filter(username__iexact=name, deleted_at__isnull=True).first()


def get_person_or_404(username: str) -> User:
    user = find_person(username)
    if user is None:
        raise NotFound("No such person")
    return user


def sidebar_sections(guardian: Guardian) -> QuerySet[SidebarSection]:
    """Every section in order (admins arrange them)."""
    guardian.spaces.manage_sidebar.ensure()
    return SidebarSection.objects.order_by("position", "id")


def all_spaces_for_admin(guardian: Guardian) -> list[SidebarGroup]:
    """Every space including archived ones, grouped by section, for the sidebar settings page."""
    guardian.spaces.manage_sidebar.ensure()
    return _group_by_section(
        Space.objects.exclude(kind__in=unlisted_kinds()).select_related("section", "group")
    )


def get_section_or_404(guardian: Guardian, section_id: int) -> SidebarSection:
    guardian.spaces.manage_sidebar.ensure()
    section = SidebarSection.objects.filter(pk=section_id).first()
    if section is None:
        raise NotFound("No such section")
    return section
