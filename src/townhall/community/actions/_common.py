"""Helpers shared by the community actions."""

from __future__ import annotations

from typing import Any

from townhall.community.events import JoinedData
from townhall.community.models import Community, Membership


def locked_community() -> Community:
    """The community row, locked for update (created with defaults if the owner never saved it)."""
    community, _ = Community.objects.select_for_update().get_or_create(pk=1, defaults={"name": "Townhall"})
    return community


def locked_membership(user: Any) -> Membership | None:
    return Membership.objects.select_for_update().filter(user_id=user.pk).first()


def arrival_activity(state: str, *, via: str, role: str) -> tuple[str, JoinedData | None]:
    """The verb and payload a new membership is logged with: "community.joined" for a member (however
    they came: "join", "invitation", "seed", "import"...), "community.applied" for an applicant."""
    if state == Membership.PENDING:
        return "community.applied", None
    return "community.joined", JoinedData(via, role)
