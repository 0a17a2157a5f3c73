"""One date of a series on its own: move it, cancel or restore it ("this one"), or change it and every
date after it ("this and following", which splits the series in two).

Only dates still to come change: a date that has begun is history. A single event has one date, so its
own edit and cancel actions (manage.py) are the way to change it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.content.mentions import render_post
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.events import occurrences, recurrence
from townhall.events.actions._clean import MAX_LENGTH, EventInput, clean_event, invalid
from townhall.events.actions.manage import _check_group, _data
from townhall.events.actions.rsvps import promote_waitlist
from townhall.events.events import EventCancelled, EventChanged, EventEdited, OccurrenceData
from townhall.events.models import CANCEL_REASON_MAX, Event, EventHost, Occurrence, Rsvp, new_uid

if TYPE_CHECKING:
    from townhall.policy import Guardian


def _odata(occurrence: Occurrence) -> OccurrenceData:
    return OccurrenceData(event_id=occurrence.event_id, starts_at=occurrence.starts_at.isoformat())


def _local(value: datetime, zone_name: str) -> datetime:
    return timezone.localtime(value, ZoneInfo(zone_name)).replace(tzinfo=None)


def _locked(event: Event, occurrence: Occurrence) -> tuple[Event, Occurrence]:
    """The event's row, then the occurrence's row, locked (always in that order, as update_event)."""
    locked_event = Event.objects.select_for_update().select_related("space").get(pk=event.pk)
    locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)
    locked.event = locked_event
    return locked_event, locked


def _one_of_a_series(event: Event, what: str) -> None:
    if not event.rrule:
        raise invalid("recurrence_id", f"A single event has only this date: {what} the event instead.")


def _still_to_come(occurrence: Occurrence, now: datetime) -> None:
    if occurrence.starts_at <= now:
        raise invalid("recurrence_id", "This date has already begun; dates in the past stay as they were.")


def _times(event: Event, starts_local: datetime, ends_local: datetime) -> tuple[datetime, datetime]:
    """The instants of a date typed as wall-clock times in the event's zone, checked as `clean_event`
    checks an event's times (a DST gap, the end before the start, at most 14 days)."""
    if starts_local.tzinfo is not None or ends_local.tzinfo is not None:
        raise invalid("starts_at", "Give the times as wall-clock times in the event's time zone.")
    if event.all_day:
        start_local = starts_local.replace(hour=0, minute=0, second=0, microsecond=0)
        last_day = ends_local.replace(hour=0, minute=0, second=0, microsecond=0)
        if last_day < start_local:
            raise invalid("ends_at", "The last day is before the first day.")
        end_local = last_day + timedelta(days=1)
    else:
        start_local = starts_local.replace(second=0, microsecond=0)
        end_local = ends_local.replace(second=0, microsecond=0)
    starts_at = recurrence.to_utc(start_local, event.time_zone)
    try:
        ends_at = recurrence.to_utc(end_local, event.time_zone)
    except Invalid as exc:
        raise invalid("ends_at", exc.message) from exc
    if ends_at < starts_at:
        raise invalid("ends_at", "The date ends before it starts.")
    if ends_at == starts_at and not event.all_day:
        raise invalid("ends_at", "The date ends when it starts: give it an end time.")
    if ends_at - starts_at > MAX_LENGTH:
        raise invalid("ends_at", "One date of an event lasts at most 14 days; make longer things a series.")
    return starts_at, ends_at


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise invalid("reason", "The reason cannot contain the NUL character.")
    if len(reason) > CANCEL_REASON_MAX:
        raise invalid("reason", f"The reason can be at most {CANCEL_REASON_MAX} characters long.")
    # The sync's own marker means "the rule dropped this date" (and would be restored by a later sync).
    return reason.rstrip(".") if reason == occurrences.NO_LONGER else reason


def move_occurrence(
    guardian: Guardian, occurrence: Occurrence, *, starts_local: datetime, ends_local: datetime
) -> Occurrence:
    """Give one date of a series its own time ("this one"): wall-clock times in the event's zone.

    The date keeps its recurrence id (so RSVPs and calendar apps keep pointing at it) and is marked
    moved, so later edits of the whole series leave its time alone. Its SEQUENCE and the event's go up.
    Locks the event's row, then the occurrence's. On commit: EventEdited, and for a published event
    EventChanged with `occurrence_id` (its attendees hear of the new time).

    Errors: NotFound (unseen), PermissionDenied (the `edit` rule), Invalid (a single event, a date
    that has begun or is cancelled, a time in a DST gap, the end before the start, longer than 14 days,
    a new time in the past).
    """
    event = occurrence.event
    guardian.events.edit.ensure(event)
    _one_of_a_series(event, "edit")
    starts_at, ends_at = _times(event, starts_local, ends_local)
    now = timezone.now()
    with transaction.atomic():
        event, occurrence = _locked(event, occurrence)
        guardian.events.edit.ensure(event)
        _still_to_come(occurrence, now)
        if occurrence.cancelled_at is not None:
            raise invalid("recurrence_id", "This date is cancelled; restore it before moving it.")
        if starts_at <= now:
            raise invalid("starts_at", "Move the date to a time still to come.")
        if (occurrence.starts_at, occurrence.ends_at) == (starts_at, ends_at):
            return occurrence
        occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
        occurrence.moved = True
        occurrence.sequence += 1
        occurrence.save(update_fields=["starts_at", "ends_at", "moved", "sequence"])
        event.sequence += 1
        event.save(update_fields=["sequence", "updated_at"])
        record_activity(guardian.user, "occurrence.moved", occurrence, space_id=event.space_id, data=_odata(occurrence))  # fmt: skip
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
        if event.state == Event.PUBLISHED:
            emit(EventChanged(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id, occurrence_id=occurrence.pk))  # fmt: skip
    return occurrence


