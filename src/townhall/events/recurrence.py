"""Recurring events: RRULE text, its occurrences in the event's own time zone, and plain-English labels.

Pure: nothing here touches the database. A series is described the way iCalendar (RFC 5545) does it: a
wall-clock start (`start_local`, naive) in a named zone, a duration and an RRULE. Occurrences keep their
wall-clock time across daylight-saving changes (a weekly 19:00 Europe/Berlin meetup is at 19:00 local in
winter and in summer); an occurrence whose wall time falls in a DST gap moves forward by the length of the
gap, and an ambiguous one (the hour repeated in autumn) takes the first of the two instants (RFC 5545
§3.3.5). As in RFC 5545 §3.8.5.3 the start itself is always the first occurrence and counts towards COUNT,
so a series shows in calendar apps exactly as it shows here.

Expansion goes through `dateutil.rrule`. Two things keep it bounded whatever the rule says:

* dateutil only stops at a bound when the rule yields a date past it, so a rule that never yields (the 30th
  of February) would search until the year 9999, where dateutil gives up. So the search runs in a copy of
  the calendar moved towards 9999: by the largest number of years under which every year of the search
  keeps its length and the weekday of its 1st of January (so every date keeps its weekday). Such years
  come every 6, 11 or 28 years, and every 400 at worst (the Gregorian cycle: 146,097 days, whole weeks;
  needed when the search spans a year like 2100 that skips its leap day), so a fruitless search ends a few
  decades after the bound instead of thousands of years later.
* A rule without COUNT can start from any period boundary that a whole number of intervals separates from
  the start, so expanding a window two years on does not walk through two years of earlier occurrences.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from dateutil import rrule as du

from townhall.core.errors import Invalid

MAX_OCCURRENCES = 500  # the most occurrences of one series that are ever kept
HORIZON = timedelta(days=730)  # how far ahead an endless series is materialized
MAX_COUNT = 100_000
MAX_INTERVAL = 1000
MAX_RULE_LENGTH = 500  # = models.RRULE_MAX, the column that stores the normalized rule
MAX_LIST = 366  # values in one BYxxx list

FREQUENCIES: dict[str, Literal[0, 1, 2, 3]] = {
    "DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY
}  # fmt: skip
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # the most each month can have
WEEKDAYS = frozenset(range(5))
_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY",
     "BYSETPOS", "WKST", "BYHOUR", "BYMINUTE", "BYSECOND"}
)  # fmt: skip
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?")
_ONE_SECOND = timedelta(seconds=1)
_GREGORIAN_CYCLE = 400  # years after which dates and weekdays repeat exactly
_LONG_SEARCH = timedelta(days=18262)  # half a century: how far a rule is searched for a date at all
_MAX_SPAN = timedelta(days=36525)  # the longest window one expansion scans (a century)
_COUNT_SPAN = timedelta(days=73050)  # the longest a COUNT series is followed (two centuries)
_LAST_YEAR = 9998  # dateutil stops past 9999; a year of room for weeks that cross into the next


# --------------------------------------------------------------------------------------------- zones


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` ("Europe/Berlin"); Invalid (field "time_zone") when there is none."""
    if not isinstance(name, str) or name not in _zone_names():
        shown = name[:64] if isinstance(name, str) else repr(name)[:64]
        message = f"Unknown time zone '{shown}'."
        raise Invalid(message, field_errors={"time_zone": [message]})
    return ZoneInfo(name)


def _wall_exists(local: datetime, tz: ZoneInfo) -> bool:
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local


def _clock(value: datetime) -> str:
    return f"{value.hour}:{value.minute:02d}"


def _day(value: date) -> str:
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def to_utc(local: datetime, zone_name: str) -> datetime:
    """The instant (aware, UTC) of the wall-clock time `local` (naive) in `zone_name`.

    A wall time the clocks skip (a DST gap) is Invalid with field "starts_at"; one that happens twice (the
    hour repeated in autumn) is the first of the two.
    """
    tz = zone(zone_name)
    if local.tzinfo is not None:
        raise TypeError("to_utc takes a naive wall-clock time")
    local = local.replace(fold=0)
    if not _wall_exists(local, tz):
        # Walk back to the last minute that exists: the gap starts one minute later.
        probe = local.replace(second=0, microsecond=0)
        for _ in range(2 * 24 * 60):
            probe -= timedelta(minutes=1)
            if _wall_exists(probe, tz):
                break
        jump = probe + timedelta(minutes=1)
        message = (
            f"{_clock(local)} on {_day(local.date())} does not exist in {zone_name}: "
            f"the clocks go forward at {_clock(jump)}."
        )
        raise Invalid(message, field_errors={"starts_at": [message]})
    return local.replace(tzinfo=tz).astimezone(UTC)


