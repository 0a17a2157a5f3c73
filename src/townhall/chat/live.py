"""What a chat channel shows live besides its messages: who is online (presence dots on the authors) and
who is typing (the names behind the ids of `typing` frames).

Presence changes are announced to the chat spaces the person belongs to (`space.<id>` groups, whose
streams are the people who may read those spaces); someone who hides their presence is never announced
and reads as offline (accounts.presence, a `hide_with` rule).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from townhall.accounts.models import User
from townhall.policy import Guardian
from townhall.realtime import presence
from townhall.realtime.publish import publish_ephemeral, space_group
from townhall.spaces.models import Space, SpaceMembership

NAMES_MAX = 20  # ids asked for at once: a typing line names at most a few people
PRESENCE_FANOUT_MAX = 250  # members of a chat space beyond which presence changes are not pushed
PRESENCE_MAX = 500  # members listed by the presence API, the most recently joined first


def announce_presence(user_id: int, state: str) -> None:
    """A `presence.on_change` listener: tell the readers of the person's chat spaces (one query for the
    person's choice and spaces). Nothing for someone who hides their presence.

    Spaces with more than CHAT_PRESENCE_FANOUT_MAX members are left out: there every change would go to
    every reader (a thousand people opening the channel would send a million frames), so their pages
    show presence as of their loading (and of their reconnecting) only."""
    limit = getattr(settings, "CHAT_PRESENCE_FANOUT_MAX", PRESENCE_FANOUT_MAX)
    rows = list(
        SpaceMembership.objects.filter(
            user_id=user_id,
            state=SpaceMembership.ACTIVE,
            space__kind="chat",
            space__member_count__lte=limit,
            user__hide_presence=False,
        ).values_list("space_id", flat=True)
    )
    if rows:
        publish_ephemeral([space_group(sid) for sid in sorted(rows)], presence.presence_frame(user_id, state))


def presence_context(guardian: Guardian, user_ids: set[int | None]) -> dict[str, Any]:
    """`{"presence": {user_id: state}}` for a channel page: one cache read and one query (who hides)."""
    ids = {uid for uid in user_ids if uid is not None}
    return {"presence": presence.of(ids, viewer_id=guardian.user_id)}


def member_names(space: Space, ids: list[int]) -> dict[int, str]:
    """The names of those among `ids` (at most NAMES_MAX) who are active members of the space, whose
    messages the viewer can read anyway (the caller checked `chat.read` first). Others are left out."""
    wanted = sorted(set(ids))[:NAMES_MAX]
    if not wanted:
        return {}
    members = User.objects.filter(
        pk__in=wanted,
        is_active=True,
        space_memberships__space_id=space.pk,
        space_memberships__state=SpaceMembership.ACTIVE,
    ).only("pk", "username", "display_name")
    return {user.pk: user.name for user in members}


def channel_presence(guardian: Guardian, space: Space) -> list[dict[str, str]]:
    """The space's active members (at most PRESENCE_MAX) with their presence as the viewer may see it,
    online first, then away, then by name: one query and one cache read."""
    members = list(
        User.objects.filter(
            is_active=True,
            space_memberships__space_id=space.pk,
            space_memberships__state=SpaceMembership.ACTIVE,
        )
        .order_by("-space_memberships__created_at")
        .only("pk", "username", "display_name")[:PRESENCE_MAX]
    )
    states = presence.of([m.pk for m in members], viewer_id=guardian.user_id)
    rank = {"online": 0, "away": 1, "offline": 2}
    rows = [{"username": m.username, "name": m.name, "state": states[m.pk]} for m in members]
    return sorted(rows, key=lambda r: (rank[r["state"]], r["name"].lower()))
