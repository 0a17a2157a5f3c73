"""The events API: events, their review and cancellation, hosts, a cover, and my RSVP for one date.

The same actions and queries as the pages (event_views.py); errors in the house's one shape.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.errors import Invalid, NotFound
from townhall.core.ids import Id, Limit
from townhall.events import actions, queries
from townhall.events.actions import EventInput
from townhall.events.event_views import waitlist_position
from townhall.events.models import Event, EventHost, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_space_or_404

router = Router(tags=["events"])

NEXT_DATES = 10
# Strings are bounded here only against abuse; the actions give the real limits with their messages.
Text = Field(default="", max_length=40_000)


class QuestionIn(Schema):
    text: str = Field(max_length=2000)
    required: bool = False
    id: str = Field(default="", max_length=20)


class EventIn(Schema):
    """An event as typed: local wall-clock times (no offset) in `time_zone`. All-day events give dates
    at midnight, `ends_local` being the last day."""

    title: str = Field(max_length=2000)
    description: str = Text
    starts_local: datetime
    ends_local: datetime
    time_zone: str = Field(default="UTC", max_length=200)
    all_day: bool = False
    rrule: str = Field(default="", max_length=2000)
    location_kind: str = Field(default=Event.IN_PERSON, max_length=20)
    online_url: str = Field(default="", max_length=2000)
    venue: str = Field(default="", max_length=2000)
    address: str = Field(default="", max_length=2000)
    map_url: str = Field(default="", max_length=2000)
    capacity: int | None = Field(default=None, ge=-(2**31), le=2**31)
    guests_allowed: int = Field(default=0, ge=-(2**15), le=2**15)
    rsvp_deadline_minutes: int | None = Field(default=None, ge=-(2**31), le=2**31)
    questions: list[QuestionIn | str] = Field(default_factory=list, max_length=20)
    group_id: Id | None = None
    group_only_until_local: datetime | None = None


class EventCreate(EventIn):
    space: str = Field(max_length=100, description="The slug of the space whose calendar it goes on")


class EventPatch(Schema):
    """Only the fields given change; the rest stay as they are."""

    title: str | None = Field(default=None, max_length=2000)
    description: str | None = Field(default=None, max_length=40_000)
    starts_local: datetime | None = None
    ends_local: datetime | None = None
    time_zone: str | None = Field(default=None, max_length=200)
    all_day: bool | None = None
    rrule: str | None = Field(default=None, max_length=2000)
    location_kind: str | None = Field(default=None, max_length=20)
    online_url: str | None = Field(default=None, max_length=2000)
    venue: str | None = Field(default=None, max_length=2000)
    address: str | None = Field(default=None, max_length=2000)
    map_url: str | None = Field(default=None, max_length=2000)
    capacity: int | None = Field(default=None, ge=-(2**31), le=2**31)
    guests_allowed: int | None = Field(default=None, ge=-(2**15), le=2**15)
    rsvp_deadline_minutes: int | None = Field(default=None, ge=-(2**31), le=2**31)
    questions: list[QuestionIn | str] | None = Field(default=None, max_length=20)
    group_id: Id | None = None
    group_only_until_local: datetime | None = None


class PersonOut(Schema):
    username: str
    name: str


class HostOut(Schema):
    username: str
    name: str
    role: str


class DateOut(Schema):
    id: int
    url: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    moved: bool
    going: int
    maybe: int
    waitlist: int
    spots_left: int | None


class EventOut(Schema):
    id: int
    url: str
    space: str
    title: str
    description: str
    description_html: str
    state: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    all_day: bool
    rrule: str
    series_ends_at: datetime | None
    location_kind: str
    venue: str
    address: str
    map_url: str
    online_url: str | None = Field(description="The join link: only for the event's hosts and moderators")
    capacity: int | None
    guests_allowed: int
    rsvp_deadline_minutes: int | None
    questions: list[dict[str, Any]]
    group: str | None
    group_only_until: datetime | None
    cover_url: str | None
    cancel_reason: str
    review_note: str
    sequence: int
    uid: str
    hosts: list[HostOut]
    next_dates: list[DateOut]


class EventList(Schema):
    items: list[EventOut]


class CancelIn(Schema):
    reason: str = Field(default="", max_length=5000)


class ReviewIn(Schema):
    approve: bool
    note: str = Field(default="", max_length=5000)


class HostIn(Schema):
    username: str = Field(max_length=150)


class HostList(Schema):
    items: list[HostOut]


class RsvpIn(Schema):
    state: str = Field(max_length=20, description="going, maybe or not_going")
    guests: int = Field(default=0, ge=-(2**15), le=2**15)
    answers: dict[str, str] = Field(default_factory=dict, max_length=20)


class RsvpOut(Schema):
    occurrence: int
    state: str | None = Field(description="going, maybe, not_going, waitlisted; null before answering")
    guests: int
    answers: dict[str, str]
    waitlist_position: int | None
    join_url: str | None
    join_link_reason: str | None
    can_rsvp: bool
    rsvp_reason: str | None
    date: DateOut


# --- shaping ---------------------------------------------------------------------------------------
def _date_out(occurrence: Occurrence, event: Event) -> dict[str, Any]:
    spots = None if event.capacity is None else max(0, event.capacity - occurrence.going_count)
    return {
        "id": occurrence.pk, "url": reverse("events:date", args=[occurrence.pk]),
        "starts_at": occurrence.starts_at, "ends_at": occurrence.ends_at, "cancelled": occurrence.cancelled,
        "moved": occurrence.moved, "going": occurrence.going_count, "maybe": occurrence.maybe_count,
        "waitlist": occurrence.waitlist_count, "spots_left": spots,
    }  # fmt: skip


def event_out(guardian: Guardian, event: Event, dates: list[Occurrence]) -> dict[str, Any]:
    hosts = list(event.hosts.all())
    return {
        "id": event.pk,
        "url": reverse("events:event", args=[event.pk]),
        "space": event.space.slug,
        "title": event.title,
        "description": event.description,
        "description_html": event.description_html,
        "state": event.state,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "time_zone": event.time_zone,
        "all_day": event.all_day,
        "rrule": event.rrule,
        "series_ends_at": event.series_ends_at,
        "location_kind": event.location_kind,
        "venue": event.venue,
        "address": event.address,
        "map_url": event.map_url,
        "online_url": event.online_url
        if guardian.events.edit.can(event) or guardian.events.manage_attendees.can(event)
        else None,
        "capacity": event.capacity,
        "guests_allowed": event.guests_allowed,
        "rsvp_deadline_minutes": event.rsvp_deadline_minutes,
        "questions": event.questions,
        "group": event.group.slug if event.group is not None else None,
        "group_only_until": event.group_only_until,
        "cover_url": reverse("events:cover", args=[event.pk, event.cover.name]) if event.cover else None,
        "cancel_reason": event.cancel_reason,
        "review_note": event.review_note,
        "sequence": event.sequence,
        "uid": event.uid,
        "hosts": [{"username": h.user.username, "name": h.user.name, "role": h.role} for h in hosts],
        "next_dates": [_date_out(o, event) for o in dates],
    }


def _dates_of(events: list[Event]) -> dict[int, list[Occurrence]]:
    """The next dates of each event (one query for all)."""
    found: dict[int, list[Occurrence]] = {event.pk: [] for event in events}
    if not events:
        return found
    rows = Occurrence.objects.filter(event_id__in=list(found), ends_at__gt=timezone.now()).order_by(
        "starts_at", "id"
    )
    for row in rows[: NEXT_DATES * len(events) * 4]:
        if len(found[row.event_id]) < NEXT_DATES:
            found[row.event_id].append(row)
    return found


def _one(guardian: Guardian, event_id: int) -> dict[str, Any]:
    event = queries.get_event_or_404(guardian, event_id)
    return event_out(guardian, event, _dates_of([event])[event.pk])


def _input_of(event: Event) -> EventInput:
    """The event as input (what its host typed), for a PATCH to change a few fields of."""
    zone = ZoneInfo(event.time_zone)
    end = timezone.localtime(event.ends_at, zone).replace(tzinfo=None)
    return EventInput(
        title=event.title,
        description=event.description,
        starts_local=timezone.localtime(event.starts_at, zone).replace(tzinfo=None),
        ends_local=end - timedelta(days=1) if event.all_day else end,
        time_zone=event.time_zone,
        all_day=event.all_day,
        rrule=event.rrule,
        location_kind=event.location_kind,
        online_url=event.online_url,
        venue=event.venue,
        address=event.address,
        map_url=event.map_url,
        capacity=event.capacity,
        guests_allowed=event.guests_allowed,
        rsvp_deadline_minutes=event.rsvp_deadline_minutes,
        questions=list(event.questions),
        group_id=event.group_id,
        group_only_until_local=timezone.localtime(event.group_only_until, zone).replace(tzinfo=None)
        if event.group_only_until
        else None,
    )


def _questions(raw: list[Any]) -> list[Any]:
    return [q if isinstance(q, str) else q.model_dump() for q in raw]


def _input(payload: EventIn) -> EventInput:
    names = {f.name for f in dataclass_fields(EventInput)}
    values = {name: getattr(payload, name) for name in names}
    values["questions"] = _questions(payload.questions)
    for name in ("starts_local", "ends_local", "group_only_until_local"):
        if values[name] is not None and values[name].tzinfo is not None:
            raise Invalid(
                f"{name}: give the local time without an offset (the zone is time_zone).",
                field_errors={name: ["Give the local time without an offset (the zone is time_zone)."]},
            )
    return EventInput(**values)


# --- events ----------------------------------------------------------------------------------------
@router.get("/events", response={200: EventList, **API_ERRORS}, summary="Events")
def list_events(request: HttpRequest, space: str = "", limit: Limit = 50) -> Any:
    """Events you may see that are not over, soonest first (of one space with `space`)."""
    g = guardian_of(request)
    qs = g.events.visible(
        Event.objects.select_related("space", "group", "cover").prefetch_related("hosts__user")
    )
    if space:
        qs = qs.filter(space=get_space_or_404(g, space))
    now = timezone.now()
    qs = qs.exclude(series_ends_at__lte=now).order_by("starts_at", "id")
    events = list(qs[:limit])
    dates = _dates_of(events)
    return {"items": [event_out(g, e, dates[e.pk]) for e in events]}


@router.post("/events", response={201: EventOut, **API_ERRORS}, summary="Create an event")
def create_event(request: HttpRequest, payload: EventCreate) -> Any:
    """A member's event in a space that asks for approval waits (state "pending")."""
    ensure_write(request)
    g = guardian_of(request)
    space = get_space_or_404(g, payload.space)
    event = actions.create_event(g, space, data=_input(payload))
    return Status(201, _one(g, event.pk))


