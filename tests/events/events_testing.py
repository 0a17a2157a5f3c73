"""Helpers for the events tests: an EventInput with sensible defaults, and making events quickly."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from townhall.events import actions
from townhall.events.actions import EventInput
from townhall.events.models import Event, Occurrence
from townhall.policy import Guardian

ZONE = "Europe/Berlin"


def local_in(days: int = 7, hour: int = 19, zone: str = ZONE) -> datetime:
    """A naive wall-clock time `days` from now at `hour`:00 in `zone`."""
    now = timezone.now().astimezone(ZoneInfo(zone))
    return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)


def event_input(**fields: Any) -> EventInput:
    start = fields.pop("starts_local", None) or local_in()
    values: dict[str, Any] = {
        "title": "Star party on the hill",
        "starts_local": start,
        "ends_local": fields.pop("ends_local", None) or start + timedelta(hours=2),
        "time_zone": ZONE,
        "description": "Bring a red torch.",
        "location_kind": Event.IN_PERSON,
        "venue": "Observatory hill",
        "address": "Sternwarte 1, Berlin",
    }
    values.update(fields)
    return EventInput(**values)


def make_event(user: Any, space: Any, **fields: Any) -> Event:
    """An event created through the action, by `user` (who must be allowed to)."""
    return actions.create_event(Guardian(user), space, data=event_input(**fields))


def first_date(event: Event) -> Occurrence:
    return Occurrence.objects.filter(event=event).order_by("starts_at").first()  # type: ignore[return-value]


def input_for(event: Event, **fields: Any) -> EventInput:
    """The event as it is now, as input (with `fields` changed): for update tests."""
    zone = ZoneInfo(event.time_zone)
    start = event.starts_at.astimezone(zone).replace(tzinfo=None)
    values: dict[str, Any] = {
        "title": event.title, "starts_local": start,
        "ends_local": event.ends_at.astimezone(zone).replace(tzinfo=None), "time_zone": event.time_zone,
        "description": event.description, "all_day": event.all_day, "rrule": event.rrule,
        "location_kind": event.location_kind, "online_url": event.online_url, "venue": event.venue,
        "address": event.address, "map_url": event.map_url, "capacity": event.capacity,
        "guests_allowed": event.guests_allowed, "rsvp_deadline_minutes": event.rsvp_deadline_minutes,
        "questions": event.questions, "group_id": event.group_id,
    }  # fmt: skip
    if event.all_day:
        values["ends_local"] = values["ends_local"] - timedelta(days=1)
    values.update(fields)
    return EventInput(**values)
