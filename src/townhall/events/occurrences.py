"""Keeping an event's Occurrence rows in step with its rule (called inside the action's transaction).

Calendar pages read Occurrence rows only, so every change to an event's time or rule goes through
`sync_occurrences`. Rows are materialized from a year back (at most) up to `recurrence.HORIZON` ahead, at
most `recurrence.MAX_OCCURRENCES` at a time; `extend_horizon` (a daily task) adds the next ones of endless
series.

A row is the place where answers live (RSVPs, the waitlist, check-ins) and where the host's exceptions live
(a date moved or cancelled on its own), so a sync keeps rows whenever it can: a date the rule still holds
keeps its row; a date whose time changed (the series now starts at 20:00, or a single event moved) takes its
row along; a date the rule no longer holds is deleted only when nobody answered for it, and is cancelled
otherwise, so that the caller can tell the people who answered. Dates already over are history and never
change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from townhall.core.effects import emit
from townhall.events import recurrence
from townhall.events.events import EventCancelled
from townhall.events.models import Event, Occurrence, Rsvp

NO_LONGER = "This date is no longer part of the series."
PAST = timedelta(days=366)  # how far back a sync materializes (an imported series that began long ago)
_TICK = timedelta(seconds=1)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    # Occurrences with answers that the rule dropped: now cancelled (the caller tells who answered).
    cancelled: list[int] = field(default_factory=list)
    # Occurrences that a sync had cancelled as no longer in the series and that the rule holds again.
    restored: list[int] = field(default_factory=list)


def wall_time(event: Event) -> datetime:
    """The first occurrence's start as a naive wall-clock time in the event's zone."""
    return timezone.localtime(event.starts_at, ZoneInfo(event.time_zone)).replace(tzinfo=None)


def duration(event: Event) -> timedelta:
    """How long each date lasts: whole local days for an all-day event (a day may have 23 or 25 hours)."""
    if event.all_day:
        zone = ZoneInfo(event.time_zone)
        days = (event.ends_at.astimezone(zone).date() - event.starts_at.astimezone(zone).date()).days
        return timedelta(days=max(days, 1))
    return event.ends_at - event.starts_at


def slots(
    event: Event, *, window_start: datetime, window_end: datetime, limit: int = recurrence.MAX_OCCURRENCES
) -> list[recurrence.Slot]:
    """The event's dates (by its rule) that overlap the window, without exceptions applied."""
    return recurrence.expand(
        event.rrule,
        start_local=wall_time(event),
        zone_name=event.time_zone,
        duration=duration(event),
        all_day=event.all_day,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
    )


def slot_of(event: Event, recurrence_id: datetime) -> recurrence.Slot | None:
    """The event's date whose recurrence id is `recurrence_id`, when its rule holds one (one quick expansion)."""
    found = recurrence.expand(
        event.rrule,
        start_local=wall_time(event),
        zone_name=event.time_zone,
        duration=timedelta(0),  # only a date starting exactly then overlaps the one-second window
        window_start=recurrence_id,
        window_end=recurrence_id + _TICK,
        limit=1,
    )
    if not found or found[0].recurrence_id != recurrence_id:
        return None
    starts = found[0].starts_at
    if event.all_day:
        ends = recurrence.expand(
            event.rrule, start_local=wall_time(event), zone_name=event.time_zone, duration=duration(event),
            all_day=True, window_start=starts, window_end=starts + _TICK, limit=1,
        )[0].ends_at  # fmt: skip
    else:
        ends = starts + duration(event)
    return recurrence.Slot(recurrence_id=recurrence_id, starts_at=starts, ends_at=ends)


def sync_occurrences(event: Event, *, now: datetime | None = None) -> SyncResult:
    """Create, update and remove the event's Occurrence rows to match its rule, within the horizon.

    A single event has one row, moved with the event. For a series, a date that the rule still holds
    keeps its row (and its RSVPs); a date whose start time changed keeps its row when the rule still has
    a date on that day (rows are matched by recurrence id, then by the local day); a date moved or
    cancelled on its own ("this one") keeps its time and state. A date the rule no longer holds is
    deleted when nobody answered for it (any RSVP counts, "not going" too), and otherwise cancelled: its
    id is in `cancelled` for the caller to announce (EventCancelled). One that a sync had cancelled and
    the rule holds again is restored (`restored`). Dates already over never change. Rows beyond the
    expansion's limit stay while the rule holds them. The caller holds the event's row lock.

    Queries: two reads, then one write per changed row and one bulk insert.
    """
    now = now or timezone.now()
    result = SyncResult()
    existing = list(Occurrence.objects.filter(event=event).order_by("recurrence_id"))
    answered = set(Rsvp.objects.filter(event=event).values_list("occurrence_id", flat=True).distinct())
    if event.rrule:
        window_end = max(now, event.starts_at) + recurrence.HORIZON
        wanted = slots(event, window_start=max(event.starts_at, now - PAST), window_end=window_end)
        # When the limit cut the expansion short, later rows are checked one by one.
        complete_to = wanted[-1].recurrence_id if len(wanted) >= recurrence.MAX_OCCURRENCES else window_end
    else:
        wanted = [recurrence.Slot(event.starts_at, event.starts_at, event.ends_at)]
        complete_to = None
    by_id = {row.recurrence_id: row for row in existing}
    wanted_ids = {slot.recurrence_id for slot in wanted}
    open_slots = [slot for slot in wanted if slot.recurrence_id not in by_id]
    for slot in wanted:
        if slot.recurrence_id in by_id:
            _keep(by_id[slot.recurrence_id], slot, now, result)
    leftover: list[Occurrence] = []
    for row in existing:
        if row.recurrence_id in wanted_ids:
            continue
        held = (
            slot_of(event, row.recurrence_id)
            if complete_to is not None and row.recurrence_id > complete_to
            else None
        )
        if held is not None:
            _keep(row, held, now, result)
        else:
            leftover.append(row)
    # A date whose time changed takes its row (and the answers on it) along.
    for row, slot in _pairs(event, leftover, open_slots, now):
        _rekey(row, slot, now, result)
        leftover.remove(row)
        open_slots.remove(slot)
    if open_slots:
        Occurrence.objects.bulk_create(
            [
                Occurrence(
                    event=event, space_id=event.space_id, recurrence_id=slot.recurrence_id,
                    starts_at=slot.starts_at, ends_at=slot.ends_at,
                )
                for slot in open_slots
            ]
        )  # fmt: skip
        result.created += len(open_slots)
    for row in leftover:
        _drop(row, now, answered, result)
    return result