@router.get("/events/{event_id}", response={200: EventOut, **API_ERRORS}, summary="One event")
def get_event(request: HttpRequest, event_id: Id) -> Any:
    return _one(guardian_of(request), event_id)


@router.patch("/events/{event_id}", response={200: EventOut, **API_ERRORS}, summary="Change an event")
def update_event(request: HttpRequest, event_id: Id, payload: EventPatch) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    event = queries.get_event_or_404(g, event_id)
    g.events.edit.ensure(event)
    given = payload.model_dump(exclude_unset=True)
    if "questions" in given and payload.questions is not None:
        given["questions"] = _questions(payload.questions)
    for name in ("starts_local", "ends_local", "group_only_until_local"):
        if given.get(name) is not None and given[name].tzinfo is not None:
            raise Invalid("Give local times without an offset (the zone is time_zone).", field_errors={name: ["Give the local time without an offset."]})  # fmt: skip
    nullable = {"capacity", "rsvp_deadline_minutes", "group_id", "group_only_until_local"}
    changes = {k: v for k, v in given.items() if v is not None or k in nullable}
    actions.update_event(g, event, data=replace(_input_of(event), **changes))
    return _one(g, event_id)


@router.delete("/events/{event_id}", response={204: None, **API_ERRORS}, summary="Delete an event")
def delete_event(request: HttpRequest, event_id: Id) -> Any:
    """Moderators; or the host while the event waits for approval or was declined (otherwise cancel)."""
    ensure_write(request)
    g = guardian_of(request)
    actions.delete_event(g, queries.get_event_or_404(g, event_id))
    return Status(204, None)


