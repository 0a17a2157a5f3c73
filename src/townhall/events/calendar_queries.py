"""Reads for the calendar views: windows (a month grid, an ISO week), filters, and the dates of a window
as entries in the viewer's time zone. Every function here runs a fixed number of queries whatever the
number of events and RSVPs: one for the dates (with their event, space and group), one for the viewer's
RSVPs, and one each for the filters' group and space choices.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from townhall.community.models import Group
from townhall.core.pagination import BadCursor, decode_cursor, encode_cursor
from townhall.events import queries
from townhall.events.models import Event, EventHost, Occurrence, Rsvp
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

WINDOW_MAX = 500  # the most dates one month grid, week or API window holds
LIST_PAGE = 30  # dates per page of the upcoming and past lists
HOME_DATES = 5  # dates in the home page's "Upcoming events"
YEAR_MIN, YEAR_MAX = 1970, 2999  # months and weeks outside these are refused (not a 500 from date maths)
SLUG_MAX = 100
WHERE = {"online": "Online", "in_person": "In person"}
MINE_STATES = (Rsvp.GOING, Rsvp.MAYBE, Rsvp.WAITLISTED)
# A date's UTC range and the days it covers in the viewer's zone can differ by up to a day (all-day events
# belong to their own zone's calendar), so windows are read this much wider and trimmed by day.
MARGIN = timedelta(hours=26)
DASH = "\u2013"  # an en dash between times and days


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


# --- windows ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """The days a page shows (inclusive), and the UTC instants that bound them in the viewer's zone."""

    kind: str  # "month" or "week"
    first_day: date
    last_day: date
    start: datetime
    end: datetime
    anchor: date  # the month's 1st or the week's Monday
    label: str
    param: str  # "2026-12" or "2026-W49": this window in the URL
    prev_param: str
    next_param: str
    today_param: str


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The instant `day` starts in `zone` (a midnight skipped by a DST change resolves forward)."""
    naive = datetime.combine(day, time())
    aware = naive.replace(tzinfo=zone)
    # zoneinfo gives a skipped wall time the offset before the gap; round-tripping through UTC lands on
    # the first real instant of the day.
    return aware.astimezone(UTC).astimezone(zone)


def _month_param(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _week_param(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _clean_param(value: str) -> str:
    return "".join(ch for ch in value[:20] if ch.isprintable())


def parse_month(value: str | None, *, today: date) -> tuple[date, str | None]:
    """The 1st of the month that ?month=YYYY-MM names, or this month with the reason when it is bad."""
    this_month = today.replace(day=1)
    if not value:
        return this_month, None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    bad = f"“{_clean_param(value)}” is not a month: use YYYY-MM (like {_month_param(today)}). Showing this month."
    if match is None:
        return this_month, bad
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return this_month, bad
    if not YEAR_MIN <= year <= YEAR_MAX:
        return this_month, f"Months from {YEAR_MIN} to {YEAR_MAX} only. Showing this month."
    return date(year, month, 1), None


def parse_week(value: str | None, *, today: date) -> tuple[date, str | None]:
    """The Monday of the ISO week that ?week=YYYY-Www names, or this week with the reason when it is bad."""
    this_week = today - timedelta(days=today.weekday())
    if not value:
        return this_week, None
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", value.strip(), flags=re.IGNORECASE)
    bad = (
        f"“{_clean_param(value)}” is not a week: use YYYY-Www (like {_week_param(today)}). Showing this week."
    )
    if match is None:
        return this_week, bad
    year, week = int(match[1]), int(match[2])
    if not YEAR_MIN <= year <= YEAR_MAX:
        return this_week, f"Weeks from {YEAR_MIN} to {YEAR_MAX} only. Showing this week."
    try:
        return date.fromisocalendar(year, week, 1), None
    except ValueError:
        return this_week, f"{year} has no week {week}. Showing this week."


def month_window(first: date, zone: tzinfo, *, today: date) -> Window:
    """The month grid of `first`'s month: Monday on or before the 1st to Sunday on or after the last day."""
    following = _add_months(first, 1)
    last = following - timedelta(days=1)
    first_day = first - timedelta(days=first.weekday())
    last_day = last + timedelta(days=6 - last.weekday())
    return Window(
        kind="month",
        first_day=first_day,
        last_day=last_day,
        start=local_midnight(first_day, zone),
        end=local_midnight(last_day + timedelta(days=1), zone),
        anchor=first,
        label=f"{first:%B} {first.year}",
        param=_month_param(first),
        prev_param=_month_param(_add_months(first, -1)),
        next_param=_month_param(following),
        today_param=_month_param(today),
    )


