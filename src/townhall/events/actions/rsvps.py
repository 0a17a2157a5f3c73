"""Answering for one date of an event: going, maybe, not going; capacity, guests and the waitlist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.events.actions._clean import clean_answers, clean_guests, invalid
from townhall.events.events import RsvpChanged, RsvpData, WaitlistPromoted
from townhall.events.models import Occurrence, Rsvp

if TYPE_CHECKING:
    from townhall.policy import Guardian

RSVP_RATE = "60/h"

_COUNTERS = {Rsvp.GOING: "going_count", Rsvp.MAYBE: "maybe_count", Rsvp.WAITLISTED: "waitlist_count"}


def _lock(occurrence: Occurrence) -> Occurrence:
    return (
        Occurrence.objects.select_for_update().select_related("event", "event__space").get(pk=occurrence.pk)
    )


def _count(occurrence: Occurrence, state: str, seats: int) -> None:
    name = _COUNTERS.get(state)
    if name is not None:
        setattr(occurrence, name, max(0, getattr(occurrence, name) + seats))


def _fits(occurrence: Occurrence, seats: int) -> bool:
    capacity = occurrence.event.capacity
    return capacity is None or occurrence.going_count + seats <= capacity


def set_rsvp(
    guardian: Guardian,
    occurrence: Occurrence,
    *,
    state: str,
    guests: int = 0,
    answers: dict[str, Any] | None = None,
) -> Rsvp:
    """Answer going, maybe or not going for one date. Locks the occurrence's row (its counts and the
    waitlist are read, then written), so two people cannot take the last seat together.

    Going when the date is full puts the person on the waitlist (state WAITLISTED, in the order they
    asked); someone already going who asks for more guests than the seats left is refused instead of
    losing their seat. Leaving "going" seats the next people on the waitlist (WaitlistPromoted tells
    them). Answers to the event's questions are required when the question says so.

    Errors: NotFound (unseen), PermissionDenied (see the `rsvp` rule: signed out, cancelled, over, past
    the deadline, group members first), Invalid (state, guests, answers), RateLimited.
    """
    guardian.events.rsvp.ensure(occurrence)
    if state not in Rsvp.ANSWERS:
        raise invalid("state", "Answer going, maybe or not going.")
    event = occurrence.event
    guests = clean_guests(guests, event.guests_allowed) if state != Rsvp.NOT_GOING else 0
    cleaned_answers = clean_answers(event.questions, answers) if state != Rsvp.NOT_GOING else {}
    ratelimit.hit(f"events-rsvp:{guardian.user_id}", getattr(settings, "EVENTS_RSVP_RATE", RSVP_RATE))
    now = timezone.now()
    user_id = cast(int, guardian.user_id)  # the rule established that someone is signed in
    with transaction.atomic():
        occurrence = _lock(occurrence)
        guardian.events.rsvp.ensure(occurrence)
        rsvp = Rsvp.objects.select_for_update().filter(occurrence=occurrence, user_id=user_id).first()
        before = rsvp.state if rsvp is not None else None
        old_seats = rsvp.seats if rsvp is not None else 0
        if rsvp is None:
            rsvp = Rsvp(occurrence=occurrence, event=occurrence.event, user_id=user_id, state=Rsvp.NOT_GOING)
        else:
            _count(occurrence, rsvp.state, -rsvp.seats)
        seats = 1 + guests
        new_state = state
        if state == Rsvp.GOING and not _fits(occurrence, seats):
            if before == Rsvp.GOING:
                left = (event.capacity or 0) - occurrence.going_count
                raise invalid("guests", f"Only {max(0, left - 1)} more guest seat{'s' if left - 1 != 1 else ''} left.")  # fmt: skip
            new_state = Rsvp.WAITLISTED
            if before != Rsvp.WAITLISTED or rsvp.waitlisted_at is None:
                rsvp.waitlisted_at = now
        elif new_state != Rsvp.WAITLISTED:
            rsvp.waitlisted_at = None
        if rsvp.checked_in_at is not None:  # already at the door: the checked-in seats follow the answer
            if new_state == Rsvp.GOING:
                occurrence.checked_in_count = max(0, occurrence.checked_in_count + seats - old_seats)
            else:
                occurrence.checked_in_count = max(0, occurrence.checked_in_count - old_seats)
                rsvp.checked_in_at = None
                rsvp.checked_in_by = None
        rsvp.state = new_state
        rsvp.guests = guests
        rsvp.answers = cleaned_answers
        rsvp.save()
        _count(occurrence, new_state, seats)
        occurrence.save(update_fields=["going_count", "maybe_count", "waitlist_count", "checked_in_count"])
        if before == Rsvp.GOING and new_state != Rsvp.GOING:
            promote_waitlist(occurrence)
        record_activity(
            guardian.user, "event.rsvp", occurrence, space_id=occurrence.space_id,
            data=RsvpData(event_id=event.pk, occurrence_id=occurrence.pk, state=new_state, guests=guests),
        )  # fmt: skip
        emit(
            RsvpChanged(
                occurrence_id=occurrence.pk, event_id=event.pk, space_id=occurrence.space_id,
                user_id=user_id, state=new_state,
            )
        )  # fmt: skip
    return rsvp


def promote_waitlist(occurrence: Occurrence) -> list[Rsvp]:
    """Seat people from the waitlist while seats are free, in the order they asked; someone whose party
    does not fit yet keeps their place while a smaller party behind them is seated. The caller holds
    the occurrence's row lock (and `occurrence` is that locked row, with its event).
    """
    promoted: list[Rsvp] = []
    if occurrence.cancelled_at is not None or occurrence.event.state != occurrence.event.PUBLISHED:
        return promoted
    waiting = Rsvp.objects.select_for_update().filter(occurrence=occurrence, state=Rsvp.WAITLISTED)
    now = timezone.now()
    for rsvp in waiting.order_by("waitlisted_at", "id"):
        if occurrence.event.capacity is not None and occurrence.going_count >= occurrence.event.capacity:
            break
        if not _fits(occurrence, rsvp.seats):
            continue
        _count(occurrence, Rsvp.WAITLISTED, -rsvp.seats)
        _count(occurrence, Rsvp.GOING, rsvp.seats)
        rsvp.state = Rsvp.GOING
        rsvp.promoted_at = now
        rsvp.save(update_fields=["state", "promoted_at", "updated_at"])
        promoted.append(rsvp)
        record_activity(
            rsvp.user_id, "event.promoted", occurrence, space_id=occurrence.space_id,
            data=RsvpData(event_id=occurrence.event_id, occurrence_id=occurrence.pk, state=Rsvp.GOING, guests=rsvp.guests),
        )  # fmt: skip
        emit(
            WaitlistPromoted(
                occurrence_id=occurrence.pk, event_id=occurrence.event_id, space_id=occurrence.space_id,
                user_id=rsvp.user_id,
            )
        )  # fmt: skip
    if promoted:
        occurrence.save(update_fields=["going_count", "waitlist_count"])
    return promoted
