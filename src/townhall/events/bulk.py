"""Writing event history without a person at the keyboard: seeding, importers, schedules.

The actions refuse what has already happened (an RSVP for a date that is over, a check-in days after
it), so history is written here, with the people and times given, as the rows the actions would have
written at the time (`tests/events/test_bulk.py` compares them):

- `bulk_rsvps`: answers for one date, in the order they were given: the same cleaning (state, guests,
  answers to the event's questions), the same capacity rule (going when full puts the person on the
  waitlist, in the order they asked), the occurrence's going / maybe / waitlist counts kept equal to
  the RSVP rows' seats, and an "event.rsvp" Activity row each, dated when they answered;
- `bulk_attendance`: check-ins at the door: `Rsvp.checked_in_at` / `checked_in_by`, the occurrence's
  `checked_in_count` (seats: the person and their guests, as `going_count` counts them) and one
  "event.attended" Activity row per person checked in (the attendee is the actor, the occurrence the
  target), dated when they came in;
- `cancel_date`: one date of a series called off, with its reason (Occurrence.cancelled_at,
  cancel_reason, its own SEQUENCE and the event's raised) and an "occurrence.cancelled" Activity row;
- `link_recap`: the topic that holds an event's recap, and the photo shown as its cover.

Unlike the actions: no Guardian, no rate limits, no domain events (nobody is notified of history).
Events waiting for approval, declined or cancelled take no RSVPs, nor do cancelled dates, as with the
actions. Each call is one transaction and locks the occurrence's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from townhall.activity.log import ROW_COLUMNS, activity_row, checked_target_type, record_activity
from townhall.activity.models import Activity
from townhall.core.bulkinsert import insert_rows
from townhall.core.errors import Invalid
from townhall.discussions.models import Topic, Upload
from townhall.events.actions._clean import clean_answers, clean_guests, invalid
from townhall.events.events import AttendedData, OccurrenceData, RsvpData
from townhall.events.models import CANCEL_REASON_MAX, Event, Occurrence, Rsvp, new_token

_COUNTERS = {Rsvp.GOING: "going_count", Rsvp.MAYBE: "maybe_count", Rsvp.WAITLISTED: "waitlist_count"}
_RSVP_COLUMNS = ("occurrence_id", "event_id", "user_id", "state", "guests", "answers", "waitlisted_at",
                 "ticket", "created_at", "updated_at")  # fmt: skip


@dataclass(frozen=True)
class NewRsvp:
    """One person's answer (going, maybe or not going) for a date, given at `at`."""

    user_id: int
    state: str
    at: datetime
    guests: int = 0
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewAttendance:
    """One person with a "going" RSVP checked in at `at` (by a host, `by_id`, or None: self check-in)."""

    user_id: int
    at: datetime
    by_id: int | None = None


def _aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise invalid(name, "Give times with a time zone.")


def _locked(occurrence: Occurrence) -> Occurrence:
    return Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)


def _attending_allowed(occurrence: Occurrence) -> None:
    event = occurrence.event
    if event.state != Event.PUBLISHED:
        reason = "is cancelled" if event.state == Event.CANCELLED else "is not published"
        raise invalid("occurrence", f"The event {reason}: it takes no RSVPs.")
    if occurrence.cancelled_at is not None:
        raise invalid("occurrence", "This date is cancelled: it takes no RSVPs.")


def bulk_rsvps(occurrence: Occurrence, rsvps: Sequence[NewRsvp]) -> list[Rsvp]:
    """Write first answers for one date (see the module's docstring); returns the rows written, in the
    order of their times. Locks the occurrence's row.

    Errors: Invalid (an event or date that takes no RSVPs, a state other than going / maybe / not
    going, guests or answers the event refuses, a naive time, someone given twice or who already
    answered), raised before anything is written.
    """
    ordered = sorted(rsvps, key=lambda r: r.at)
    with transaction.atomic():
        occurrence = _locked(occurrence)
        _attending_allowed(occurrence)
        event = occurrence.event
        users = [r.user_id for r in ordered]
        if len(set(users)) != len(users):
            raise invalid("user", "Someone is given twice: one answer per person and date.")
        if Rsvp.objects.filter(occurrence=occurrence, user_id__in=users).exists():
            raise invalid("user", "Someone already answered for this date.")
        rows: list[tuple[Any, ...]] = []
        logged: list[tuple[Any, ...]] = []
        made: list[Rsvp] = []
        for new in ordered:
            _aware(new.at, "at")
            if new.state not in Rsvp.ANSWERS:
                raise invalid("state", "Answer going, maybe or not going.")
            attending = new.state != Rsvp.NOT_GOING
            guests = clean_guests(new.guests, event.guests_allowed) if attending else 0
            answers = clean_answers(event.questions, new.answers) if attending else {}
            seats = 1 + guests
            state = new.state
            if (
                state == Rsvp.GOING
                and event.capacity is not None
                and occurrence.going_count + seats > event.capacity
            ):
                state = Rsvp.WAITLISTED
            counter = _COUNTERS.get(state)
            if counter is not None:
                setattr(occurrence, counter, getattr(occurrence, counter) + seats)
            waitlisted_at = new.at if state == Rsvp.WAITLISTED else None
            ticket = new_token()
            rows.append((occurrence.pk, event.pk, new.user_id, state, guests, answers, waitlisted_at, ticket,
                         new.at, new.at))  # fmt: skip
            made.append(Rsvp(occurrence=occurrence, event=event, user_id=new.user_id, state=state,
                             guests=guests, answers=answers, waitlisted_at=waitlisted_at, ticket=ticket,
                             created_at=new.at, updated_at=new.at))  # fmt: skip
            data = RsvpData(event_id=event.pk, occurrence_id=occurrence.pk, state=state, guests=guests)
            logged.append(activity_row(new.user_id, "event.rsvp", checked_target_type(Occurrence), occurrence.pk,
                                       space_id=occurrence.space_id, data=data, at=new.at))  # fmt: skip
        ids = insert_rows(Rsvp, _RSVP_COLUMNS, rows, returning=True)
        insert_rows(Activity, ROW_COLUMNS, logged)
        occurrence.save(update_fields=["going_count", "maybe_count", "waitlist_count"])
    for rsvp, pk in zip(made, ids, strict=True):
        rsvp.pk = pk
        rsvp._state.adding = False
    return made


