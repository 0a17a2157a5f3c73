"""Reads of events: scoped by the Guardian, prefetched, a fixed number of queries per page."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from townhall.core.errors import NotFound
from townhall.events.models import Event, EventHost, Occurrence, Rsvp

if TYPE_CHECKING:
    from townhall.policy import Guardian

UPCOMING_MAX = 200


def get_event_or_404(guardian: Guardian, event_id: int) -> Event:
    """The event if this person may see it (`events.read`); NotFound otherwise (same as missing)."""
    event = (
        Event.objects.select_related("space", "group", "created_by", "cover")
        .prefetch_related(Prefetch("hosts", queryset=EventHost.objects.select_related("user")))
        .filter(pk=event_id)
        .first()
    )
    if event is None or not guardian.events.read.can(event):
        raise NotFound("No such event")
    return event


def get_occurrence_or_404(guardian: Guardian, occurrence_id: int) -> Occurrence:
    """One date of an event this person may see; NotFound otherwise."""
    occurrence = (
        Occurrence.objects.select_related("event", "event__space", "event__group", "event__created_by")
        .filter(pk=occurrence_id)
        .first()
    )
    if occurrence is None or not guardian.events.read.can(occurrence.event):
        raise NotFound("No such event")
    return occurrence


def occurrences(guardian: Guardian) -> QuerySet[Occurrence]:
    """Dates of the events this person may see, with their event and space (one query)."""
    return guardian.events.visible_occurrences(
        Occurrence.objects.select_related("event", "event__space", "event__group")
    ).order_by("starts_at", "id")


def between(guardian: Guardian, start: datetime, end: datetime) -> QuerySet[Occurrence]:
    """Dates overlapping [start, end): what a month grid or a week list shows."""
    return occurrences(guardian).filter(starts_at__lt=end, ends_at__gt=start)


def upcoming(guardian: Guardian, *, now: datetime | None = None) -> QuerySet[Occurrence]:
    """Dates not over yet, soonest first (callers slice and filter)."""
    return occurrences(guardian).filter(ends_at__gt=now or timezone.now())


def my_rsvps(guardian: Guardian, occurrence_ids: list[int]) -> dict[int, Rsvp]:
    """This person's answers for the given dates (one query; none when signed out)."""
    if guardian.user_id is None or not occurrence_ids:
        return {}
    rows = Rsvp.objects.filter(user_id=guardian.user_id, occurrence_id__in=occurrence_ids)
    return {row.occurrence_id: row for row in rows}
