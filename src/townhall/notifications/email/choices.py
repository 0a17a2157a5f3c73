"""What the email channel asks at send time about one member and one kind: is email on for it (their
choice, or the kind's default), and the kind itself (None once its app is gone). Quiet hours and pauses
are `notifications.preferences.hold_until`, shared with the push channel and the fan-out."""

from __future__ import annotations

from typing import Any

from townhall.notifications import kinds
from townhall.notifications.models import EMAIL, Preference


def email_enabled(*, user_id: int, kind: Any) -> bool:
    """The member's choice for `kind` by email, or the kind's default."""
    choice = (
        Preference.objects.filter(user_id=user_id, kind=kind.key, channel=EMAIL)
        .values_list("enabled", flat=True)
        .first()
    )
    if choice is not None:
        return bool(choice)
    return EMAIL in kind.channels


def kind_of(key: str) -> kinds.Kind | None:
    return kinds.kinds.get(key)  # None: a kind no longer registered (its app was removed)