def cancel_occurrence(guardian: Guardian, occurrence: Occurrence, *, reason: str = "") -> Occurrence:
    """Cancel one date of a series; the others stay. Locks the event's row, then the occurrence's.

    SEQUENCE goes up (the date's and the event's). On commit: EventEdited, and for a published event
    EventCancelled with `occurrence_id` (the people who answered for that date get a cancelled .ics).

    Errors: NotFound, PermissionDenied (the `cancel` rule), Invalid (a single event, a date that has
    begun or is already cancelled, the reason too long).
    """
    event = occurrence.event
    guardian.events.cancel.ensure(event)
    _one_of_a_series(event, "cancel")
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        event, occurrence = _locked(event, occurrence)
        guardian.events.cancel.ensure(event)
        _still_to_come(occurrence, now)
        if occurrence.cancelled_at is not None:
            raise invalid("recurrence_id", "This date is already cancelled.")
        occurrence.cancelled_at, occurrence.cancel_reason = now, reason
        occurrence.sequence += 1
        occurrence.save(update_fields=["cancelled_at", "cancel_reason", "sequence"])
        event.sequence += 1
        event.save(update_fields=["sequence", "updated_at"])
        record_activity(guardian.user, "occurrence.cancelled", occurrence, space_id=event.space_id, data=_odata(occurrence))  # fmt: skip
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
        if event.state == Event.PUBLISHED:
            emit(EventCancelled(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id, occurrence_id=occurrence.pk))  # fmt: skip
    return occurrence


def restore_occurrence(guardian: Guardian, occurrence: Occurrence) -> Occurrence:
    """Take back the cancellation of one date that a host cancelled on its own. Locks the event's row,
    then the occurrence's; SEQUENCE goes up; the waitlist is seated if seats are free. On commit:
    EventEdited, and for a published event EventChanged with `occurrence_id`.

    Errors: NotFound, PermissionDenied (the `edit` rule; a cancelled event), Invalid (not cancelled,
    begun, or cancelled because the series' rule no longer holds it).
    """
    event = occurrence.event
    guardian.events.edit.ensure(event)
    now = timezone.now()
    with transaction.atomic():
        event, occurrence = _locked(event, occurrence)
        guardian.events.edit.ensure(event)
        _still_to_come(occurrence, now)
        if occurrence.cancelled_at is None:
            raise invalid("recurrence_id", "This date is not cancelled.")
        dropped = occurrence.cancel_reason == occurrences.NO_LONGER or (
            event.rrule
            and not occurrence.moved
            and occurrences.slot_of(event, occurrence.recurrence_id) is None
        )
        if dropped:
            raise invalid("recurrence_id", "This date is no longer part of the series, so it cannot come back.")  # fmt: skip
        occurrence.cancelled_at, occurrence.cancel_reason = None, ""
        occurrence.sequence += 1
        occurrence.save(update_fields=["cancelled_at", "cancel_reason", "sequence"])
        event.sequence += 1
        event.save(update_fields=["sequence", "updated_at"])
        promote_waitlist(occurrence)
        record_activity(guardian.user, "occurrence.restored", occurrence, space_id=event.space_id, data=_odata(occurrence))  # fmt: skip
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
        if event.state == Event.PUBLISHED:
            emit(EventChanged(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id, occurrence_id=occurrence.pk))  # fmt: skip
    return occurrence


def following_input(occurrence: Occurrence, **changes: Any) -> EventInput:
    """The series as it is, starting at `occurrence` (its rule's time, even if that date was moved), as
    input for `update_following`, with `changes` applied. The rule is left empty: the split's own."""
    event = occurrence.event
    start = recurrence.occurrence_local_start(
        occurrence.recurrence_id, start_local=occurrences.wall_time(event), zone_name=event.time_zone
    )
    length = occurrences.duration(event)
    end = start + length - timedelta(days=1) if event.all_day else start + length
    values: dict[str, Any] = {
        "title": event.title, "starts_local": start, "ends_local": end, "time_zone": event.time_zone,
        "description": event.description, "all_day": event.all_day, "rrule": "",
        "location_kind": event.location_kind, "online_url": event.online_url, "venue": event.venue,
        "address": event.address, "map_url": event.map_url, "capacity": event.capacity,
        "guests_allowed": event.guests_allowed, "rsvp_deadline_minutes": event.rsvp_deadline_minutes,
        "questions": event.questions, "group_id": event.group_id,
        "group_only_until_local": _local(event.group_only_until, event.time_zone) if event.group_only_until else None,
    }  # fmt: skip
    values.update(changes)
    return EventInput(**values)