@router.post("/events/{event_id}/cancel", response={200: EventOut, **API_ERRORS}, summary="Cancel an event")
def cancel_event(request: HttpRequest, event_id: Id, payload: CancelIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    actions.cancel_event(g, queries.get_event_or_404(g, event_id), reason=payload.reason)
    return _one(g, event_id)


@router.post(
    "/events/{event_id}/review", response={200: EventOut, **API_ERRORS}, summary="Approve or decline"
)
def review_event(request: HttpRequest, event_id: Id, payload: ReviewIn) -> Any:
    """The space's moderators approve (publish) or decline an event waiting for approval."""
    ensure_write(request)
    g = guardian_of(request)
    actions.review_event(g, queries.get_event_or_404(g, event_id), approve=payload.approve, note=payload.note)
    return _one(g, event_id)


@router.post(
    "/events/{event_id}/cover", response={200: EventOut, **API_ERRORS}, summary="Set the cover image"
)
def put_cover(request: HttpRequest, event_id: Id, file: File[UploadedFile]) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    event = queries.get_event_or_404(g, event_id)
    g.events.edit.ensure(event)
    actions.set_cover(g, event, cover=actions.prepare_cover(file, file.name or "cover"))
    return _one(g, event_id)


@router.delete("/events/{event_id}/cover", response={200: EventOut, **API_ERRORS}, summary="Remove the cover")
def delete_cover(request: HttpRequest, event_id: Id) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    actions.set_cover(g, queries.get_event_or_404(g, event_id), cover=None)
    return _one(g, event_id)


# --- hosts -----------------------------------------------------------------------------------------
def _hosts(event_id: int) -> dict[str, Any]:
    rows = EventHost.objects.filter(event_id=event_id).select_related("user").order_by("added_at", "id")
    return {"items": [{"username": h.user.username, "name": h.user.name, "role": h.role} for h in rows]}


@router.get("/events/{event_id}/hosts", response={200: HostList, **API_ERRORS}, summary="An event's hosts")
def list_hosts(request: HttpRequest, event_id: Id) -> Any:
    event = queries.get_event_or_404(guardian_of(request), event_id)
    return _hosts(event.pk)


@router.post("/events/{event_id}/hosts", response={201: HostList, **API_ERRORS}, summary="Add a co-host")
def add_host(request: HttpRequest, event_id: Id, payload: HostIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    event = queries.get_event_or_404(g, event_id)
    g.events.edit.ensure(event)
    user = get_user_model().objects.filter(username__iexact=payload.username.strip().lstrip("@")).first()
    if user is None:
        raise Invalid("There is nobody with this username.", field_errors={"username": ["There is nobody with this username."]})  # fmt: skip
    actions.add_host(g, event, user=user)
    return Status(201, _hosts(event.pk))


@router.delete(
    "/events/{event_id}/hosts/{username}", response={200: HostList, **API_ERRORS}, summary="Remove a co-host"
)
def remove_host(request: HttpRequest, event_id: Id, username: str) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    event = queries.get_event_or_404(g, event_id)
    g.events.edit.ensure(event)
    user = get_user_model().objects.filter(username=username[:150]).first()
    if user is None:
        raise NotFound("No such host")
    actions.remove_host(g, event, user=user)
    return _hosts(event.pk)


# --- my RSVP ---------------------------------------------------------------------------------------
def _rsvp_out(g: Guardian, occurrence: Occurrence, rsvp: Rsvp | None) -> dict[str, Any]:
    join = g.events.see_join_link(occurrence, rsvp)
    refusal = g.events.rsvp(occurrence)
    return {
        "occurrence": occurrence.pk, "state": rsvp.state if rsvp else None, "guests": rsvp.guests if rsvp else 0,
        "answers": rsvp.answers if rsvp else {}, "waitlist_position": waitlist_position(rsvp),
        "join_url": occurrence.event.online_url if join is None else None,
        "join_link_reason": join.reason if join is not None else None,
        "can_rsvp": refusal is None, "rsvp_reason": refusal.reason if refusal is not None else None,
        "date": _date_out(occurrence, occurrence.event),
    }  # fmt: skip


@router.get("/occurrences/{occurrence_id}/rsvp", response={200: RsvpOut, **API_ERRORS}, summary="My RSVP")
def get_rsvp(request: HttpRequest, occurrence_id: Id) -> Any:
    """My answer for one date, where I stand on the waitlist, and the join link when it shows."""
    g = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(g, occurrence_id)
    return _rsvp_out(g, occurrence, queries.my_rsvps(g, [occurrence.pk]).get(occurrence.pk))


@router.put("/occurrences/{occurrence_id}/rsvp", response={200: RsvpOut, **API_ERRORS}, summary="Answer")
def put_rsvp(request: HttpRequest, occurrence_id: Id, payload: RsvpIn) -> Any:
    """Going, maybe or not going. Going when the date is full puts me on the waitlist ("waitlisted")."""
    ensure_write(request)
    g = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(g, occurrence_id)
    rsvp = actions.set_rsvp(
        g, occurrence, state=payload.state, guests=payload.guests, answers=payload.answers
    )
    occurrence.refresh_from_db()
    return _rsvp_out(g, occurrence, rsvp)
