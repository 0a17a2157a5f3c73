"""Writing events as iCalendar: a feed, or one event's file (PUBLISH, or CANCEL when it is called off).

The conventions calendar apps rely on to keep a subscribed or imported event correct:
- UID never changes for an event; SEQUENCE rises with every change attendees must hear of.
- DTSTAMP in UTC; times in the event's own zone (DTSTART;TZID=Europe/Berlin:...), with a VTIMEZONE for
  every zone used (generated from the IANA database by the library, spanning the events' years), so
  that Outlook, which needs the definition, and Google/Apple, which read the name, agree.
- all-day events as DATE values, the end exclusive.
- an overridden date of a series is a VEVENT with the same UID and a RECURRENCE-ID.
- REFRESH-INTERVAL and X-PUBLISHED-TTL tell subscribers how often to fetch a feed again.
- the library writes CRLF line endings and folds lines at 75 octets.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vRecur, vText

from townhall.events.ics.records import METHODS, STATUSES, OutEvent
from townhall.events.ics.zones import zone_range

PRODID = "-//Townhall//Townhall events//EN"


def calendar_bytes(
    events: Iterable[OutEvent],
    *,
    name: str,
    description: str = "",
    method: str = "PUBLISH",
    refresh_minutes: int | None = 60,
) -> bytes:
    """The iCalendar file of `events`. METHOD:CANCEL marks every event in it as CANCELLED.

    Raises ValueError for a method or status iCalendar does not have, or a timed event whose start
    is naive or whose zone is unknown (a programming error: the models always hold aware times).
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"Unknown METHOD {method!r}; use one of {', '.join(METHODS)}.")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    if description:
        cal.add("x-wr-caldesc", description)
    if refresh_minutes:
        every = timedelta(minutes=refresh_minutes)
        cal.add("refresh-interval", every, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(every))

    starts_by_zone: dict[str, list[date]] = defaultdict(list)
    open_ended: set[str] = set()
    components = []
    for event in events:
        component = _event(event, cancel=method == "CANCEL")
        components.append(component)
        if not event.all_day and event.zone_name != "UTC":
            assert isinstance(event.start, datetime)
            starts_by_zone[event.zone_name].append(event.start.date())
            if event.rrule and "UNTIL" not in event.rrule.upper() and "COUNT" not in event.rrule.upper():
                open_ended.add(event.zone_name)
    for zone_name in sorted(starts_by_zone):
        first, last = zone_range(starts_by_zone[zone_name], open_ended=zone_name in open_ended)
        cal.add_component(Timezone.from_tzid(zone_name, first_date=first, last_date=last))
    for component in components:
        cal.add_component(component)
    return cal.to_ical()


def _event(event: OutEvent, *, cancel: bool) -> Event:
    status = "CANCELLED" if cancel else event.status.upper()
    if status not in STATUSES:
        raise ValueError(f"Unknown STATUS {event.status!r}; use one of {', '.join(STATUSES)}.")
    ev = Event()
    ev.add("uid", event.uid)
    ev.add("sequence", event.sequence)
    ev.add("dtstamp", _utc(event.stamp))
    if event.created:
        ev.add("created", _utc(event.created))
    if event.last_modified:
        ev.add("last-modified", _utc(event.last_modified))
    ev.add("summary", event.title)
    if event.all_day:
        ev.add("dtstart", _day(event.start))
        end = _day(event.end)
        ev.add("dtend", end if end > _day(event.start) else _day(event.start) + timedelta(days=1))
    else:
        ev.add("dtstart", _local(event.start, event.zone_name))
        ev.add("dtend", _local(event.end, event.zone_name))
    if event.recurrence_id is not None:
        ev.add("recurrence-id", _moment(event.recurrence_id, event))
    if event.rrule:
        ev.add("rrule", vRecur.from_ical(event.rrule.removeprefix("RRULE:")))
    if event.exdates:
        ev.add("exdate", [_moment(value, event) for value in event.exdates])
    ev.add("status", status)
    if event.description:
        ev.add("description", event.description)
    if event.location:
        ev.add("location", event.location)
    if event.geo is not None:
        ev.add("geo", event.geo)
    if event.url:
        ev.add("url", event.url)
    if event.organizer_email:
        organizer = vCalAddress(f"mailto:{event.organizer_email}")
        if event.organizer_name:
            organizer.params["CN"] = vText(event.organizer_name)
        ev.add("organizer", organizer)
    if event.categories:
        ev.add("categories", list(event.categories))
    ev.add("transp", "TRANSPARENT" if event.all_day or status == "CANCELLED" else "OPAQUE")
    return ev


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("DTSTAMP, CREATED and LAST-MODIFIED need aware datetimes.")
    return value.astimezone(UTC)


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _local(value: datetime | date, zone_name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("A timed event needs aware start and end datetimes.")
    if zone_name == "UTC":
        return value.astimezone(UTC)
    return value.astimezone(zoneinfo.ZoneInfo(zone_name))


def _moment(value: datetime | date, event: OutEvent) -> datetime | date:
    return _day(value) if event.all_day else _local(value, event.zone_name)
