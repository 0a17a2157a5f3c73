"""A person's own "hide my presence" choice, as a `realtime.presence.hide_with` rule (see apps.py)."""

from __future__ import annotations

from collections.abc import Collection

from townhall.accounts.models import User


def hidden_by_choice(viewer_id: int | None, user_ids: frozenset[int]) -> Collection[int]:
    """Those among `user_ids` who hide their presence; one query. One's own stays visible to oneself."""
    ids = set(user_ids) - {viewer_id} if viewer_id is not None else set(user_ids)
    if not ids:
        return ()
    return set(User.objects.filter(pk__in=ids, hide_presence=True).values_list("pk", flat=True))