def _instant(local: datetime, tz: ZoneInfo) -> datetime:
    """Lenient `to_utc` for occurrences: a gap moves forward by its length, an ambiguous time is the first."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def _aware_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise TypeError(f"{what} must be an aware datetime")
    return value.astimezone(UTC)


# ------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed, validated RRULE. `byday` holds (ordinal or None, weekday 0=Monday); `until` is aware UTC."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None
    bymonth: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple[tuple[int | None, int], ...] = ()
    bysetpos: tuple[int, ...] = ()
    wkst: int = 0

    def text(self) -> str:
        """The normalized text: FREQ first, defaults left out, lists sorted, UNTIL in UTC."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%dT%H%M%SZ}")
        for name, values in (
            ("BYMONTH", self.bymonth),
            ("BYWEEKNO", self.byweekno),
            ("BYYEARDAY", self.byyearday),
            ("BYMONTHDAY", self.bymonthday),
        ):
            if values:
                parts.append(f"{name}={','.join(str(v) for v in values)}")
        if self.byday:
            days = ",".join(f"{'' if n is None else n}{DAYS[d]}" for n, d in self.byday)
            parts.append(f"BYDAY={days}")
        if self.bysetpos:
            parts.append(f"BYSETPOS={','.join(str(v) for v in self.bysetpos)}")
        if self.wkst != 0:
            parts.append(f"WKST={DAYS[self.wkst]}")
        return ";".join(parts)


def _bad(message: str) -> Invalid:
    return Invalid(message, field_errors={"rrule": [message]})


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _whole(value: str, low: int, high: int, message: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,7}", value):
        raise _bad(message)
    number = int(value)
    if not low <= number <= high:
        raise _bad(message)
    return number


def _numbers(value: str, limit: int, *, signed: bool, message: str) -> tuple[int, ...]:
    items = value.split(",")
    if len(items) > MAX_LIST:
        raise _bad(message)
    numbers = set()
    for item in items:
        number = _whole(item.strip(), -limit if signed else 1, limit, message)
        if number == 0:
            raise _bad(message)
        numbers.add(number)
    return tuple(sorted(numbers))


def _parse_until(value: str, tz: ZoneInfo) -> datetime:
    message = "UNTIL must be a date like 20270303 or a time in UTC like 20270303T180000Z."
    match = _UNTIL.fullmatch(value)
    if not match:
        raise _bad(message)
    year, month, day, hour, minute, second, utc = match.groups()
    try:
        if hour is None:
            # A date: the series runs through the end of that day where the event happens.
            local = datetime.combine(date(int(year), int(month), int(day)), time(23, 59, 59))
            return _instant(local, tz)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        raise _bad(f"UNTIL={_short(value)} is not a real date.") from None
    return moment.replace(tzinfo=UTC) if utc else _instant(moment, tz)


def _parse_byday(value: str, freq: str, *, yearly_weeks: bool) -> tuple[tuple[int | None, int], ...]:
    items = value.split(",")
    if len(items) > MAX_LIST:
        raise _bad("BYDAY lists too many days.")
    days: set[tuple[int | None, int]] = set()
    for item in items:
        match = _BYDAY.fullmatch(item.strip())
        if not match:
            raise _bad(
                f"Unknown day '{_short(item.strip())}' in BYDAY: use MO, TU, WE, TH, FR, SA or SU, "
                "optionally with a number, like 2TU or -1FR."
            )
        ordinal = int(match.group(1)) if match.group(1) else None
        if ordinal is not None:
            if freq not in ("MONTHLY", "YEARLY") or yearly_weeks:
                raise _bad("A number before a day (like 2TU) only works with FREQ=MONTHLY or FREQ=YEARLY.")
            top = 5 if freq == "MONTHLY" else 53
            if ordinal == 0 or abs(ordinal) > top:
                word = "a month" if top == 5 else "a year"
                raise _bad(f"{item.strip()} cannot happen: {word} has at most {top} of each weekday.")
        days.add((ordinal, DAYS.index(match.group(2))))
    return tuple(sorted(days, key=lambda d: (d[1], d[0] or 0)))