def week_window(monday: date, zone: tzinfo, *, today: date) -> Window:
    """An ISO week, Monday to Sunday, in the viewer's zone (a DST change makes it 167 or 169 hours)."""
    sunday = monday + timedelta(days=6)
    week = monday.isocalendar()[1]
    if monday.month == sunday.month:
        span = f"{monday.day}{DASH}{sunday.day} {sunday:%B} {sunday.year}"
    elif monday.year == sunday.year:
        span = f"{monday.day} {monday:%b} {DASH} {sunday.day} {sunday:%b} {sunday.year}"
    else:
        span = f"{monday.day} {monday:%b} {monday.year} {DASH} {sunday.day} {sunday:%b} {sunday.year}"
    return Window(
        kind="week",
        first_day=monday,
        last_day=sunday,
        start=local_midnight(monday, zone),
        end=local_midnight(sunday + timedelta(days=1), zone),
        anchor=monday,
        label=f"Week {week}, {span}",
        param=_week_param(monday),
        prev_param=_week_param(monday - timedelta(days=7)),
        next_param=_week_param(monday + timedelta(days=7)),
        today_param=_week_param(today),
    )


# --- filters ---------------------------------------------------------------------------------------
@dataclass
class Filters:
    """What a calendar shows: a scope (a space, a group, my dates) and the visitor's filters."""

    where: str = ""  # "", "online" or "in_person"
    group: Group | None = None
    space: Space | None = None
    mine: bool = False
    messages: list[str] = field(default_factory=list)

    def query(self, *, scope_space: bool = False, scope_group: bool = False) -> dict[str, str]:
        """The filters as URL parameters (the scope's own one left out: it is in the path)."""
        params = {}
        if self.where:
            params["where"] = self.where
        if self.group is not None and not scope_group:
            params["group"] = self.group.slug
        if self.space is not None and not scope_space:
            params["space"] = self.space.slug
        return params


_SLUG = re.compile(r"[-\w]+")


def parse_filters(
    guardian: Guardian, params: Mapping[str, str], *, allow_space: bool = True, allow_group: bool = True
) -> Filters:
    """?where=online|in_person, ?group=<slug>, ?space=<slug>: unknown values are dropped with a message
    (a space the viewer may not read is as unknown as a missing one). At most one query per slug."""
    filters = Filters()
    where = (params.get("where") or "").strip()
    if where in WHERE:
        filters.where = where
    elif where:
        filters.messages.append(f"“{_clean_param(where)}” is not a place filter: use online or in person.")
    slug = (params.get("group") or "").strip()[:SLUG_MAX] if allow_group else ""
    if slug:
        # Not a slug at all (a NUL byte, punctuation): no lookup (PostgreSQL refuses NUL in text).
        filters.group = Group.objects.filter(slug=slug).first() if _SLUG.fullmatch(slug) else None
        if filters.group is None:
            filters.messages.append(f"There is no group “{_clean_param(slug)}”; showing every group.")
    slug = (params.get("space") or "").strip()[:SLUG_MAX] if allow_space else ""
    if slug:
        space = Space.objects.filter(slug=slug).first() if _SLUG.fullmatch(slug) else None
        if space is None or not guardian.spaces.read.can(space):
            filters.messages.append(f"There is no space “{_clean_param(slug)}”; showing every space.")
        else:
            filters.space = space
    return filters


def filtered(qs: QuerySet[Occurrence], guardian: Guardian, filters: Filters) -> QuerySet[Occurrence]:
    """Apply the filters to dates the Guardian already scoped. Declined events are never on a calendar."""
    qs = qs.exclude(event__state=Event.DECLINED)
    if filters.where == "online":
        qs = qs.filter(event__location_kind__in=[Event.ONLINE, Event.HYBRID])
    elif filters.where == "in_person":
        qs = qs.filter(event__location_kind__in=[Event.IN_PERSON, Event.HYBRID])
    if filters.group is not None:
        qs = qs.filter(event__group_id=filters.group.pk)
    if filters.space is not None:
        qs = qs.filter(space_id=filters.space.pk)
    if filters.mine:
        user_id = guardian.user_id
        if user_id is None:
            return qs.none()
        answered = Rsvp.objects.filter(user_id=user_id, state__in=MINE_STATES).values("occurrence_id")
        hosted = EventHost.objects.filter(user_id=user_id).values("event_id")
        qs = qs.filter(Q(pk__in=answered) | Q(event_id__in=hosted) | Q(event__created_by_id=user_id))
    return qs