def update_following(guardian: Guardian, occurrence: Occurrence, *, data: EventInput) -> Event:
    """Change this date and every later one ("this and following"): the series splits in two.

    The old event's rule ends with UNTIL just before `occurrence` (its `series_ends_at` follows); a new
    event (same space, group, hosts and state; `split_from` the old one; a new UID) is made from `data`,
    starting at `data.starts_local`, with the second half of the old rule (or `data.rrule` when it gives
    a different one). The old event's rows from that date on move to the new event with their RSVPs;
    a sync of the new event then keeps those its rule holds (same day, new time included) and, like any
    edit, cancels those it drops that had answers (EventCancelled tells who answered) and deletes the
    rest. One transaction: locks the old event's row, then its rows from that date on; the new event's
    row is locked by its insert.

    On commit: EventEdited for both events and, for published events, EventChanged for both.
    Errors: NotFound, PermissionDenied (the `edit` rule), Invalid (field "recurrence_id": a single event,
    the first date (edit the whole series), a date that has begun; any field as in `clean_event`; a
    start not after the previous date, or in the past).
    """
    event = occurrence.event
    guardian.events.edit.ensure(event)
    _one_of_a_series(event, "edit")
    _check_group(data.group_id)
    now = timezone.now()
    with transaction.atomic():
        event, occurrence = _locked(event, occurrence)
        guardian.events.edit.ensure(event)
        _one_of_a_series(event, "edit")
        _still_to_come(occurrence, now)
        at = occurrence.recurrence_id
        before, after = recurrence.split_rule(
            event.rrule, start_local=occurrences.wall_time(event), zone_name=event.time_zone, at=at
        )
        new_rule = (data.rrule or "").strip()
        cleaned = clean_event(
            replace(data, rrule=after if not new_rule or new_rule == event.rrule else new_rule)
        )
        values = cleaned.values
        previous = (
            Occurrence.objects.filter(event=event, recurrence_id__lt=at).order_by("-recurrence_id").first()
        )
        if values["starts_at"] <= now:
            raise invalid("starts_at", "The following dates must start in the future.")
        if previous is not None and values["starts_at"] <= previous.starts_at:
            raise invalid("starts_at", "The following dates must start after the date before them.")
        html = render_post(values["description"])[0] if values["description"] else ""
        # The old series ends before the split.
        event.rrule = before
        event.series_ends_at = recurrence.series_end(
            before, start_local=occurrences.wall_time(event), zone_name=event.time_zone,
            duration=occurrences.duration(event), all_day=event.all_day,
        )  # fmt: skip
        event.sequence += 1
        event.save(update_fields=["rrule", "series_ends_at", "sequence", "updated_at"])
        following = list(Occurrence.objects.select_for_update().filter(event=event, recurrence_id__gte=at))
        continuation = Event.objects.create(
            space_id=event.space_id, created_by_id=event.created_by_id, description_html=html,
            state=event.state, split_from=event, uid=new_uid(), cover_id=event.cover_id,
            reviewed_by_id=event.reviewed_by_id, reviewed_at=event.reviewed_at, **values,
        )  # fmt: skip
        EventHost.objects.bulk_create(
            [
                EventHost(event=continuation, user_id=h.user_id, role=h.role, added_at=h.added_at)
                for h in EventHost.objects.filter(event=event)
            ]
        )
        ids = [row.pk for row in following]
        Occurrence.objects.filter(pk__in=ids).update(event=continuation)
        Rsvp.objects.filter(occurrence_id__in=ids).update(event=continuation)
        occurrences.sync_occurrences(event, now=now)
        result = occurrences.sync_occurrences(continuation, now=now)
        waiting = Occurrence.objects.select_for_update().filter(event=continuation, waitlist_count__gt=0, ends_at__gt=now)  # fmt: skip
        for row in waiting.select_related("event"):
            promote_waitlist(row)
        for changed in (event, continuation):
            record_activity(guardian.user, "event.edited", changed, space_id=changed.space_id, data=_data(changed))  # fmt: skip
            emit(EventEdited(event_id=changed.pk, space_id=changed.space_id, actor_id=guardian.user_id))
            if changed.state == Event.PUBLISHED:
                emit(EventChanged(event_id=changed.pk, space_id=changed.space_id, actor_id=guardian.user_id))  # fmt: skip
        if continuation.state == Event.PUBLISHED:
            for occurrence_id in result.cancelled:
                emit(EventCancelled(event_id=continuation.pk, space_id=continuation.space_id, actor_id=guardian.user_id, occurrence_id=occurrence_id))  # fmt: skip
    return continuation


__all__ = [
    "cancel_occurrence",
    "following_input",
    "move_occurrence",
    "restore_occurrence",
    "update_following",
]