def _pairs(
    event: Event, leftover: list[Occurrence], open_slots: list[recurrence.Slot], now: datetime
) -> list[tuple[Occurrence, recurrence.Slot]]:
    """Rows and new dates that are the same date at a new time: the one row of a single event, or the
    rows of a series matched by their local day (when the series' start time or zone changed)."""
    movable = [row for row in leftover if row.ends_at > now]
    if not open_slots or not leftover:
        return []
    if not event.rrule:
        # A single event keeps one row wherever it moves: a future one, or else the first.
        return [((movable or leftover)[0], open_slots[0])]
    zone = ZoneInfo(event.time_zone)
    by_day: dict[date, recurrence.Slot] = {}
    for slot in open_slots:
        by_day.setdefault(slot.recurrence_id.astimezone(zone).date(), slot)
    pairs = []
    for row in movable:
        day = row.recurrence_id.astimezone(zone).date()
        if day in by_day:
            pairs.append((row, by_day.pop(day)))
    return pairs


def _keep(row: Occurrence, slot: recurrence.Slot, now: datetime, result: SyncResult) -> None:
    """A row the rule still holds: times follow the rule unless moved on its own or over."""
    fields = []
    if row.ends_at > now and row.cancelled_at is not None and row.cancel_reason == NO_LONGER:
        row.cancelled_at, row.cancel_reason = None, ""
        fields += ["cancelled_at", "cancel_reason"]
        result.restored.append(row.pk)
    if not row.moved and row.ends_at > now and (row.starts_at, row.ends_at) != (slot.starts_at, slot.ends_at):
        row.starts_at, row.ends_at = slot.starts_at, slot.ends_at
        fields += ["starts_at", "ends_at"]
    if fields:
        row.save(update_fields=fields)
        result.updated += 1


def _rekey(row: Occurrence, slot: recurrence.Slot, now: datetime, result: SyncResult) -> None:
    """The row becomes the date `slot` (its new recurrence id); a date moved on its own keeps its times."""
    row.recurrence_id = slot.recurrence_id
    fields = ["recurrence_id"]
    if not row.moved:
        row.starts_at, row.ends_at = slot.starts_at, slot.ends_at
        fields += ["starts_at", "ends_at"]
    if row.cancelled_at is not None and row.cancel_reason == NO_LONGER:
        row.cancelled_at, row.cancel_reason = None, ""
        fields += ["cancelled_at", "cancel_reason"]
        result.restored.append(row.pk)
    row.save(update_fields=fields)
    result.updated += 1


def _drop(row: Occurrence, now: datetime, answered: set[int], result: SyncResult) -> None:
    """A date the rule no longer holds: deleted, or cancelled when someone answered; kept when over or
    when the host moved or cancelled it on its own (an exception stands on its own)."""
    if row.ends_at <= now or row.moved:
        return
    has_answers = (
        row.pk in answered or row.going_count or row.maybe_count or row.waitlist_count or row.checked_in_count
    )
    if has_answers:
        if row.cancelled_at is None:
            row.cancelled_at = now
            row.cancel_reason = NO_LONGER
            row.save(update_fields=["cancelled_at", "cancel_reason"])
            result.cancelled.append(row.pk)
        return
    if row.cancelled_at is not None and row.cancel_reason != NO_LONGER:
        return  # cancelled on its own by a host: the exception stays
    row.delete()
    result.removed += 1


def extend_horizon(*, now: datetime | None = None) -> int:
    """Materialize the next dates of series that run past the horizon (a daily task); returns how many
    occurrences were added.

    Each series is synced in its own transaction under its row lock (as the actions do), so a host
    editing it meanwhile waits rather than racing. A date that a change of time zone data removed is
    cancelled as in any sync, and EventCancelled announces it after the commit.
    """
    now = now or timezone.now()
    added = 0
    endless = Event.objects.exclude(rrule="").filter(
        Q(series_ends_at__isnull=True) | Q(series_ends_at__gt=now + recurrence.HORIZON - timedelta(days=2)),
        state__in=[Event.PUBLISHED, Event.PENDING],
    )
    for event_id in endless.values_list("id", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            event = Event.objects.select_for_update().filter(pk=event_id).first()
            if event is None or not event.rrule or event.state not in (Event.PUBLISHED, Event.PENDING):
                continue  # deleted or changed since the list was read
            result = sync_occurrences(event, now=now)
            added += result.created
            if event.state == Event.PUBLISHED:
                for occurrence_id in result.cancelled:
                    emit(EventCancelled(event_id=event.pk, space_id=event.space_id, actor_id=None,
                                        occurrence_id=occurrence_id))  # fmt: skip
    return added
