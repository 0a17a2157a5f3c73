"""Keeping an event's Occurrence rows in step with its rule (called inside the action's transaction).

Calendar pages read Occurrence rows only, so every change to an event's time or rule goes through
`sync_occurrences`. Rows are materialized up to `recurrence.HORIZON` ahead (and at most
`recurrence.MAX_OCCURRENCES`); `extend_horizon` (a daily task) adds the next ones of endless series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from townhall.events import recurrence
from townhall.events.models import Event, Occurrence

NO_LONGER = "This date is no longer part of the series."
PAST = timedelta(days=366)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    cancelled: list[int] | None = None  # occurrences with answers that the new rule dropped: now cancelled


def wall_time(event: Event) -> datetime:
    """The first occurrence's start as a naive wall-clock time in the event's zone."""
    return timezone.localtime(event.starts_at, ZoneInfo(event.time_zone)).replace(tzinfo=None)


def slots(event: Event, *, window_start: datetime, window_end: datetime) -> list[recurrence.Slot]:
    """The event's dates (by its rule) that overlap the window, without exceptions applied."""
    return recurrence.expand(
        event.rrule,
        start_local=wall_time(event),
        zone_name=event.time_zone,
        duration=event.ends_at - event.starts_at,
        all_day=event.all_day,
        window_start=window_start,
        window_end=window_end,
    )


def _answered(occurrence: Occurrence) -> bool:
    return bool(occurrence.going_count or occurrence.maybe_count or occurrence.waitlist_count)


def sync_occurrences(event: Event, *, now: datetime | None = None) -> SyncResult:
    """Create, update and remove the event's Occurrence rows to match its rule, within the horizon.

    A single event has one row, moved with the event. For a series, a date that the rule still holds
    keeps its row (and its RSVPs); a date moved on its own ("this one") keeps its time. A date the rule
    no longer holds is deleted when nobody answered for it, and otherwise cancelled (so the people who
    answered are told, by the caller, through EventCancelled) rather than silently dropped. Dates
    already over are never touched. The caller holds the event's row lock.
    """
    now = now or timezone.now()
    result = SyncResult(cancelled=[])
    existing = list(Occurrence.objects.filter(event=event).order_by("recurrence_id"))
    if not event.rrule:
        if existing:
            first, extra = existing[0], existing[1:]
            if (first.starts_at, first.ends_at, first.recurrence_id) != (
                event.starts_at,
                event.ends_at,
                event.starts_at,
            ):
                first.starts_at, first.ends_at, first.recurrence_id = (
                    event.starts_at,
                    event.ends_at,
                    event.starts_at,
                )
                first.moved = False
                first.save(update_fields=["starts_at", "ends_at", "recurrence_id", "moved"])
                result.updated += 1
            for row in extra:
                result.removed += _drop(row, now, result)
        else:
            Occurrence.objects.create(
                event=event, space_id=event.space_id, recurrence_id=event.starts_at,
                starts_at=event.starts_at, ends_at=event.ends_at,
            )  # fmt: skip
            result.created += 1
        return result
    horizon = max(now, event.starts_at) + recurrence.HORIZON
    # Past dates a year back at most (an imported series), so a long-running series stays within the limit.
    wanted = slots(event, window_start=max(event.starts_at, now - PAST), window_end=horizon)
    by_id = {row.recurrence_id: row for row in existing}
    keep: set[datetime] = set()
    new_rows: list[Occurrence] = []
    for slot in wanted:
        keep.add(slot.recurrence_id)
        found = by_id.get(slot.recurrence_id)
        if found is None:
            new_rows.append(
                Occurrence(
                    event=event, space_id=event.space_id, recurrence_id=slot.recurrence_id,
                    starts_at=slot.starts_at, ends_at=slot.ends_at,
                )
            )  # fmt: skip
        elif (
            not found.moved
            and found.ends_at > now
            and (found.starts_at, found.ends_at) != (slot.starts_at, slot.ends_at)
        ):
            found.starts_at, found.ends_at = slot.starts_at, slot.ends_at
            found.save(update_fields=["starts_at", "ends_at"])
            result.updated += 1
    if new_rows:
        Occurrence.objects.bulk_create(new_rows)
        result.created += len(new_rows)
    for row in existing:
        if row.recurrence_id not in keep:
            result.removed += _drop(row, now, result)
    return result


def _drop(row: Occurrence, now: datetime, result: SyncResult) -> int:
    """Remove a date the rule no longer holds: 1 when deleted, 0 when kept (over, or cancelled instead)."""
    if row.ends_at <= now:
        return 0
    if _answered(row):
        if row.cancelled_at is None:
            row.cancelled_at = now
            row.cancel_reason = NO_LONGER
            row.save(update_fields=["cancelled_at", "cancel_reason"])
            assert result.cancelled is not None
            result.cancelled.append(row.pk)
        return 0
    row.delete()
    return 1


def extend_horizon(*, now: datetime | None = None) -> int:
    """Materialize the next dates of series that run past the horizon (a daily task). Returns how many
    occurrences were added."""
    now = now or timezone.now()
    added = 0
    endless = Event.objects.exclude(rrule="").filter(
        Q(series_ends_at__isnull=True) | Q(series_ends_at__gt=now + recurrence.HORIZON - timedelta(days=2)),
        state__in=[Event.PUBLISHED, Event.PENDING],
    )
    for event in endless.iterator(chunk_size=200):
        added += sync_occurrences(event, now=now).created
    return added
