"""What a member chose: which channels a kind uses for them, and when email and push must wait.

`channels_for(kind, user_ids)` answers for thousands of recipients in one query (the fan-out asks it
per batch); `hold_until(settings_row, now)` is asked by the email and push channels at send time: a
member who paused notifications, or is inside their quiet hours (in their own time zone), is not
disturbed until the pause or the quiet hours end. The in-page channel is never held or turned off.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from townhall.notifications.kinds import Kind
from townhall.notifications.models import EMAIL, PUSH, WEB, Preference, Settings

DEFAULT_EMAIL_DELAY_MINUTES = 10


def channels_for(kind: Kind, user_ids: Iterable[int]) -> dict[int, set[str]]:
    """{user_id: channels} for `kind`: the kind's default channels, changed by each member's Preference
    rows (one query). The in-page channel is always on: it is the notification itself."""
    ids = sorted({int(i) for i in user_ids})
    default = set(kind.channels) | {WEB}
    answer = {user_id: set(default) for user_id in ids}
    if not ids:
        return answer
    rows = Preference.objects.filter(kind=kind.key, user_id__in=ids, channel__in=[EMAIL, PUSH])
    for user_id, channel, enabled in rows.values_list("user_id", "channel", "enabled"):
        if enabled:
            answer[user_id].add(channel)
        else:
            answer[user_id].discard(channel)
    return answer


def email_delays(user_ids: Iterable[int]) -> dict[int, int]:
    """{user_id: minutes} an email waits for the member to see the notification on the site first
    (their Settings row, or the default of 10 minutes); one query."""
    ids = sorted({int(i) for i in user_ids})
    delays = dict.fromkeys(ids, DEFAULT_EMAIL_DELAY_MINUTES)
    if ids:
        rows = Settings.objects.filter(user_id__in=ids).values_list("user_id", "email_delay_minutes")
        delays.update(dict(rows))
    return delays


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC  # a zone the system no longer knows: UTC rather than no quiet hours at all


def hold_until(settings_row: Settings | None, now: dt.datetime, *, time_zone: str = "") -> dt.datetime | None:
    """When email or push to this member may go out, if not now: the end of their pause, or the end of
    their quiet hours (`quiet_from`..`quiet_until` in `time_zone`, the member's User.time_zone; a span
    like 22:00..07:00 crosses midnight). None: send now."""
    if settings_row is None:
        return None
    if settings_row.paused_until is not None and settings_row.paused_until > now:
        return settings_row.paused_until
    start, end = settings_row.quiet_from, settings_row.quiet_until
    if start is None or end is None or start == end:
        return None
    zone = _zone(time_zone)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    # Built as a wall-clock time in the zone, then read back as an instant (fold=0 picks the first of a
    # repeated hour; a skipped hour moves forward with the zone's offset).
    return dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
