"""{% space_standing space as st %}: where the current person stands in a space, from the Guardian's cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from townhall.spaces.models import Space, SpaceMembership

register = template.Library()


@dataclass(frozen=True)
class Standing:
    state: str | None  # "active", "requested", "invited" or None
    is_moderator: bool
    mode: str | None  # "join", "request", "accept" or None
    reason: str | None  # why a signed-in person cannot join, when they cannot

    @property
    def is_member(self) -> bool:
        return self.state == SpaceMembership.ACTIVE

    @property
    def has_requested(self) -> bool:
        return self.state == SpaceMembership.REQUESTED

    @property
    def is_invited(self) -> bool:
        return self.state == SpaceMembership.INVITED


def standing_for(guardian: Any, space: Space) -> Standing:
    """No database query: the Guardian holds every space role of its person."""
    row = guardian.space_roles.get(space.pk) if guardian is not None else None
    state, role = row if row else (None, None)
    mode = guardian.spaces.join_mode(space) if guardian is not None else None
    reason = None
    if guardian is not None and guardian.user is not None and mode is None and state is None:
        refusal = guardian.spaces.join(space)
        reason = refusal.reason if refusal is not None and not refusal.hidden else None
    return Standing(
        state=state,
        is_moderator=state == SpaceMembership.ACTIVE and role == SpaceMembership.MODERATOR,
        mode=mode,
        reason=reason,
    )


@register.simple_tag(takes_context=True)
def space_standing(context: template.Context, space: Space) -> Standing:
    return standing_for(context.get("guardian"), space)


VISIBILITY_LABELS = {
    Space.PUBLIC: "Public",
    Space.MEMBERS: "Members only",
    Space.PRIVATE: "Private",
    Space.SECRET: "Secret",
}


@register.filter
def visibility_label(visibility: str) -> str:
    return VISIBILITY_LABELS.get(visibility, visibility)
