"""Calendar feeds (iCalendar, written by events/ics): one event, a space's events, a group's events, and a
member's personal feed of the dates they answered going or maybe for (at a secret URL).

Every feed is read under a Guardian: whoever fetches a space or group feed without a session (a
calendar app does) is anonymous and sees public content only; the personal feed reads as its owner,
at fetch time, so a date they can no longer read is left out. Feeds are bounded: dates from PAST ago
to AHEAD ahead, at most FEED_MAX VEVENTs, and each runs a fixed number of queries whatever its size.

A space or group feed writes each series once (its RRULE, EXDATEs for cancelled dates, an override
per moved date: see ics_out); the personal feed writes only the dates the member answered for, those
answered "maybe" or waiting for a seat as TENTATIVE.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from townhall.community.models import Group
from townhall.events.ics.records import OutEvent
from townhall.events.ics.write import calendar_bytes
from townhall.events.ics_out import out_events
from townhall.events.models import Event, FeedToken, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.accounts.models import User

PAST = dt.timedelta(days=90)
AHEAD = dt.timedelta(days=365)
FEED_MAX = 1000
REFRESH_MINUTES = 60
PERSONAL_STATES = (Rsvp.GOING, Rsvp.MAYBE, Rsvp.WAITLISTED)


@dataclass(frozen=True)
class Feed:
    name: str
    content: bytes
    filename: str
    last_modified: dt.datetime | None


def _window(now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    return now - PAST, now + AHEAD


def _series_feed(events: QuerySet[Event], *, start: dt.datetime, end: dt.datetime) -> list[OutEvent]:
    """Each event with a date in [start, end), with its moved and cancelled dates (two queries)."""
    in_window = Occurrence.objects.filter(starts_at__lt=end, ends_at__gt=start).values("event_id")
    chosen = list(
        events.filter(pk__in=in_window, state__in=[Event.PUBLISHED, Event.CANCELLED]).order_by(
            "starts_at", "id"
        )[:FEED_MAX]
    )
    exceptions: dict[int, list[Occurrence]] = defaultdict(list)
    series = [event.pk for event in chosen if event.recurring]
    singles = [event.pk for event in chosen if not event.recurring]
    rows = Occurrence.objects.filter(
        Q(event_id__in=series) & (Q(moved=True) | Q(cancelled_at__isnull=False)) | Q(event_id__in=singles)
    ).filter(starts_at__lt=end, ends_at__gt=start)
    for row in rows.order_by("recurrence_id"):
        exceptions[row.event_id].append(row)
    written: list[OutEvent] = []
    for event in chosen:
        written.extend(out_events(event, exceptions=exceptions.get(event.pk, [])))
        if len(written) >= FEED_MAX:
            break
    return written[:FEED_MAX]


def _last_modified(events: list[OutEvent]) -> dt.datetime | None:
    stamps = [event.last_modified for event in events if event.last_modified is not None]
    return max(stamps) if stamps else None


def event_feed(event: Event) -> Feed:
    """One event (the whole series) as a file to add to a calendar; the caller checked `events.read`."""
    written = out_events(event)
    content = calendar_bytes(written, name=event.title, refresh_minutes=None)
    return Feed(event.title, content, f"event-{event.pk}.ics", _last_modified(written))


def space_feed(guardian: Guardian, space: Space, *, now: dt.datetime | None = None) -> Feed:
    """The events of a space that `guardian` may see; the caller checked that they may read the space."""
    start, end = _window(now)
    events = guardian.events.visible(Event.objects.filter(space=space))
    written = _series_feed(events, start=start, end=end)
    content = calendar_bytes(written, name=space.name, refresh_minutes=REFRESH_MINUTES)
    return Feed(space.name, content, f"{space.slug}.ics", _last_modified(written))


def group_feed(guardian: Guardian, group: Group, *, now: dt.datetime | None = None) -> Feed:
    """The events of a group (in any space) that `guardian` may see."""
    start, end = _window(now)
    events = guardian.events.visible(Event.objects.filter(group=group))
    written = _series_feed(events, start=start, end=end)
    name = group.name if guardian.can_read_as_member else "Group events"
    content = calendar_bytes(written, name=name, refresh_minutes=REFRESH_MINUTES)
    return Feed(name, content, f"{group.slug}.ics", _last_modified(written))


def feed_urls(token: str) -> dict[str, str]:
    """The personal feed's https URL and its webcal:// twin (which opens the calendar app)."""
    url = settings.BASE_URL.rstrip("/") + reverse("events:personal-feed", args=[token])
    return {"https": url, "webcal": "webcal://" + url.split("://", 1)[1]}


def personal_owner(token: str) -> User | None:
    """The member whose feed has this secret, if they may still have one (else None: the URL is 404)."""
    if not token or len(token) > 64:
        return None
    row = FeedToken.objects.select_related("user").filter(token=token).first()
    if row is None or not row.user.is_active:
        return None
    return row.user if Guardian(row.user).events.feed.can() else None


def personal_feed(guardian: Guardian, *, now: dt.datetime | None = None) -> Feed:
    """The dates `guardian`'s member answered going, maybe or waitlisted for, that they may still read."""
    start, end = _window(now)
    mine = Rsvp.objects.filter(user_id=guardian.user_id or 0, state__in=PERSONAL_STATES)
    my_state = mine.filter(occurrence_id=OuterRef("pk")).values("state")[:1]
    dates = list(
        guardian.events.visible_occurrences(
            Occurrence.objects.select_related("event").filter(
                pk__in=mine.values("occurrence_id"), starts_at__lt=end, ends_at__gt=start
            )
        )
        .annotate(my_state=Subquery(my_state))
        .order_by("starts_at", "id")[:FEED_MAX]
    )
    by_event: dict[int, list[Occurrence]] = defaultdict(list)
    events: dict[int, Event] = {}
    for row in dates:
        by_event[row.event_id].append(row)
        events[row.event_id] = row.event
    written: list[OutEvent] = []
    for event_id, rows in by_event.items():
        for date, out in zip(rows, out_events(events[event_id], rows), strict=True):
            # Maybe, or waiting for a seat: tentative in the calendar (a cancelled date stays cancelled).
            unsure = getattr(date, "my_state", Rsvp.GOING) != Rsvp.GOING and out.status == "CONFIRMED"
            written.append(replace(out, status="TENTATIVE") if unsure else out)
    written.sort(key=lambda item: (str(item.start), item.uid))
    content = calendar_bytes(written, name="My events", refresh_minutes=REFRESH_MINUTES)
    return Feed("My events", content, "my-events.ics", _last_modified(written))
