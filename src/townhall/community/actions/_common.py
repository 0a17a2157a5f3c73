"""Helpers shared by the community actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from townhall.community.models import Community, Membership

if TYPE_CHECKING:
    pass


def locked_community() -> Community:
    """The community row, locked for update (created with defaults if the owner never saved it)."""
    community, _ = Community.objects.select_for_update().get_or_create(pk=1, defaults={"name": "Townhall"})
    return community


def locked_membership(user: Any) -> Membership | None:
    return Membership.objects.select_for_update().filter(user_id=user.pk).first()
