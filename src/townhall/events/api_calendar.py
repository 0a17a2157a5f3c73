"""The calendar API: the dates of a window, as the calendar pages read them (the same queries).

GET /api/v1/events/occurrences?start=&end=&space=&group=&mine=&where=&limit=&cursor=
Times without an offset are read in the caller's time zone. A window spans at most WINDOW_DAYS_MAX days,
a page holds at most calendar_queries.WINDOW_MAX dates (`next_cursor` for the rest); bad parameters
answer 422 in the one error shape ({message, errors}).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from townhall.chat.queries import zone_of
from townhall.core.api import API_ERRORS
from townhall.core.errors import Invalid
from townhall.core.pagination import BadCursor
from townhall.core.schemas import Text
from townhall.events import calendar_queries as cq
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy.request import guardian_of

router = Router(tags=["events"])

WINDOW_DAYS_DEFAULT = 31
WINDOW_DAYS_MAX = 366


class OccurrencesQuery(Schema):
    start: datetime | None = Field(None, description="Window start (ISO 8601; default now)")
    end: datetime | None = Field(None, description=f"Window end (default start + {WINDOW_DAYS_DEFAULT} days)")
    space: Text | None = Field(None, max_length=cq.SLUG_MAX, description="A space's slug")
    group: Text | None = Field(None, max_length=cq.SLUG_MAX, description="A group's slug")
    mine: bool = Field(
        False, description="Only dates I answered going, maybe or waitlisted, or events I host"
    )
    where: Text | None = Field(None, max_length=20, description='"online" or "in_person"')
    limit: int = Field(100, ge=1, le=cq.WINDOW_MAX, description=f"Dates per page (at most {cq.WINDOW_MAX})")
    cursor: Text | None = Field(None, max_length=200, description="next_cursor of the previous page")


class OccurrenceOut(Schema):
    id: int
    event_id: int
    title: str
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    local_starts_at: str = Field(description="The start in the caller's time zone (ISO 8601 with offset)")
    time_zone: str = Field(description="The event's own zone")
    all_day: bool
    recurring: bool
    state: str = Field(description='The event: "published", "pending" (waiting for approval) or "cancelled"')
    cancelled: bool = Field(description="This date or the whole event is cancelled")
    location_kind: str
    space: str
    group: str | None
    going: int
    my_rsvp: str | None
    url: str


class OccurrencePage(Schema):
    items: list[OccurrenceOut]
    next_cursor: str | None
    start: datetime
    end: datetime
    time_zone: str = Field(description="The caller's zone (local_starts_at is in it)")


def _aware(value: datetime, zone: tzinfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _out(occurrence: Occurrence, rsvp: Rsvp | None, zone: tzinfo) -> dict[str, Any]:
    event = occurrence.event
    return {
        "id": occurrence.pk,
        "event_id": event.pk,
        "title": event.title,
        "starts_at": occurrence.starts_at,
        "ends_at": occurrence.ends_at,
        "local_starts_at": timezone.localtime(occurrence.starts_at, zone).isoformat(),
        "time_zone": event.time_zone,
        "all_day": event.all_day,
        "recurring": bool(event.rrule),
        "state": event.state,
        "cancelled": occurrence.cancelled_at is not None or event.state == Event.CANCELLED,
        "location_kind": event.location_kind,
        "space": event.space.slug,
        "group": event.group.slug if event.group is not None else None,
        "going": occurrence.going_count,
        "my_rsvp": rsvp.state if rsvp is not None else None,
        "url": cq.date_url(occurrence),
    }


@router.get(
    "/events/occurrences",
    response={200: OccurrencePage, **API_ERRORS},
    summary="Dates of events in a window",
)
def list_occurrences(request: HttpRequest, params: Query[OccurrencesQuery]) -> dict[str, Any]:
    """The dates overlapping [start, end) that the caller may see, soonest first, in pages of `limit`.
    Filters: `space`, `group` (slugs), `mine`, `where` (online / in_person). 422 for a bad parameter."""
    guardian = guardian_of(request)
    zone = zone_of(guardian)
    try:
        start = _aware(params.start, zone) if params.start else timezone.now()
        end = _aware(params.end, zone) if params.end else start + timedelta(days=WINDOW_DAYS_DEFAULT)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid("The window is out of range.", field_errors={"start": ["is out of range"]}) from None
    if end <= start:
        raise Invalid("The end must be after the start.", field_errors={"end": ["must be after the start"]})
    if end - start > timedelta(days=WINDOW_DAYS_MAX):
        message = f"A window spans at most {WINDOW_DAYS_MAX} days."
        raise Invalid(message, field_errors={"end": [message]})
    raw = {"where": params.where or "", "group": params.group or "", "space": params.space or ""}
    filters = cq.parse_filters(guardian, raw)
    if filters.messages:
        field_errors: dict[str, list[str]] = {}
        for name, value in raw.items():
            if value and not (name == "where" and filters.where) and not getattr(filters, name, None):
                field_errors[name] = [
                    f"No such {name}." if name != "where" else 'Use "online" or "in_person".'
                ]
        raise Invalid(filters.messages[0], field_errors=field_errors)
    if params.mine:
        if guardian.user_id is None:
            raise Invalid(
                "Sign in to list your own events.", field_errors={"mine": ["needs a signed-in caller"]}
            )
        filters.mine = True
    try:
        rows, rsvps, next_cursor = cq.api_dates(
            guardian, start=start, end=end, filters=filters, cursor=params.cursor, limit=params.limit
        )
    except BadCursor as exc:
        raise Invalid(str(exc), field_errors={"cursor": [str(exc)]}) from None
    return {
        "items": [_out(row, rsvps.get(row.pk), zone) for row in rows],
        "next_cursor": next_cursor,
        "start": start,
        "end": end,
        "time_zone": cq.zone_name(zone),
    }
