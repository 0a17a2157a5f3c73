"""Real-time messages about spaces, and who receives them.

Payloads are small and carry ids only: `{type: "space", op, space_id, user_id}`. Clients re-fetch
anything they show under their own permissions.

Audiences:
- a change to one person's place in a space (joined, left, requested, approved, denied, invited,
  moderator set) goes to that person's stream and to the space's moderators' streams;
- a change to the space itself (updated, archived, unarchived) goes to the space's group, which only
  people who can read the space subscribe to, and to its moderators.
"""

from __future__ import annotations

from typing import Any

from townhall.realtime.publish import publish_on_commit, space_group, user_group
from townhall.realtime.schemas import declare
from townhall.spaces.models import Space, SpaceMembership

MEMBERSHIP_OPS = frozenset(
    {"joined", "left", "requested", "approved", "denied", "invited", "moderator_added", "moderator_removed"}
)
SPACE_OPS = frozenset({"updated", "archived", "unarchived"})

# Registered in SpacesConfig.ready(); publish checks every payload against them.
SCHEMAS = [
    *declare("space", sorted(MEMBERSHIP_OPS), space_id=int, user_id=int),
    *declare("space", sorted(SPACE_OPS), space_id=int, user_id=int | None),  # user_id: the actor, if any
]


def space_moderator_ids(space_id: int) -> list[int]:
    """Active space moderators, read inside the action's transaction so the audience matches the change."""
    return list(
        SpaceMembership.objects.filter(
            space_id=space_id, state=SpaceMembership.ACTIVE, role=SpaceMembership.MODERATOR
        ).values_list("user_id", flat=True)
    )


def _payload(op: str, space_id: int, user_id: int | None) -> dict[str, Any]:
    return {"type": "space", "op": op, "space_id": space_id, "user_id": user_id}


def membership_changed(space: Space, *, user_id: int, op: str) -> None:
    """Tell the affected person and the space's moderators, after commit (BadBroadcast: unknown op)."""
    audience = [user_group(user_id)]
    audience += [user_group(uid) for uid in space_moderator_ids(space.pk) if uid != user_id]
    publish_on_commit(audience, _payload(op, space.pk, user_id))


def space_changed(space: Space, *, actor_id: int | None, op: str) -> None:
    """Tell the space's readers (its channel group) and its moderators, after commit (BadBroadcast:
    unknown op)."""
    audience = [space_group(space.pk)]
    audience += [user_group(uid) for uid in space_moderator_ids(space.pk)]
    publish_on_commit(audience, _payload(op, space.pk, actor_id))
