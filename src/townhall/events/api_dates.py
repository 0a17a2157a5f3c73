"""API for one date of a series: move it, cancel or restore it, or split the series there ("this and
following"). The same actions as the date page (events/date_views.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.schemas import InputSchema
from townhall.events import actions, queries
from townhall.events.models import (
    ADDRESS_MAX,
    CANCEL_REASON_MAX,
    DESCRIPTION_MAX,
    RRULE_MAX,
    TITLE_MAX,
    URL_MAX,
    VENUE_MAX,
    Event,
    Occurrence,
)
from townhall.policy.request import guardian_of

router = Router(tags=["events"])

LOCAL = "Wall-clock time in the event's time zone (an offset, if given, is converted to it)"


class OccurrenceOut(Schema):
    id: int
    event_id: int
    recurrence_id: datetime = Field(description="The date's original start (iCalendar RECURRENCE-ID)")
    starts_at: datetime
    ends_at: datetime
    moved: bool
    cancelled: bool
    cancel_reason: str
    sequence: int


class EventRefOut(Schema):
    id: int
    title: str
    rrule: str
    starts_at: datetime
    series_ends_at: datetime | None
    split_from: int | None
    sequence: int


class SplitOut(Schema):
    event: EventRefOut = Field(description="The new series: this date and the following ones")
    previous: EventRefOut = Field(description="The old series, now ending before this date")


class MoveIn(InputSchema):
    starts_local: datetime = Field(description=LOCAL)
    ends_local: datetime = Field(description=LOCAL + "; for an all-day event, the last day")


class CancelIn(InputSchema):
    reason: str = Field("", max_length=CANCEL_REASON_MAX)


class SplitIn(InputSchema):
    """Fields left out keep the series' values; times default to the date's own in the rule."""

    starts_local: datetime | None = Field(None, description=LOCAL)
    ends_local: datetime | None = Field(None, description=LOCAL)
    title: str | None = Field(None, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    location_kind: str | None = Field(None, max_length=20, description="online, in_person or hybrid")
    online_url: str | None = Field(None, max_length=URL_MAX)
    venue: str | None = Field(None, max_length=VENUE_MAX)
    address: str | None = Field(None, max_length=ADDRESS_MAX)
    capacity: int | None = Field(None, description="null: no limit (when given)")
    rrule: str | None = Field(None, max_length=RRULE_MAX, description="Empty: the rest of the series' rule")


def _wall(value: datetime, event: Event) -> datetime:
    return value.astimezone(ZoneInfo(event.time_zone)).replace(tzinfo=None) if value.tzinfo else value


def _occurrence(row: Occurrence) -> dict[str, Any]:
    return {
        "id": row.pk, "event_id": row.event_id, "recurrence_id": row.recurrence_id, "starts_at": row.starts_at,
        "ends_at": row.ends_at, "moved": row.moved, "cancelled": row.cancelled,
        "cancel_reason": row.cancel_reason, "sequence": row.sequence,
    }  # fmt: skip


def _event(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk, "title": event.title, "rrule": event.rrule, "starts_at": event.starts_at,
        "series_ends_at": event.series_ends_at, "split_from": event.split_from_id, "sequence": event.sequence,
    }  # fmt: skip


@router.patch(
    "/occurrences/{occurrence_id}", response={200: OccurrenceOut, **API_ERRORS}, summary="Move one date"
)
def move(request: HttpRequest, occurrence_id: int, payload: MoveIn) -> Any:
    """Give one date of a series its own time ("only this date"); it keeps its recurrence id."""
    ensure_write(request)
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    event = occurrence.event
    moved = actions.move_occurrence(
        guardian, occurrence, starts_local=_wall(payload.starts_local, event), ends_local=_wall(payload.ends_local, event)
    )  # fmt: skip
    return _occurrence(moved)


@router.post("/occurrences/{occurrence_id}/cancel", response={200: OccurrenceOut, **API_ERRORS}, summary="Cancel one date")  # fmt: skip
def cancel(request: HttpRequest, occurrence_id: int, payload: CancelIn) -> Any:
    """Cancel one date of a series; the people who answered for it are told."""
    ensure_write(request)
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    return _occurrence(actions.cancel_occurrence(guardian, occurrence, reason=payload.reason))


@router.post("/occurrences/{occurrence_id}/restore", response={200: OccurrenceOut, **API_ERRORS}, summary="Restore one date")  # fmt: skip
def restore(request: HttpRequest, occurrence_id: int) -> Any:
    """Take back the cancellation of a date cancelled on its own."""
    ensure_write(request)
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    return _occurrence(actions.restore_occurrence(guardian, occurrence))


@router.post("/occurrences/{occurrence_id}/split", response={201: SplitOut, **API_ERRORS}, summary="Change this and following dates")  # fmt: skip
def split(request: HttpRequest, occurrence_id: int, payload: SplitIn) -> Any:
    """Change this date and every later one: the series splits here into a new event (RSVPs follow
    their dates). The first date is refused (422, field "recurrence_id"): change the whole series."""
    ensure_write(request)
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    event = occurrence.event
    changes: dict[str, Any] = {
        name: value for name, value in payload.model_dump(exclude_unset=True).items()
        if value is not None or name == "capacity"
    }  # fmt: skip
    for name in ("starts_local", "ends_local"):
        if name in changes:
            changes[name] = _wall(changes[name], event)
    new = actions.update_following(guardian, occurrence, data=actions.following_input(occurrence, **changes))
    previous = Event.objects.get(pk=event.pk)
    return Status(201, {"event": _event(new), "previous": _event(previous)})
