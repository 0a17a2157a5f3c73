"""Time zones and recurrence rules (RRULE) for events: the minimal engine the actions need.

(The full engine — presets, descriptions, splitting a series — replaces this module; same names.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from townhall.core.errors import Invalid

MAX_OCCURRENCES = 500
HORIZON = timedelta(days=730)


@dataclass(frozen=True)
class Slot:
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, field_errors={field: [message]})


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _invalid("time_zone", f"Unknown time zone {name!r}.") from None


def to_utc(local: datetime, zone_name: str) -> datetime:
    tz = zone(zone_name)
    aware = local.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != local.replace(tzinfo=None):
        message = (
            f"{local:%H:%M} on {local:%-d %B %Y} does not exist in {zone_name}: the clocks go forward then."
        )
        raise _invalid("starts_at", message)
    return aware.astimezone(UTC)


def parse_rule(text: str) -> str:
    rule = (text or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    rule = rule.upper()
    try:
        parsed = rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError):
        raise _invalid("rrule", "This repeat rule is not one we understand.") from None
    if getattr(parsed, "_freq", 0) > 3:  # HOURLY, MINUTELY, SECONDLY
        raise _invalid("rrule", "Events repeat at most daily.")
    return rule


def _wall(start_local: datetime, zone_name: str, local: datetime) -> datetime:
    tz = zone(zone_name)
    aware = local.replace(tzinfo=tz, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local:  # a DST gap: shift forward by the gap
        utc = (local.replace(tzinfo=tz, fold=1)).astimezone(UTC)
    return utc


def expand(
    rule: str,
    *,
    start_local: datetime,
    zone_name: str,
    duration: timedelta,
    all_day: bool = False,
    window_start: datetime,
    window_end: datetime,
    exdates: Iterable[datetime] = (),
    limit: int = MAX_OCCURRENCES,
) -> list[Slot]:
    skip = set(exdates)
    slots: list[Slot] = []
    if not rule:
        start = _wall(start_local, zone_name, start_local)
        if start < window_end and start + duration > window_start and start not in skip:
            slots.append(Slot(start, start, start + duration))
        return slots
    parsed = rrulestr(rule, dtstart=start_local)
    for local in parsed.xafter(start_local, count=None, inc=True):
        start = _wall(start_local, zone_name, local)
        if start >= window_end or len(slots) >= limit:
            break
        if start + duration > window_start and start not in skip:
            slots.append(Slot(start, start, start + duration))
    return slots


def series_end(rule: str, *, start_local: datetime, zone_name: str, duration: timedelta) -> datetime | None:
    if "COUNT=" not in rule and "UNTIL=" not in rule:
        return None
    parsed = rrulestr(rule, dtstart=start_local)
    last = None
    for index, local in enumerate(parsed):
        last = local
        if index >= 100_000:
            break
    if last is None:
        return _wall(start_local, zone_name, start_local) + duration
    return _wall(start_local, zone_name, last) + duration
