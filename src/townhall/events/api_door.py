"""API for hosts around a date: the attendee list, check-in and its undo, and the live chat's recap."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from townhall.chat.schemas import TopicRef
from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.errors import Invalid, NotFound
from townhall.core.ids import Id
from townhall.core.schemas import InputSchema, Text
from townhall.events import attendees, queries
from townhall.events.actions import door, live
from townhall.events.models import Occurrence, Rsvp
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_space_or_404

router = Router(tags=["events"])


class AttendeeOut(Schema):
    rsvp_id: int
    username: str
    name: str
    state: str
    guests: int
    answers: dict[str, str]
    checked_in_at: datetime | None
    waitlist_position: int | None = None


class AttendeesOut(Schema):
    occurrence_id: int
    going_count: int = Field(description="People going, guests included")
    checked_in_count: int = Field(description="People checked in, guests included")
    not_going: int
    going: list[AttendeeOut]
    maybe: list[AttendeeOut]
    waitlist: list[AttendeeOut] = Field(description="In the order they are seated")


class CheckInIn(InputSchema):
    username: str | None = Field(default=None, max_length=150)
    ticket: str | None = Field(default=None, max_length=40)


class CheckInOut(Schema):
    rsvp_id: int
    username: str
    checked_in_at: datetime | None
    checked_in_count: int


class RecapIn(InputSchema):
    space: str = Field(max_length=200, description="The slug of a discussions space you may start topics in")
    title: str | None = Field(default=None, max_length=1000)


def _out(rsvp: Rsvp) -> dict[str, Any]:
    answers = rsvp.answers if isinstance(rsvp.answers, dict) else {}
    return {
        "rsvp_id": rsvp.pk, "username": rsvp.user.username, "name": rsvp.user.name, "state": rsvp.state,
        "guests": rsvp.guests, "answers": {str(k): str(v) for k, v in answers.items()},
        "checked_in_at": rsvp.checked_in_at, "waitlist_position": getattr(rsvp, "position", None),
    }  # fmt: skip


def _rsvp(occurrence: Occurrence, *, username: str | None, ticket: str | None) -> Rsvp:
    if ticket:
        return door.rsvp_for_ticket(occurrence, ticket)
    if not username:
        message = "Give the person's username or their ticket."
        raise Invalid(message, field_errors={"username": [message]})
    rsvp = (
        Rsvp.objects.select_related("user")
        .filter(occurrence_id=occurrence.pk, user__username__iexact=username.strip())
        .first()
    )
    if rsvp is None:
        message = f"{username.strip()} has not answered for this date: they RSVP going first."
        raise Invalid(message, field_errors={"username": [message]})
    rsvp.occurrence = occurrence
    return rsvp


def _checked(rsvp: Rsvp) -> dict[str, Any]:
    count = (
        Occurrence.objects.filter(pk=rsvp.occurrence_id).values_list("checked_in_count", flat=True).first()
    )
    return {"rsvp_id": rsvp.pk, "username": rsvp.user.username, "checked_in_at": rsvp.checked_in_at,
            "checked_in_count": count or 0}  # fmt: skip


@router.get("/occurrences/{occurrence_id}/attendees", response={200: AttendeesOut, **API_ERRORS}, summary="Attendees of a date")  # fmt: skip
def attendee_list(request: HttpRequest, occurrence_id: Id) -> Any:
    """Going (with guests and answers), maybe, the waitlist in order, and how many are not going:
    the event's hosts and the space's moderators."""
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    people = attendees.attendee_list(guardian, occurrence)
    return {
        "occurrence_id": occurrence.pk, "going_count": occurrence.going_count,
        "checked_in_count": occurrence.checked_in_count, "not_going": people.not_going,
        "going": [_out(r) for r in people.going], "maybe": [_out(r) for r in people.maybe],
        "waitlist": [_out(r) for r in people.waitlist],
    }  # fmt: skip


@router.post("/occurrences/{occurrence_id}/check-in", response={200: CheckInOut, **API_ERRORS}, summary="Check someone in")  # fmt: skip
def check_in(request: HttpRequest, occurrence_id: Id, payload: CheckInIn) -> Any:
    """Check in a person going, by `username` or by the `ticket` of their QR code. Checking in twice
    keeps the first time. People not going (waitlisted, maybe, not going) are refused with a reason."""
    ensure_write(request)
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    guardian.events.check_in.ensure(occurrence)
    rsvp = _rsvp(occurrence, username=payload.username, ticket=payload.ticket)
    return _checked(door.check_in(guardian, rsvp))


@router.delete("/occurrences/{occurrence_id}/check-in", response={200: CheckInOut, **API_ERRORS}, summary="Undo a check-in")  # fmt: skip
def undo_check_in(request: HttpRequest, occurrence_id: Id, username: Text | None = None, ticket: Text | None = None) -> Any:  # fmt: skip
    """Take back a check-in made by mistake (`?username=` or `?ticket=`)."""
    ensure_write(request)
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    guardian.events.check_in.ensure(occurrence)
    rsvp = _rsvp(occurrence, username=(username or "")[:150], ticket=(ticket or "")[:40])
    return _checked(door.undo_check_in(guardian, rsvp))


@router.post("/events/{event_id}/recap", response={201: TopicRef, **API_ERRORS}, summary="Turn the live chat into the recap")  # fmt: skip
def recap(request: HttpRequest, event_id: Id, payload: RecapIn) -> Any:
    """A host turns the event's live chat into its recap topic in a discussions space (`space`, a slug)."""
    ensure_write(request)
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    try:
        to_space = get_space_or_404(guardian, payload.space)
    except NotFound:
        message = "No such discussions space."
        raise Invalid(message, field_errors={"space": [message]}) from None
    topic = live.promote_live_chat(guardian, event, to_space=to_space, title=payload.title)
    return Status(201, {"id": topic.pk, "title": topic.title, "url": topic.get_absolute_url()})
