"""When a member's pause or quiet hours hold pushes back.

STAND-IN: the fan-out's `notifications/preferences.py` owns `hold_until(settings, now)`; this private copy
keeps the push channel working on its own branch and is meant to be replaced by an import of that one
at merge (same signature and meaning).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from townhall.notifications.models import Settings


def is_paused(settings: Settings, now: datetime) -> bool:
    return settings.paused_until is not None and settings.paused_until > now


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _quiet_end(start: time, end: time, local: datetime) -> datetime | None:
    """The end of the quiet window that `local` falls in, or None when it falls in none."""
    now = local.timetz().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:  # 13:00-15:00: within one day
        return (
            local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
            if start <= now < end
            else None
        )
    if now >= start:  # 22:00-07:00, in the evening part: ends tomorrow morning
        tomorrow = local + timedelta(days=1)
        return tomorrow.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if now < end:  # in the morning part: ends today
        return local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return None


def hold_until(settings: Settings, now: datetime) -> datetime | None:
    """The moment pushes and emails may go again, or None when nothing holds them now: the end of a pause
    ("snooze for a day"), or of quiet hours in the member's own time zone."""
    if is_paused(settings, now):
        return settings.paused_until
    if settings.quiet_from is None or settings.quiet_until is None:
        return None
    zone = _zone(getattr(settings.user, "time_zone", ""))
    return _quiet_end(settings.quiet_from, settings.quiet_until, now.astimezone(zone))