@lru_cache(maxsize=4096)
def _parse(text: str, zone_name: str = "UTC") -> Rule | None:
    """The Rule of `text` ("" means no repeat), or Invalid (field "rrule") naming what is wrong."""
    if not isinstance(text, str):
        raise _bad("The repeat rule must be text.")
    raw = text.strip()
    if not raw:
        return None
    if len(raw) > MAX_RULE_LENGTH:
        raise _bad(f"The repeat rule is too long (at most {MAX_RULE_LENGTH} characters).")
    if "\n" in raw or "\r" in raw:
        raise _bad("Give one RRULE line only.")
    if raw[:6].upper() == "RRULE:":
        raw = raw[6:]
    elif ":" in raw.split(";", 1)[0]:
        raise _bad("Only an RRULE can be given here (like FREQ=WEEKLY;BYDAY=TU).")
    parts: dict[str, str] = {}
    for piece in raw.split(";"):
        piece = piece.strip()
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise _bad(
                f"'{_short(piece)}' is not part of a repeat rule: expected parts like FREQ=WEEKLY;BYDAY=TU."
            )
        if name.startswith("X-"):
            continue  # extensions other calendars add (RFC 5545 x-name); they change nothing here
        if name not in _PARTS:
            raise _bad(f"Unknown part '{_short(name)}' in the repeat rule.")
        if name in parts:
            raise _bad(f"{name} appears twice in the repeat rule.")
        parts[name] = value
    if "FREQ" not in parts:
        raise _bad("A repeat rule needs FREQ, for example FREQ=WEEKLY.")
    freq = parts["FREQ"]
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        raise _bad("Events repeat at most daily.")
    if freq not in FREQUENCIES:
        raise _bad(f"Unknown FREQ '{_short(freq)}': use DAILY, WEEKLY, MONTHLY or YEARLY.")
    if {"BYHOUR", "BYMINUTE", "BYSECOND"} & parts.keys():
        raise _bad(
            "Events repeat at most daily: the time of day comes from the event's start, "
            "not from BYHOUR, BYMINUTE or BYSECOND."
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise _bad("Give UNTIL or COUNT, not both.")
    interval = _whole(
        parts.get("INTERVAL", "1"),
        1,
        MAX_INTERVAL,
        f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL:,}.",
    )
    count = None
    if "COUNT" in parts:
        count = _whole(parts["COUNT"], 1, MAX_COUNT, f"COUNT must be a whole number from 1 to {MAX_COUNT:,}.")
    until = _parse_until(parts["UNTIL"], ZoneInfo(zone_name)) if "UNTIL" in parts else None

    def numbers(name: str, limit: int, signed: bool, message: str) -> tuple[int, ...]:
        return _numbers(parts[name], limit, signed=signed, message=message) if name in parts else ()

    bymonth = numbers("BYMONTH", 12, False, "BYMONTH takes month numbers from 1 to 12.")
    bymonthday = numbers(
        "BYMONTHDAY", 31, True, "BYMONTHDAY takes days from 1 to 31, or -1 to -31 counting back from the end."
    )
    byyearday = numbers(
        "BYYEARDAY",
        366,
        True,
        "BYYEARDAY takes days from 1 to 366, or -1 to -366 counting back from the end.",
    )
    byweekno = numbers("BYWEEKNO", 53, True, "BYWEEKNO takes weeks from 1 to 53, or -1 to -53.")
    bysetpos = numbers("BYSETPOS", 366, True, "BYSETPOS takes positions from 1 to 366, or -1 to -366.")
    byday = _parse_byday(parts["BYDAY"], freq, yearly_weeks=bool(byweekno)) if "BYDAY" in parts else ()
    if bymonth and freq == "MONTHLY" and any(n is not None and abs(n) > 5 for n, _ in byday):
        raise _bad("A month has at most 5 of each weekday.")
    wkst = 0
    if "WKST" in parts:
        if parts["WKST"] not in DAYS:
            raise _bad("WKST must be a day: MO, TU, WE, TH, FR, SA or SU.")
        wkst = DAYS.index(parts["WKST"])
    # Combinations RFC 5545 §3.3.10 rules out.
    if bymonthday and freq == "WEEKLY":
        raise _bad("BYMONTHDAY does not work with FREQ=WEEKLY.")
    if byyearday and freq != "YEARLY":
        raise _bad("BYYEARDAY only works with FREQ=YEARLY.")
    if byweekno and freq != "YEARLY":
        raise _bad("BYWEEKNO only works with FREQ=YEARLY.")
    if bysetpos and not (bymonth or bymonthday or byyearday or byweekno or byday):
        raise _bad("BYSETPOS needs another BY part (like BYDAY) to choose from.")
    if bymonthday:
        months = bymonth or tuple(range(1, 13))
        if not any(abs(day) <= MONTH_DAYS[month - 1] for day in bymonthday for month in months):
            names = " and ".join(MONTH_NAMES[m - 1] for m in months[:2]) + (" …" if len(months) > 2 else "")
            days = ", ".join(str(d) for d in bymonthday)
            raise _bad(f"This rule never happens: {names} never has day {days}.")
    return Rule(
        freq=freq, interval=interval, count=count, until=until, bymonth=bymonth, byweekno=byweekno,
        byyearday=byyearday, bymonthday=bymonthday, byday=byday, bysetpos=bysetpos, wkst=wkst,
    )  # fmt: skip