def bulk_attendance(occurrence: Occurrence, attendees: Sequence[NewAttendance]) -> int:
    """Check people in at one date (see the module's docstring); returns how many were checked in.
    Locks the occurrence's row.

    Errors: Invalid (a cancelled event or date, someone without a "going" RSVP or already checked in,
    someone given twice, a naive time), raised before anything is written.
    """
    with transaction.atomic():
        occurrence = _locked(occurrence)
        event = occurrence.event
        if event.state == Event.CANCELLED or occurrence.cancelled_at is not None:
            raise invalid("occurrence", "This date is cancelled: nobody checks in.")
        users = [a.user_id for a in attendees]
        if len(set(users)) != len(users):
            raise invalid("user", "Someone is given twice: a person checks in once per date.")
        found = {
            r.user_id: r
            for r in Rsvp.objects.select_for_update().filter(occurrence=occurrence, user_id__in=users)
        }
        logged: list[tuple[Any, ...]] = []
        for attendee in attendees:
            _aware(attendee.at, "at")
            rsvp = found.get(attendee.user_id)
            if rsvp is None or rsvp.state != Rsvp.GOING:
                raise invalid(
                    "user", f"Person {attendee.user_id} is not going to this date, so cannot check in."
                )
            if rsvp.checked_in_at is not None:
                raise invalid("user", f"Person {attendee.user_id} is already checked in.")
            rsvp.checked_in_at, rsvp.checked_in_by_id, rsvp.updated_at = (
                attendee.at,
                attendee.by_id,
                attendee.at,
            )
            occurrence.checked_in_count += rsvp.seats
            data = AttendedData(event_id=event.pk, occurrence_id=occurrence.pk, guests=rsvp.guests)
            logged.append(activity_row(attendee.user_id, "event.attended", checked_target_type(Occurrence),
                                       occurrence.pk, space_id=occurrence.space_id, data=data, at=attendee.at))  # fmt: skip
        Rsvp.objects.bulk_update(list(found.values()), ["checked_in_at", "checked_in_by", "updated_at"])
        insert_rows(Activity, ROW_COLUMNS, logged)
        occurrence.save(update_fields=["checked_in_count"])
    return len(attendees)


def cancel_date(occurrence: Occurrence, *, reason: str, by_id: int | None, at: datetime) -> Occurrence:
    """Call off one date of an event (its answers stay, as they do when a host cancels a date). The
    date's SEQUENCE and the event's go up, as with the dates action, so that calendars holding the
    series hear of it. Locks the event's row, then the occurrence's.
    Errors: Invalid (already cancelled, a reason too long, a naive time)."""
    _aware(at, "at")
    reason = (reason or "").strip()
    if len(reason) > CANCEL_REASON_MAX:
        raise invalid("reason", f"The reason can be at most {CANCEL_REASON_MAX} characters long.")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=occurrence.event_id)
        occurrence = _locked(occurrence)
        if occurrence.cancelled_at is not None:
            raise invalid("occurrence", "This date is already cancelled.")
        event.sequence += 1
        event.save(update_fields=["sequence", "updated_at"])
        occurrence.cancelled_at, occurrence.cancel_reason = at, reason
        occurrence.sequence += 1
        occurrence.save(update_fields=["cancelled_at", "cancel_reason", "sequence"])
        data = OccurrenceData(event_id=occurrence.event_id, starts_at=occurrence.starts_at.isoformat())
        record_activity(
            by_id, "occurrence.cancelled", occurrence, space_id=occurrence.space_id, data=data, at=at
        )
    return occurrence


def link_recap(event: Event, *, topic: Topic, cover: Upload | None = None) -> Event:
    """Point an event at the topic that holds its recap (and show `cover` on it, an image uploaded to
    the event's own space so that whoever sees the event sees the picture). Errors: Invalid."""
    if topic.deleted_at is not None:
        raise Invalid("That topic has been deleted.")
    if cover is not None and (cover.kind != Upload.IMAGE or cover.space_id != event.space_id):
        raise invalid("cover", "The cover must be an image uploaded to the event's space.")
    Event.objects.filter(pk=event.pk).update(recap_topic=topic, cover=cover)
    event.recap_topic, event.cover = topic, cover
    return event