def group_choices(guardian: Guardian) -> list[Group]:
    """Groups that have events this person may see (one query)."""
    events = guardian.events.visible(Event.objects.filter(group__isnull=False)).values("group_id")
    return list(Group.objects.filter(pk__in=events).order_by("name"))


def space_choices(guardian: Guardian) -> list[Space]:
    """Spaces that have events this person may see (one query)."""
    events = guardian.events.visible(Event.objects.all()).values("space_id")
    return list(Space.objects.filter(pk__in=events).order_by("name"))


# --- entries ---------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One date as a calendar shows it to one viewer."""

    occurrence: Occurrence
    event: Event
    start: datetime  # in the viewer's zone
    end: datetime
    days: list[date]  # the days it covers (the viewer's days; an all-day event's own days)
    when: str  # "19:00 - 21:00", "All day", "Fri 4 Dec, 19:00 - Sun 6 Dec, 12:00" (with en dashes)
    own_zone: str  # "19:00 - 21:00 Europe/Berlin" when the event's zone shows other times; else ""
    cancelled: bool
    pending: bool
    rsvp: Rsvp | None
    url: str

    @property
    def all_day(self) -> bool:
        return self.event.all_day

    @property
    def multi_day(self) -> bool:
        return len(self.days) > 1

    @property
    def start_hm(self) -> str:
        return _hm(self.start)

    @property
    def day_label(self) -> str:
        return _day_label(self.days[0]) + (f" {self.days[0].year}" if self.days else "")

    @property
    def starts_iso(self) -> str:
        return self.occurrence.starts_at.isoformat()

    @property
    def rsvp_label(self) -> str:
        if self.rsvp is None or self.rsvp.state == Rsvp.NOT_GOING:
            return ""
        return {Rsvp.GOING: "Going", Rsvp.MAYBE: "Maybe", Rsvp.WAITLISTED: "Waitlisted"}[self.rsvp.state]

    @property
    def where_label(self) -> str:
        return dict(Event.LOCATION_KINDS)[self.event.location_kind]


def _hm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _span(start: datetime, end: datetime) -> str:
    if start.date() == end.date() or (end - start <= timedelta(days=1) and end.time() == time()):
        return f"{_hm(start)} {DASH} {_hm(end)}"
    return f"{_day_label(start.date())}, {_hm(start)} {DASH} {_day_label(end.date())}, {_hm(end)}"


_ROUTES: dict[str, bool] = {}


def _route(name: str, arg: int) -> str | None:
    """The path of a named route of another area of the events app, if it exists in this build (asked
    once per process: a failed reverse is slow, and a month holds up to WINDOW_MAX dates)."""
    if _ROUTES.get(name) is False:
        return None
    try:
        path = reverse(name, args=[arg])
    except NoReverseMatch:
        _ROUTES[name] = False
        return None
    _ROUTES[name] = True
    return path


def date_url(occurrence: Occurrence) -> str:
    """Where a date links: its own page for a date of a series, else the event's page (the paths that
    events.md gives every area: /events/date/<occurrence_id>/ and /events/<event_id>/)."""
    if occurrence.event.rrule:
        return _route("events:date", occurrence.pk) or f"/events/date/{occurrence.pk}/"
    return _route("events:event", occurrence.event_id) or f"/events/{occurrence.event_id}/"


