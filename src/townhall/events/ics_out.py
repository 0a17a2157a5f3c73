"""An event as the iCalendar objects Townhall writes: the one mapping used by emails and feeds.

- A single event is one VEVENT with the event's UID.
- A whole series (`occurrences=None`) is its master VEVENT (DTSTART in the event's zone and the RRULE),
  an EXDATE for every cancelled date, and an overriding VEVENT (same UID, RECURRENCE-ID = the date's
  original start) for every date moved on its own.
- Chosen dates (`occurrences=[...]`: a personal feed, an email to someone going to two dates of a
  series) are written as those instances only: the series' UID with their RECURRENCE-ID, so a calendar
  that already holds the series or the instance updates it in place.

SEQUENCE is the event's plus the date's own: both only ever rise, so every change attendees must hear
of gives a higher number. The join link of an online event is never written (a feed or a forwarded
email must not hand it out); the event's page is the URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from townhall.events.ics.records import OutEvent
from townhall.events.models import Event, Occurrence

DESCRIPTION_MAX = 2000


def event_path(event_id: int) -> str:
    """The event's page (/events/<id>/, the path the events pages agreed on; its view lives in the
    page area's module, so the path is written here rather than reversed)."""
    return f"/events/{event_id}/"


def date_path(occurrence_id: int) -> str:
    """One date's page (/events/date/<occurrence id>/)."""
    return f"/events/date/{occurrence_id}/"


def event_url(event: Event) -> str:
    return settings.BASE_URL.rstrip("/") + event_path(event.pk)


def _status(event: Event, occurrence: Occurrence | None = None) -> str:
    if event.state == Event.CANCELLED or (occurrence is not None and occurrence.cancelled_at is not None):
        return "CANCELLED"
    return "CONFIRMED" if event.state == Event.PUBLISHED else "TENTATIVE"


def _location(event: Event) -> str:
    place = ", ".join(part for part in (event.venue, event.address) if part)
    if event.location_kind == Event.ONLINE:
        return "Online"
    if event.location_kind == Event.HYBRID:
        return f"{place} and online" if place else "Online"
    return place


def _times(event: Event, start: datetime, end: datetime) -> tuple[datetime | date, datetime | date]:
    if not event.all_day:
        return start, end
    zone = ZoneInfo(event.time_zone)
    return timezone.localtime(start, zone).date(), timezone.localtime(end, zone).date()


def _moment(event: Event, value: datetime) -> datetime | date:
    return timezone.localtime(value, ZoneInfo(event.time_zone)).date() if event.all_day else value


def _base(event: Event, stamp: datetime) -> dict[str, object]:
    description = event.description
    if len(description) > DESCRIPTION_MAX:
        description = description[: DESCRIPTION_MAX - 1].rstrip() + "…"
    url = event_url(event)
    return {
        "uid": event.uid,
        "title": event.title,
        "stamp": stamp,
        "zone_name": event.time_zone or "UTC",
        "all_day": event.all_day,
        "created": event.created_at,
        "last_modified": event.updated_at,
        "description": f"{description}\n\n{url}".strip(),
        "url": url,
        "location": _location(event),
    }


def _dated(event: Event, occurrence: Occurrence, stamp: datetime, *, instance: bool) -> OutEvent:
    start, end = _times(event, occurrence.starts_at, occurrence.ends_at)
    return OutEvent(
        **_base(event, stamp),  # type: ignore[arg-type]
        start=start,
        end=end,
        sequence=event.sequence + occurrence.sequence,
        recurrence_id=_moment(event, occurrence.recurrence_id) if instance else None,
        status=_status(event, occurrence),
    )


def out_events(
    event: Event,
    occurrences: Iterable[Occurrence] | None = None,
    *,
    exceptions: Iterable[Occurrence] | None = None,
    stamp: datetime | None = None,
) -> list[OutEvent]:
    """The OutEvents for `event` (see the module docstring).

    occurrences: the dates to write as instances; None: the whole event.
    exceptions:  for a whole series, its moved and cancelled dates when the caller fetched them already
                 (a feed, for many events in one query); None: read here (one query).
    stamp:       DTSTAMP; by default the event's last change, so an unchanged feed stays byte-identical.
    """
    stamp = stamp or event.updated_at
    if occurrences is not None:
        return [_dated(event, row, stamp, instance=event.recurring) for row in occurrences]
    if not event.recurring:
        first = exceptions if exceptions is not None else Occurrence.objects.filter(event=event)[:1]
        for row in first:
            return [_dated(event, row, stamp, instance=False)]
        start, end = _times(event, event.starts_at, event.ends_at)
        return [OutEvent(**_base(event, stamp), start=start, end=end, sequence=event.sequence,  # type: ignore[arg-type]
                         status=_status(event))]  # fmt: skip
    if exceptions is None:
        exceptions = Occurrence.objects.filter(event=event).exclude(moved=False, cancelled_at__isnull=True)
    rows = sorted(exceptions, key=lambda row: row.recurrence_id)
    cancelled = tuple(
        _moment(event, row.recurrence_id)
        for row in rows
        if row.cancelled_at is not None and event.state != Event.CANCELLED
    )
    start, end = _times(event, event.starts_at, event.ends_at)
    master = OutEvent(
        **_base(event, stamp),  # type: ignore[arg-type]
        start=start,
        end=end,
        sequence=event.sequence,
        rrule=event.rrule,
        exdates=cancelled,
        status=_status(event),
    )
    moved = [
        _dated(event, row, stamp, instance=True)
        for row in rows
        if row.moved and row.cancelled_at is None and event.state != Event.CANCELLED
    ]
    return [master, *moved]