def parse_rule(text: str, *, zone_name: str = "UTC") -> str:
    """The normalized text of the RRULE `text` ("FREQ=WEEKLY;BYDAY=TU"), or "" for no repeat.

    Accepts "RRULE:" in front and any letter case. An UNTIL given as a date, or as a time without "Z", is
    read in `zone_name` (a date runs through the end of that day) and written back in UTC. Invalid, with
    field "rrule" and a message saying what is wrong, for anything else: no FREQ, a FREQ more often than
    daily, UNTIL with COUNT, an INTERVAL over 1,000, a COUNT over 100,000, unknown parts, days or numbers,
    combinations RFC 5545 rules out, and days no month has (the 30th of February). A rule that never ends
    is fine: expansion stops at its window and at a count.
    """
    if zone_name != "UTC":
        zone(zone_name)
    rule = _parse(text, zone_name)
    normalized = "" if rule is None else rule.text()
    if len(normalized) > MAX_RULE_LENGTH:  # UNTIL written out in full can add a few characters
        raise _bad(f"The repeat rule is too long (at most {MAX_RULE_LENGTH} characters).")
    return normalized


def parse(text: str, *, zone_name: str = "UTC") -> Rule | None:
    """The parsed Rule of `text` (None for no repeat); Invalid as for `parse_rule`."""
    if zone_name != "UTC":
        zone(zone_name)
    return _parse(text, zone_name)


# ----------------------------------------------------------------------------------------- expansion


@dataclass(frozen=True, slots=True)
class Slot:
    """One occurrence. `recurrence_id` is its start as the rule places it: the key exceptions and RSVPs use."""

    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime


def _effective(rule: Rule, start: datetime) -> Rule:
    """The rule with the parts it takes from its start written out (as RFC 5545 and dateutil do)."""
    if rule.byweekno or rule.byyearday or rule.bymonthday or rule.byday:
        return rule
    if rule.freq == "YEARLY":
        return replace(rule, bymonth=rule.bymonth or (start.month,), bymonthday=(start.day,))
    if rule.freq == "MONTHLY":
        return replace(rule, bymonthday=(start.day,))
    if rule.freq == "WEEKLY":
        return replace(rule, byday=((None, start.weekday()),))
    return rule


def _period_start(rule: Rule, start: datetime, target: datetime) -> datetime:
    """The latest start of a period at or before `target` that whole intervals separate from `start`'s period.

    A rule without COUNT yields the same dates from there on as from `start` (with `_effective` parts).
    """
    step = rule.interval
    if rule.freq == "DAILY":
        days = (target.date() - start.date()).days // step * step
        return start + timedelta(days=days) if days > 0 else start
    if rule.freq == "WEEKLY":
        week = start.date() - timedelta(days=(start.weekday() - rule.wkst) % 7)
        target_week = target.date() - timedelta(days=(target.weekday() - rule.wkst) % 7)
        weeks = (target_week - week).days // 7 // step * step
        return datetime.combine(week + timedelta(weeks=weeks), start.time()) if weeks > 0 else start
    if rule.freq == "MONTHLY":
        months = ((target.year - start.year) * 12 + target.month - start.month) // step * step
        if months <= 0:
            return start
        year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
        return datetime.combine(date(year, month + 1, 1), start.time())
    years = (target.year - start.year) // step * step
    return datetime.combine(date(start.year + years, 1, 1), start.time()) if years > 0 else start