def entry_for(occurrence: Occurrence, zone: tzinfo, rsvp: Rsvp | None) -> Entry:
    event = occurrence.event
    start = timezone.localtime(occurrence.starts_at, zone)
    end = timezone.localtime(occurrence.ends_at, zone)
    own_zone = ""
    if event.all_day:
        # An all-day event is a set of days wherever one looks from (iCalendar's floating dates).
        try:
            event_zone: tzinfo = zoneinfo.ZoneInfo(event.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            event_zone = UTC
        first = timezone.localtime(occurrence.starts_at, event_zone).date()
        last = timezone.localtime(occurrence.ends_at, event_zone).date() - timedelta(days=1)
        last = max(first, last)
        count = (last - first).days + 1
        days = [first + timedelta(days=n) for n in range(count)]
        if count == 1:
            when = "All day"
        elif first.month == last.month:
            when = f"All day, {first.day}{DASH}{last.day} {last:%b}"
        else:
            when = f"All day, {first.day} {first:%b} {DASH} {last.day} {last:%b}"
    else:
        last_moment = end - timedelta(microseconds=1) if end > start else end
        count = (last_moment.date() - start.date()).days + 1
        days = [start.date() + timedelta(days=n) for n in range(count)]
        when = _span(start, end)
        try:
            event_zone = zoneinfo.ZoneInfo(event.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            event_zone = UTC
        theirs_start = timezone.localtime(occurrence.starts_at, event_zone)
        if theirs_start.utcoffset() != start.utcoffset():
            theirs_end = timezone.localtime(occurrence.ends_at, event_zone)
            own_zone = f"{_span(theirs_start, theirs_end)} {event.time_zone}"
    return Entry(
        occurrence=occurrence,
        event=event,
        start=start,
        end=end,
        days=days,
        when=when,
        own_zone=own_zone,
        cancelled=occurrence.cancelled_at is not None or event.state == Event.CANCELLED,
        pending=event.state == Event.PENDING,
        rsvp=rsvp,
        url=date_url(occurrence),
    )


def entries(guardian: Guardian, dates: Iterable[Occurrence], zone: tzinfo) -> list[Entry]:
    """The dates as entries for this viewer: one query for their RSVPs (none when signed out)."""
    dates = list(dates)
    rsvps = queries.my_rsvps(guardian, [occurrence.pk for occurrence in dates])
    return [entry_for(occurrence, zone, rsvps.get(occurrence.pk)) for occurrence in dates]


@dataclass
class WindowDates:
    entries: list[Entry]
    truncated: bool  # more than WINDOW_MAX dates: the first ones are shown, with a note


def window_dates(guardian: Guardian, window: Window, zone: tzinfo, filters: Filters) -> WindowDates:
    """The dates that touch the window's days, soonest first (two queries)."""
    qs = filtered(queries.between(guardian, window.start - MARGIN, window.end + MARGIN), guardian, filters)
    rows = list(qs[: WINDOW_MAX + 1])
    truncated = len(rows) > WINDOW_MAX
    shown = [
        entry
        for entry in entries(guardian, rows[:WINDOW_MAX], zone)
        if entry.days[-1] >= window.first_day and entry.days[0] <= window.last_day
    ]
    return WindowDates(entries=shown, truncated=truncated)


# --- grids and lists -------------------------------------------------------------------------------
@dataclass
class Placed:
    """An entry on one day of a grid: whether it began before this day or goes on after it."""

    entry: Entry
    continued: bool
    continues: bool


@dataclass
class Day:
    day: date
    in_window: bool  # False for the neighbouring months' days that fill the grid's first and last weeks
    today: bool
    placed: list[Placed]

    @property
    def label(self) -> str:
        return f"{self.day:%A} {self.day.day} {self.day:%B} {self.day.year}"

    @property
    def iso(self) -> str:
        return self.day.isoformat()


def _order(entry: Entry) -> tuple[int, datetime, int]:
    return (0 if entry.all_day else 1, entry.start, entry.occurrence.pk)


def days_of(window: Window, found: list[Entry], *, today: date) -> list[Day]:
    """Every day of the window with the entries on it (a date lasting several days is on each of them)."""
    by_day: dict[date, list[Placed]] = {}
    for entry in sorted(found, key=_order):
        for day in entry.days:
            if window.first_day <= day <= window.last_day:
                placed = Placed(entry, continued=day != entry.days[0], continues=day != entry.days[-1])
                by_day.setdefault(day, []).append(placed)
    days = []
    day = window.first_day
    while day <= window.last_day:
        in_window = window.kind != "month" or day.month == window.anchor.month
        days.append(Day(day, in_window, day == today, by_day.get(day, [])))
        day += timedelta(days=1)
    return days


@dataclass
class Week:
    days: list[Day]

    @property
    def param(self) -> str:
        return _week_param(self.days[0].day)

    @property
    def number(self) -> int:
        return self.days[0].day.isocalendar()[1]


def weeks_of(days: list[Day]) -> list[Week]:
    return [Week(days[n : n + 7]) for n in range(0, len(days), 7)]


@dataclass
class DayGroup:
    """A day heading of a list and the entries that start (or, for the first day, are going on) then."""

    day: date
    today: bool
    entries: list[Entry]

    @property
    def label(self) -> str:
        return f"{self.day:%A} {self.day.day} {self.day:%B} {self.day.year}"

    @property
    def iso(self) -> str:
        return self.day.isoformat()


def grouped(found: list[Entry], *, today: date) -> list[DayGroup]:
    """Entries under a heading per day, in the order given (a list page is already ordered)."""
    groups: list[DayGroup] = []
    for entry in found:
        day = entry.days[0]
        if entry.days[0] < today <= entry.days[-1]:
            day = today  # going on now: listed under today rather than under a day already past
        if groups and groups[-1].day == day:
            groups[-1].entries.append(entry)
        else:
            groups.append(DayGroup(day, day == today, [entry]))
    return groups


# --- lists (keyset pages) --------------------------------------------------------------------------
@dataclass
class ListPage:
    entries: list[Entry]
    next_cursor: str | None


def _page(qs: QuerySet[Occurrence], *, newest_first: bool, cursor: str | None, limit: int) -> tuple[list[Occurrence], str | None]:  # fmt: skip
    """One keyset page of dates by (starts_at, id); BadCursor for a link that was tampered with."""
    order = ("-starts_at", "-id") if newest_first else ("starts_at", "id")
    qs = qs.order_by(*order)
    if cursor:
        values = decode_cursor(cursor, 2)
        try:
            moment = datetime.fromisoformat(str(values[0]))
            last_id = int(values[1])
        except (TypeError, ValueError):
            raise BadCursor("That page link is not valid; start from the first page.") from None
        if moment.tzinfo is None or not 0 <= last_id < 2**63:
            raise BadCursor("That page link is not valid; start from the first page.")
        op = "lt" if newest_first else "gt"
        qs = qs.filter(Q(**{f"starts_at__{op}": moment}) | Q(starts_at=moment, **{f"id__{op}": last_id}))
    try:
        rows = list(qs[: limit + 1])
    except ValidationError:  # pragma: no cover - the values were checked above
        raise BadCursor("That page link is not valid; start from the first page.") from None
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].starts_at.isoformat(), rows[-1].pk])


