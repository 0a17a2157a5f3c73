"""Small private stand-ins for pieces of the notifications app that are written elsewhere
(`notifications.preferences`): the email channel needs to ask them at send time. Each mirrors the
documented contract; at merge, the imports in `sending.py` and `digest.py` move to the real module.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from townhall.notifications import kinds
from townhall.notifications.models import EMAIL, Preference, Settings


def hold_until(settings: Settings, now: dt.datetime, *, time_zone: str = "") -> dt.datetime | None:
    """When email and push may go out again: the end of a pause or of quiet hours, or None (now)."""
    if settings.paused_until and settings.paused_until > now:
        return settings.paused_until
    start, end = settings.quiet_from, settings.quiet_until
    if start is None or end is None or start == end:
        return None
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(time_zone) if time_zone else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    quiet = start <= clock < end if start < end else clock >= start or clock < end
    if not quiet:
        return None
    until = dt.datetime.combine(local.date(), end, tzinfo=zone)
    if until <= local:
        until += dt.timedelta(days=1)
    return until.astimezone(dt.UTC)


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