@lru_cache(maxsize=1024)
def _shift_years(first: int, last: int) -> int:
    """The most years (keeping `last` before the end of dateutil's calendar) by which the years from
    `first` - 1 to `last` + 1 can move with each keeping its length and the weekday of its 1st of January."""
    years = range(first - 1, last + 2)
    for shift in range(_LAST_YEAR - 1 - last, 0, -1):
        if all(
            calendar.isleap(year) == calendar.isleap(year + shift)
            and date(year, 1, 1).weekday() == date(year + shift, 1, 1).weekday()
            for year in years
        ):
            return shift
    return 0


def _moved(value: datetime, years: int) -> datetime:
    return value.replace(year=value.year + years) if years else value


def _walk(
    rule: Rule | None, start: datetime, *, skip_to: datetime | None, stop_after: datetime
) -> Iterator[datetime]:
    """Wall-clock starts (naive) in order: `start` first, then the rule's, up to about `stop_after`.

    May begin later than `start`'s period, near `skip_to`, when the rule has no COUNT; stops when COUNT
    runs out or a date passes `stop_after` (callers filter exactly: this one is only a bound).
    """
    yield start
    if rule is None or rule.count == 1:
        return
    stop_after = min(stop_after, datetime(_LAST_YEAR, 12, 31))
    if stop_after <= start:
        return
    full = _effective(rule, start)
    begin = start
    if rule.count is None and skip_to is not None and skip_to > start:
        begin = _period_start(full, start, skip_to)
    if begin > stop_after:  # the window starts after the series ends (UNTIL before the window)
        return
    shift = _shift_years(max(begin.year, 2), stop_after.year)
    dates = du.rrule(
        FREQUENCIES[rule.freq],
        dtstart=_moved(begin, shift),
        interval=rule.interval,
        wkst=rule.wkst,
        count=rule.count,
        until=None if rule.count is not None else _moved(stop_after, shift),  # not both (RFC 5545)
        bymonth=full.bymonth or None,
        bymonthday=full.bymonthday or None,
        byyearday=full.byyearday or None,
        byweekno=full.byweekno or None,
        byweekday=[du.weekday(day, n) for n, day in full.byday] or None,
        bysetpos=full.bysetpos or None,
    )
    remaining = None if rule.count is None else rule.count - 1
    # Every year searched keeps its length, so moving back is one subtraction (cheaper than replace()).
    back = datetime(begin.year + shift, 1, 1) - datetime(begin.year, 1, 1)
    found = iter(dates)
    while True:
        try:
            moved = next(found)
        except (StopIteration, ValueError, OverflowError):  # the last week of 9999 reaches a year too far
            return
        local = moved - back
        if local > stop_after:
            return
        if local == start:
            continue  # the start is also the rule's first date: it counts once
        yield local
        if remaining is not None:
            remaining -= 1
            if remaining <= 0:
                return


def _check_span(start_local: datetime, duration: timedelta, all_day: bool) -> None:
    if start_local.tzinfo is not None:
        raise TypeError("start_local must be a naive wall-clock time")
    if duration < timedelta(0):
        message = "The event ends before it starts."
        raise Invalid(message, field_errors={"ends_at": [message]})
    if all_day:
        if start_local.time() != time(0):
            message = "An all-day event starts at midnight."
            raise Invalid(message, field_errors={"starts_at": [message]})
        if duration < timedelta(days=1) or duration % timedelta(days=1):
            message = "An all-day event lasts whole days."
            raise Invalid(message, field_errors={"ends_at": [message]})


