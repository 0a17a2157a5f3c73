"""What a block hides outside direct messages: presence, both ways (registered with
`realtime.presence.hide_with` in AccountsConfig.ready())."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q

from townhall.accounts.models import Block


def hidden_presence(viewer_id: int | None, user_ids: frozenset[int]) -> Collection[int]:
    """Those among `user_ids` whom the viewer blocked or who blocked the viewer. One query."""
    if viewer_id is None or not user_ids:
        return ()
    ids = list(user_ids)
    rows = Block.objects.filter(
        Q(blocker_id=viewer_id, blocked_id__in=ids) | Q(blocked_id=viewer_id, blocker_id__in=ids)
    ).values_list("blocker_id", "blocked_id")
    return {blocked if blocker == viewer_id else blocker for blocker, blocked in rows}
