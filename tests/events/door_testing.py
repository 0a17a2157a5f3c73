"""Helpers for the door tests: a date happening today (inside the check-in window), people going."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone
from events_testing import ZONE, first_date, make_event

import factories as testing
from townhall.events import actions
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import SpaceMembership


def soon(hours: int = 1) -> Any:
    """A naive wall-clock time in ZONE, on the hour, `hours` from now."""
    now = timezone.now().astimezone(ZoneInfo(ZONE)) + timedelta(hours=hours)
    return now.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def tonight(creator: Any, space: Any, *, host: Any = None, **fields: Any) -> Occurrence:
    """A date starting within two hours (check-in is open); `host` becomes a co-host."""
    event = make_event(creator, space, starts_local=soon(), **fields)
    if host is not None:
        actions.add_host(Guardian(creator), event, user=host)
    return first_date(event)


def people(space: Any, names: list[str]) -> list[Any]:
    made = [testing.make_member(name, display_name=name.title()) for name in names]
    SpaceMembership.objects.bulk_create([SpaceMembership(space=space, user=p) for p in made])
    return made


def going(occurrence: Occurrence, user: Any, **fields: Any) -> Rsvp:
    return actions.set_rsvp(Guardian(user), occurrence, state=Rsvp.GOING, **fields)


def shift(occurrence: Occurrence, hours: float) -> Occurrence:
    """Move the date (and its event) by `hours`, as if time had passed (setup only: no action)."""
    delta = timedelta(hours=hours)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=occurrence.starts_at + delta, ends_at=occurrence.ends_at + delta
    )
    event = occurrence.event
    Event.objects.filter(pk=event.pk).update(starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta)
    Event.objects.filter(pk=event.pk, series_ends_at__isnull=False).update(
        series_ends_at=F("series_ends_at") + delta
    )
    return Occurrence.objects.select_related("event", "event__space").get(pk=occurrence.pk)