def _end(local: datetime, instant: datetime, tz: ZoneInfo, duration: timedelta, all_day: bool) -> datetime:
    # All-day events end at local midnight (a day may have 23 or 25 hours); timed ones last their duration.
    return _instant(local + duration, tz) if all_day else instant + duration


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
    """The occurrences whose span overlaps [window_start, window_end), in order, at most `limit` of them.

    A window longer than a century is cut to one (a bound on the work, like `limit`). `rule` "" is a
    single event. `exdates` are recurrence ids (aware) to leave out. Invalid for a rule
    `parse_rule` cannot read or an unknown zone; a rule that never yields returns only its start (when in
    the window), quickly.
    """
    tz = zone(zone_name)
    parsed = _parse(rule, zone_name)
    _check_span(start_local, duration, all_day)
    window_start = _aware_utc(window_start, "window_start")
    window_end = _aware_utc(window_end, "window_end")
    window_end = min(window_end, window_start + _MAX_SPAN)
    if window_end <= window_start or limit <= 0:
        return []
    start = start_local.replace(microsecond=0, fold=0)
    left_out = {_aware_utc(value, "exdates") for value in exdates}
    until = parsed.until if parsed is not None else None
    # Local bounds for the scan; a day of slack covers any UTC offset.
    stop_after = _wall(window_end, tz) + timedelta(days=1)
    if until is not None:
        stop_after = min(stop_after, _wall(until, tz) + timedelta(days=1))
    skip_to = _wall(window_start, tz) - duration - timedelta(days=2)
    slots: list[Slot] = []
    for local in _walk(parsed, start, skip_to=skip_to, stop_after=stop_after):
        instant = _instant(local, tz)
        if instant >= window_end or (until is not None and instant > until and local != start):
            break
        ends = _end(local, instant, tz, duration, all_day)
        if ends <= window_start and instant < window_start:
            continue
        if instant in left_out:
            continue
        slots.append(Slot(recurrence_id=instant, starts_at=instant, ends_at=ends))
        if len(slots) >= limit:
            break
    return slots


def series_end(
    rule: str, *, start_local: datetime, zone_name: str, duration: timedelta, all_day: bool = False
) -> datetime | None:
    """The end (aware UTC) of the series' last occurrence, or None when it never ends.

    A rule with COUNT is walked to its end (COUNT is at most 100,000); one with UNTIL only over the last
    stretch before UNTIL that holds a date. A rule without a date in the fifty years after its start is
    taken as never repeating: the series is its first date. (The sparsest real rules, like the 29th of
    February on a Monday, repeat within 40 years.)
    """
    tz = zone(zone_name)
    parsed = _parse(rule, zone_name)
    _check_span(start_local, duration, all_day)
    start = start_local.replace(microsecond=0, fold=0)
    if parsed is not None and parsed.count is None and parsed.until is None:
        return None

    def last(skip_to: datetime | None, stop_after: datetime) -> tuple[datetime, int]:
        final, seen = start, 0
        for local in _walk(parsed, start, skip_to=skip_to, stop_after=stop_after):
            if parsed is not None and parsed.until is not None and _instant(local, tz) > parsed.until:
                break
            final, seen = local, seen + 1
        return final, seen

    final = start
    if parsed is not None and _repeats(parsed, start):
        if parsed.until is None:
            # COUNT ends it (at most 100,000 dates); a rule too sparse to get there in two centuries
            # is taken as ending then.
            final, _seen = last(None, start + _COUNT_SPAN)
        else:
            # The last stretch before UNTIL, longer and longer until a date lies in it.
            stop_after = _wall(parsed.until, tz) + timedelta(days=1)
            for back in (800, 8_000, 80_000, None):
                skip_to = None if back is None else stop_after - timedelta(days=back)
                final, _seen = last(skip_to, stop_after)
                if final != start or skip_to is None or skip_to <= start:
                    break
    return _end(final, _instant(final, tz), tz, duration, all_day)


def occurrence_local_start(recurrence_id: datetime, *, start_local: datetime, zone_name: str) -> datetime:
    """The wall-clock start (naive) the rule gave the occurrence `recurrence_id`.

    Usually its local time; for one moved forward out of a DST gap, the time the series keeps (2:30, not
    3:30), so a series split there ("this and following") keeps its wall-clock time.
    """
    tz = zone(zone_name)
    instant = _aware_utc(recurrence_id, "recurrence_id")
    local = _wall(instant, tz)
    kept = datetime.combine(local.date(), start_local.time().replace(microsecond=0))
    for candidate in (kept, kept - timedelta(days=1)):
        if candidate != local and _instant(candidate, tz) == instant:
            return candidate
    return local


