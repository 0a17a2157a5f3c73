"""Check-in at the door: a host marks someone going as arrived (from the phone list or a QR ticket).

Only people going are checked in. A walk-in (someone who never answered, or who is on the waitlist or
said not going) is not checked in at the door directly: they RSVP going first (on their own phone, in a
few seconds), which keeps capacity, the waitlist's order and the RSVP questions the one path they are
on; a full date needs the host to raise its capacity first, a decision the host takes knowingly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import NotFound, PermissionDenied
from townhall.events.events import AttendedData, CheckedIn, CheckInUndone
from townhall.events.models import Occurrence, Rsvp

if TYPE_CHECKING:
    from townhall.policy import Guardian

CHECK_IN_RATE = "1200/h"  # a host at a busy door taps fast; this only stops runaway scripts

_NOT_GOING = {
    Rsvp.WAITLISTED: "{name} is on the waitlist, not going: they can be checked in once a seat frees up.",
    Rsvp.MAYBE: "{name} answered maybe: they need to RSVP going before they can be checked in.",
    Rsvp.NOT_GOING: "{name} said they are not going: they need to RSVP going before they can be checked in.",
}


def _lock(occurrence: Occurrence) -> Occurrence:
    return (
        Occurrence.objects.select_for_update().select_related("event", "event__space").get(pk=occurrence.pk)
    )


def _locked_rsvp(rsvp: Rsvp, occurrence: Occurrence) -> Rsvp:
    locked = Rsvp.objects.select_for_update().select_related("user").filter(pk=rsvp.pk).first()
    if locked is None or locked.occurrence_id != occurrence.pk:
        raise NotFound("No such attendee")
    return locked


def _hit(guardian: Guardian) -> None:
    ratelimit.hit(
        f"events-check-in:{guardian.user_id}", getattr(settings, "EVENTS_CHECK_IN_RATE", CHECK_IN_RATE)
    )


def check_in(guardian: Guardian, rsvp: Rsvp) -> Rsvp:
    """Mark the person of `rsvp` (and their guests) as arrived. Idempotent: checking someone in twice
    keeps the first time and records nothing more.

    Locks the occurrence's row (its checked_in_count is read, then written) and the RSVP's row, so two
    hosts tapping the same person together count them once. Writes the Activity verb "event.attended"
    (actor: the attendee; target: the occurrence) in the same transaction, and emits CheckedIn after
    commit. Errors: NotFound (the event unseen), PermissionDenied (not a host or moderator, a cancelled
    date, outside the check-in window, the person is not going), RateLimited.
    """
    occurrence = rsvp.occurrence
    guardian.events.check_in.ensure(occurrence)
    _hit(guardian)
    with transaction.atomic():
        occurrence = _lock(occurrence)
        guardian.events.check_in.ensure(occurrence)
        locked = _locked_rsvp(rsvp, occurrence)
        if locked.checked_in_at is not None:
            return locked
        if locked.state != Rsvp.GOING:
            raise PermissionDenied(_NOT_GOING[locked.state].format(name=locked.user.name))
        locked.checked_in_at = timezone.now()
        locked.checked_in_by_id = guardian.user_id
        locked.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
        occurrence.checked_in_count += locked.seats
        occurrence.save(update_fields=["checked_in_count"])
        record_activity(
            locked.user, "event.attended", occurrence, space_id=occurrence.space_id,
            data=AttendedData(event_id=occurrence.event_id, occurrence_id=occurrence.pk, guests=locked.guests),
        )  # fmt: skip
        emit(
            CheckedIn(
                occurrence_id=occurrence.pk, event_id=occurrence.event_id, space_id=occurrence.space_id,
                user_id=locked.user_id, actor_id=guardian.user_id,
            )
        )  # fmt: skip
    return locked


def undo_check_in(guardian: Guardian, rsvp: Rsvp) -> Rsvp:
    """Take back a check-in made by mistake (the wrong person tapped). Idempotent: someone not checked
    in stays so. The Activity log is append-only, so the mistake is answered by an
    "event.attendance_undone" row (analytics count attended minus undone, per person and date). Locks the occurrence's row and the RSVP's row; emits CheckInUndone after commit.
    Errors: as `check_in` (except that the person need not be going any more).
    """
    occurrence = rsvp.occurrence
    guardian.events.check_in.ensure(occurrence)
    _hit(guardian)
    with transaction.atomic():
        occurrence = _lock(occurrence)
        guardian.events.check_in.ensure(occurrence)
        locked = _locked_rsvp(rsvp, occurrence)
        if locked.checked_in_at is None:
            return locked
        locked.checked_in_at = None
        locked.checked_in_by = None
        locked.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
        occurrence.checked_in_count = max(0, occurrence.checked_in_count - locked.seats)
        occurrence.save(update_fields=["checked_in_count"])
        record_activity(
            locked.user, "event.attendance_undone", occurrence, space_id=occurrence.space_id,
            data=AttendedData(event_id=occurrence.event_id, occurrence_id=occurrence.pk, guests=locked.guests),
        )  # fmt: skip
        emit(
            CheckInUndone(
                occurrence_id=occurrence.pk, event_id=occurrence.event_id, space_id=occurrence.space_id,
                user_id=locked.user_id, actor_id=guardian.user_id,
            )
        )  # fmt: skip
    return locked


def rsvp_for_ticket(occurrence: Occurrence, ticket: str) -> Rsvp:
    """The RSVP a scanned ticket belongs to, on this date. A ticket of another date is refused with a
    reason (a host at the wrong date's door); an unknown ticket is NotFound."""
    rsvp = Rsvp.objects.select_related("user").filter(ticket=ticket[:40]).first() if ticket else None
    if rsvp is None:
        raise NotFound("No such ticket")
    if rsvp.occurrence_id != occurrence.pk:
        raise PermissionDenied("This ticket is for another date of the event.")
    rsvp.occurrence = occurrence
    return rsvp


def check_in_ticket(guardian: Guardian, occurrence: Occurrence, ticket: str) -> Rsvp:
    """Check in the holder of a scanned QR ticket for `occurrence` (see `check_in`). The rule is asked
    before the ticket is looked up, so that nobody but a host learns whether a ticket exists."""
    guardian.events.check_in.ensure(occurrence)
    return check_in(guardian, rsvp_for_ticket(occurrence, ticket))
