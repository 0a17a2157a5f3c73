"""When a member's pause or quiet hours hold pushes back (the rule itself is
`notifications.preferences.hold_until`, shared with email)."""

from __future__ import annotations

from datetime import datetime

from townhall.notifications import preferences
from townhall.notifications.models import Settings


def is_paused(settings: Settings, now: datetime) -> bool:
    return settings.paused_until is not None and settings.paused_until > now


def hold_until(settings: Settings, now: datetime) -> datetime | None:
    """The moment pushes may go again, or None when nothing holds them now: the end of a pause ("snooze
    for a day"), or of quiet hours in the member's own time zone (notifications.preferences decides)."""
    return preferences.hold_until(settings, now, time_zone=getattr(settings.user, "time_zone", ""))