def split_rule(rule: str, *, start_local: datetime, zone_name: str, at: datetime) -> tuple[str, str]:
    """The rules for "this and following" from the occurrence `at` (a recurrence id): (before, from `at`).

    The first ends with UNTIL one second before `at` (in UTC); the second keeps the original end, with
    COUNT reduced by the occurrences before `at`, and writes out the parts the rule took from its start so
    that it means the same from its new start (`occurrence_local_start(at, ...)`). Invalid (field
    "recurrence_id") when `at` is the first occurrence (edit the whole series) or not an occurrence.
    """
    tz = zone(zone_name)
    parsed = _parse(rule, zone_name)
    at = _aware_utc(at, "at")
    if parsed is None:
        message = "A single event has no following occurrences."
        raise Invalid(message, field_errors={"recurrence_id": [message]})
    start = start_local.replace(microsecond=0, fold=0)
    if at <= _instant(start, tz):
        message = "This is the first occurrence: change the whole series instead."
        raise Invalid(message, field_errors={"recurrence_id": [message]})
    at_local = _wall(at, tz)
    skip_to = None if parsed.count is not None else at_local - timedelta(days=2)
    before = 0
    found = False
    for local in _walk(parsed, start, skip_to=skip_to, stop_after=at_local + timedelta(days=1)):
        instant = _instant(local, tz)
        if instant >= at or (parsed.until is not None and instant > parsed.until):
            found = instant == at and (parsed.until is None or instant <= parsed.until)
            break
        before += 1
    if not found:
        message = "No occurrence of this series starts then."
        raise Invalid(message, field_errors={"recurrence_id": [message]})
    first = replace(parsed, count=None, until=at - _ONE_SECOND)
    rest = _effective(parsed, start)
    if parsed.count is not None:
        rest = replace(rest, count=parsed.count - before)
    return first.text(), rest.text()


def _repeats(rule: Rule, start: datetime) -> bool:
    """Whether the rule has a date after `start` within fifty years (a fruitless search ends soon after)."""
    if rule.count == 1:
        return False
    dates = _walk(rule, start, skip_to=None, stop_after=start + _LONG_SEARCH)
    next(dates)
    return next(dates, None) is not None


def validate_series(rule: str, *, start_local: datetime, zone_name: str) -> str:
    """The normalized rule for a series starting at `start_local`, or Invalid (field "rrule").

    Besides `parse_rule`'s checks: a rule that ends before the start, and one that never yields a date
    after the start (searched over the next fifty years), are refused.
    """
    parsed = parse(rule, zone_name=zone_name)
    if parsed is None:
        return ""
    tz = zone(zone_name)
    start = start_local.replace(microsecond=0, fold=0)
    first = _instant(start, tz)
    if parsed.until is not None and parsed.until < first:
        raise _bad("The repeat ends before the event starts.")
    if parsed.count != 1 and not _repeats(parsed, start):
        raise _bad("This rule never repeats: no date after the first one matches it.")
    return parsed.text()


# ------------------------------------------------------------------------------------------- wording

_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def _ordinal_word(n: int) -> str:
    if n in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[n]
    if n < 0:
        return f"{_ordinal_word(-n)} to last" if -n in _ORDINAL_WORDS else f"{_nth(-n)} to last"
    return _nth(n)


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month_day(n: int) -> str:
    if n == -1:
        return "the last day"
    if n < 0:
        return f"the {_ordinal_word(n)} day"
    return f"the {_nth(n)}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _every(rule: Rule) -> str:
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[rule.freq]
    if rule.interval != 1:
        return f"Every {rule.interval} {unit}s"
    return {"MONTHLY": "Monthly", "YEARLY": "Yearly"}.get(rule.freq, f"Every {unit}")