def upcoming_page(
    guardian: Guardian, zone: tzinfo, filters: Filters, *, cursor: str | None = None, limit: int = LIST_PAGE
) -> ListPage:
    """Dates not over yet, soonest first (two queries)."""
    qs = filtered(queries.upcoming(guardian), guardian, filters)
    rows, next_cursor = _page(qs, newest_first=False, cursor=cursor, limit=limit)
    return ListPage(entries(guardian, rows, zone), next_cursor)


def past_page(
    guardian: Guardian, zone: tzinfo, filters: Filters, *, cursor: str | None = None, limit: int = LIST_PAGE
) -> ListPage:
    """Dates that are over, latest first, with their event's cover (two queries)."""
    now = timezone.now()
    qs = filtered(queries.occurrences(guardian), guardian, filters).filter(ends_at__lte=now)
    qs = qs.select_related("event__cover")
    rows, next_cursor = _page(qs, newest_first=True, cursor=cursor, limit=limit)
    return ListPage(entries(guardian, rows, zone), next_cursor)


def api_dates(
    guardian: Guardian,
    *,
    start: datetime,
    end: datetime,
    filters: Filters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Occurrence], dict[int, Rsvp], str | None]:
    """Dates overlapping [start, end) for the API, soonest first, a keyset page (two queries)."""
    qs = filtered(queries.between(guardian, start, end), guardian, filters)
    rows, next_cursor = _page(qs, newest_first=False, cursor=cursor, limit=limit)
    return rows, queries.my_rsvps(guardian, [row.pk for row in rows]), next_cursor


def home_dates(guardian: Guardian, zone: tzinfo) -> list[Entry]:
    """The next few dates this member may see, for the home page (two queries)."""
    qs = filtered(queries.upcoming(guardian), guardian, Filters()).exclude(cancelled_at__isnull=False)
    qs = qs.exclude(event__state=Event.CANCELLED)
    return entries(guardian, qs[:HOME_DATES], zone)