def _pattern(rule: Rule) -> str | None:
    """The sentence for the common shapes; None for the rest."""
    plain_days = [d for n, d in rule.byday if n is None]
    only_plain_days = bool(rule.byday) and len(plain_days) == len(rule.byday)
    every = _every(rule)
    if rule.byweekno or rule.byyearday:
        return None
    if rule.bymonth and rule.freq != "YEARLY":
        if rule.bysetpos:
            return None  # BYSETPOS picks among the dates of all the months together
        inner = _pattern(replace(rule, bymonth=()))
        return inner and f"{inner}, in {_join([MONTH_NAMES[m - 1] for m in rule.bymonth])}"
    if rule.freq in ("DAILY", "WEEKLY"):
        if rule.bysetpos or rule.bymonthday:
            return None
        if not rule.byday:
            return every
        if not only_plain_days:
            return None
        if set(plain_days) == WEEKDAYS:
            if rule.interval == 1:
                return "Every weekday"
            if rule.freq == "WEEKLY":
                return f"{every} on weekdays"
        if rule.freq == "DAILY" and rule.interval != 1:
            return None
        phrase = every if rule.freq == "WEEKLY" else "Every week"
        return f"{phrase} on {_join([DAY_NAMES[d] for d in plain_days])}"
    if rule.freq == "MONTHLY":
        return _within_month(rule, every)
    # YEARLY
    if len(rule.bymonth) != 1:
        return None
    month = MONTH_NAMES[rule.bymonth[0] - 1]
    if rule.bymonthday and not rule.byday and not rule.bysetpos and len(rule.bymonthday) == 1:
        day = rule.bymonthday[0]
        if day > 0:
            return f"{every} on {day} {month}"
        return f"{every} on {_month_day(day)} of {month}"
    inner = _within_month(replace(rule, bymonth=()), "")
    return f"{every}{inner} of {month}" if inner and not rule.bymonthday else None


def _within_month(rule: Rule, every: str) -> str | None:
    plain_days = [d for n, d in rule.byday if n is None]
    if rule.bymonthday:
        if rule.byday or rule.bysetpos or len(rule.bymonthday) > 2:
            return None
        return f"{every} on {_join([_month_day(d) for d in rule.bymonthday])}"
    if not rule.byday:
        return None
    if rule.bysetpos:
        if len(rule.bysetpos) != 1 or len(plain_days) != len(rule.byday):
            return None
        which = _ordinal_word(rule.bysetpos[0])
        if len(plain_days) == 1:
            return f"{every} on the {which} {DAY_NAMES[plain_days[0]]}"
        if set(plain_days) == WEEKDAYS:
            return f"{every} on the {which} weekday"
        if len(plain_days) == 7:
            return f"{every} on the {which} day"
        return None
    if len(plain_days) == len(rule.byday):
        return f"{every} on every {_join([DAY_NAMES[d] for d in plain_days])}"
    if plain_days:
        return None
    words = [f"the {_ordinal_word(n or 0)} {DAY_NAMES[d]}" for n, d in rule.byday]
    return f"{every} on {_join(words)}"


def describe(rule: str, *, start_local: datetime, zone_name: str = "UTC") -> str:
    """Plain English for a rule: "Every week on Tuesday", "Monthly on the last Friday, 10 times".

    UNTIL is shown as a date in `zone_name`. Never raises: a rule it cannot read, or a shape it has no
    sentence for, gets a general one.
    """
    try:
        parsed = parse(rule, zone_name=zone_name)
        tz = zone(zone_name)
    except Invalid:
        return "Repeats on a custom schedule"
    if parsed is None:
        return "Does not repeat"
    full = _effective(parsed, start_local)
    sentence = _pattern(full) or f"{_every(full)}, on a custom schedule"
    if parsed.count is not None:
        sentence += ", once" if parsed.count == 1 else f", {parsed.count:,} times"
    if parsed.until is not None:
        sentence += f", until {_day(_wall(parsed.until, tz).date())}"
    return sentence


def presets(start_local: datetime) -> list[tuple[str, str]]:
    """The repeat choices a create form offers for a start date: (rule, label), "" first."""
    weekday = start_local.weekday()
    day = DAYS[weekday]
    nth = (start_local.day - 1) // 7 + 1
    month_length = calendar.monthrange(start_local.year, start_local.month)[1]
    is_last = start_local.day + 7 > month_length
    rules = [
        "FREQ=DAILY",
        f"FREQ=WEEKLY;BYDAY={day}",
        f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
    ]
    if nth <= 4:
        rules.append(f"FREQ=MONTHLY;BYDAY={nth}{day}")
    if is_last:
        rules.append(f"FREQ=MONTHLY;BYDAY=-1{day}")
    rules.append(f"FREQ=MONTHLY;BYMONTHDAY={start_local.day}")
    if start_local.day == month_length:
        rules.append("FREQ=MONTHLY;BYMONTHDAY=-1")
    rules.append(f"FREQ=YEARLY;BYMONTH={start_local.month};BYMONTHDAY={start_local.day}")
    rules.append("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    choices = [("", "Does not repeat")]
    choices += [(text, describe(text, start_local=start_local)) for text in rules]
    choices[-1] = (choices[-1][0], "Every weekday (Monday to Friday)")
    return choices
