"""Importing an iCalendar file into a space: the action behind the import page, the API and the CLI.

`import_calendar(guardian, space, result)` takes what `ics.read_calendar` read and, in ONE transaction,
creates each event (or updates the event of the space with the same UID when the file's copy is newer),
applies the file's excluded dates (EXDATE) and moved or cancelled dates (RECURRENCE-ID), and returns an
`ImportReport`. Every event goes through the same checks as one typed on the form (`clean_event`) and
gets its occurrences materialized (`occurrences.sync_occurrences`); an update goes through
`actions.update_event` (or `actions.cancel_event`), so attendees hear of a change exactly as when a host
edits by hand.

What an import does not do: announce each new event. Members are not sent one notification per imported
event (a calendar of 300 dates would flood them); new events emit EventEdited (search and calendars
refresh, nobody is notified) and the import records one Activity row per event ("event.created").
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.content.mentions import render_post
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.events import actions, occurrences
from townhall.events.actions import EventInput, clean_event
from townhall.events.events import EventData, EventEdited
from townhall.events.ics.records import IcsEvent, ReadResult, Skipped
from townhall.events.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    UID_MAX,
    URL_MAX,
    VENUE_MAX,
    Event,
    EventHost,
    Occurrence,
)
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

IMPORT_RATE = "10/h"
UNTITLED = "Untitled event"
NO_PLACE = "No place given in the imported calendar"
EXCLUDED = "Not held (excluded in the imported calendar)."
CANCELLED_IN_FILE = "Cancelled in the imported calendar."
MOMENT = timedelta(hours=1)  # an event with no end (a moment) becomes an hour long: events need an end


@dataclass
class Item:
    uid: str
    title: str
    line: int | None = None
    start: str = ""  # ISO 8601
    reason: str = ""  # why skipped, or what was left out
    event_id: int | None = None
    what: str = "VEVENT"
    zone: str = ""  # the event's own zone; `start` is in it
    all_day: bool = False


@dataclass
class ImportReport:
    """What an import did (or, dry, would do)."""

    name: str = ""
    dry_run: bool = False
    created: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    first_start: str | None = None
    last_start: str | None = None

    def note_start(self, start: datetime) -> None:
        iso = start.astimezone(UTC).isoformat()
        if self.first_start is None or iso < self.first_start:
            self.first_start = iso
        if self.last_start is None or iso > self.last_start:
            self.last_start = iso

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dry_run": self.dry_run,
            "created": len(self.created),
            "updated": len(self.updated),
            "skipped": [
                {k: v for k, v in asdict(item).items() if k in ("uid", "title", "line", "what", "reason")}
                for item in self.skipped
            ],
            "first_start": self.first_start,
            "last_start": self.last_start,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


class _DryRun(Exception):
    """Raised at the end of a dry run, to roll everything back."""


def import_calendar(
    guardian: Guardian,
    space: Space,
    result: ReadResult,
    *,
    default_zone: str = "",
    dry_run: bool = False,
    rate_limited: bool = True,
) -> ImportReport:
    """Import the events of `result` into `space`, all in one transaction; `dry_run` stores nothing.

    Locks each existing event it updates (through `update_event`). An event is skipped, with its reason
    in the report, when it cannot be stored as it is (a field `clean_event` refuses, a UID too long, a
    time in a daylight-saving gap, a rule Townhall does not take), when the space already has it and the
    file's copy is not newer (SEQUENCE, then LAST-MODIFIED against the event's last change), or when the
    person may not change the existing event. Floating times (no zone in the file) are read in
    the calendar's X-WR-TIMEZONE, else `default_zone` (the importing person's), else UTC.

    Errors: NotFound (space unseen), PermissionDenied (may not import here), RateLimited (pages and the
    API; not dry runs, not the command line, `rate_limited=False`).
    """
    guardian.events.import_calendar.ensure(space)
    if rate_limited and not dry_run:
        ratelimit.hit(
            f"events-import:{guardian.user_id}", getattr(settings, "EVENTS_IMPORT_RATE", IMPORT_RATE)
        )
    report = ImportReport(name=result.name, dry_run=dry_run)
    report.skipped.extend(_skipped(s) for s in result.skipped)
    zone = result.zone_name or default_zone or "UTC"
    try:
        with transaction.atomic():
            _Importer(guardian, space, report, zone=zone).run(result.events)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _skipped(skip: Skipped) -> Item:
    return Item(uid=skip.uid, title="", line=skip.line, reason=skip.reason, what=skip.what)


class _Importer:
    def __init__(self, guardian: Guardian, space: Space, report: ImportReport, *, zone: str) -> None:
        self.guardian = guardian
        self.space = space
        self.report = report
        self.zone = zone
        self.now = timezone.now()

    def run(self, events: list[IcsEvent]) -> None:
        masters: dict[str, IcsEvent] = {}
        overrides: list[IcsEvent] = []
        for event in events:
            if event.recurrence_id is not None:
                overrides.append(event)
            elif event.uid in masters:
                self.skip(event, "the file holds another event with the same UID before it")
            else:
                masters[event.uid] = event
        existing = {
            e.uid: e
            for e in Event.objects.filter(space=self.space, uid__in=list(masters)).select_related("space")
        }
        stored: dict[str, Event] = {}
        for uid, event in masters.items():
            with transaction.atomic():  # a savepoint: one event's failure leaves the others whole
                try:
                    found = self.store(event, existing.get(uid))
                except Invalid as exc:
                    self.skip(event, exc.message)
                    transaction.set_rollback(True)
                    continue
                except (PermissionDenied, NotFound) as exc:
                    reason = getattr(exc, "reason", "") or "you may not change it"
                    self.skip(event, f"the space already has this event, and {_lower(reason)}")
                    transaction.set_rollback(True)
                    continue
            if found is not None:
                stored[uid] = found
        for override in overrides:
            self.override(override, stored.get(override.uid))

    def skip(self, event: IcsEvent, reason: str) -> None:
        self.report.skipped.append(
            Item(uid=event.uid, title=event.title, line=event.line, start=_iso(event.start), reason=reason)
        )

    # One event.

    def store(self, event: IcsEvent, current: Event | None) -> Event | None:
        if len(event.uid) > UID_MAX:
            raise Invalid(f"its UID is longer than {UID_MAX} characters")
        if current is None:
            if event.status == "CANCELLED":
                self.skip(event, "it is cancelled")
                return None
            return self.create(event)
        newer, why = self.newer(event, current)
        if not newer:
            self.skip(event, why)
            return None
        if event.status == "CANCELLED":
            if current.state == Event.CANCELLED:
                self.skip(event, "it is cancelled, and so is the event here")
                return None
            actions.cancel_event(self.guardian, current, reason=CANCELLED_IN_FILE)
        else:
            data = self.event_input(event, keep=current)
            current = actions.update_event(self.guardian, current, data=data)
            if event.sequence > current.sequence:
                Event.objects.filter(pk=current.pk).update(sequence=event.sequence)
                current.sequence = event.sequence
        self.exclude(current, event)
        self.report.updated.append(self.item(event, current))
        self.report.note_start(current.starts_at)
        return current

    def newer(self, event: IcsEvent, current: Event) -> tuple[bool, str]:
        if event.sequence > current.sequence:
            return True, ""
        if (
            event.sequence == current.sequence
            and event.last_modified
            and event.last_modified > current.updated_at
        ):
            return True, ""
        return False, (
            f"already imported, and the file's copy is not newer (SEQUENCE {event.sequence}, "
            f"here {current.sequence}; last changed here {current.updated_at:%Y-%m-%d %H:%M} UTC)"
        )

    def create(self, event: IcsEvent) -> Event:
        cleaned = clean_event(self.event_input(event))
        html = render_post(cleaned.values["description"])[0] if cleaned.values["description"] else ""
        created = Event.objects.create(
            space=self.space,
            created_by=self.guardian.user,
            description_html=html,
            state=Event.PUBLISHED,
            uid=event.uid,
            sequence=event.sequence,
            **cleaned.values,
        )
        EventHost.objects.create(event=created, user_id=cast(int, self.guardian.user_id), role=EventHost.HOST)
        occurrences.sync_occurrences(created)
        self.exclude(created, event)
        record_activity(
            self.guardian.user,
            "event.created",
            created,
            space_id=self.space.pk,
            data=EventData(title=created.title[:200], starts_at=created.starts_at.isoformat()),
        )
        emit(EventEdited(event_id=created.pk, space_id=self.space.pk, actor_id=self.guardian.user_id))
        self.report.created.append(self.item(event, created))
        self.report.note_start(created.starts_at)
        return created

    def item(self, event: IcsEvent, stored: Event) -> Item:
        local = stored.starts_at.astimezone(ZoneInfo(stored.time_zone))
        return Item(
            uid=event.uid,
            title=stored.title,
            line=event.line,
            start=local.isoformat(),
            event_id=stored.pk,
            zone=stored.time_zone,
            all_day=stored.all_day,
        )

    def event_input(self, event: IcsEvent, *, keep: Event | None = None) -> EventInput:
        """The file's event as the form would give it; what the file does not say is kept from `keep`."""
        zone = event.zone_name or self.zone
        start_local, end_local = self.local_times(event, zone)
        title = event.title.strip() or UNTITLED
        if len(title) > TITLE_MAX:
            title = title[: TITLE_MAX - 1].rstrip() + "…"
        description = event.description.strip()
        if event.url and event.url not in description:
            description = f"{description}\n\n{event.url}".strip()
        if len(description) > DESCRIPTION_MAX:
            description = description[: DESCRIPTION_MAX - 1].rstrip() + "…"
        kind, online_url, venue, address = _place(event)
        values: dict[str, Any] = {}
        if keep is not None:
            values = {
                "capacity": keep.capacity, "guests_allowed": keep.guests_allowed,
                "rsvp_deadline_minutes": keep.rsvp_deadline_minutes, "questions": keep.questions,
                "group_id": keep.group_id, "map_url": keep.map_url,
                "group_only_until_local": (
                    keep.group_only_until.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
                    if keep.group_only_until else None
                ),
            }  # fmt: skip
            if not online_url and keep.online_url and kind == Event.IN_PERSON and venue == NO_PLACE:
                kind, online_url, venue = keep.location_kind, keep.online_url, keep.venue
        return EventInput(
            title=title,
            starts_local=start_local,
            ends_local=end_local,
            time_zone=zone,
            description=description,
            all_day=event.all_day,
            rrule=_local_rule(event.rrule, zone),
            location_kind=kind,
            online_url=online_url,
            venue=venue,
            address=address,
            **values,
        )

    @staticmethod
    def local_times(event: IcsEvent, zone: str) -> tuple[datetime, datetime]:
        """Naive wall-clock times in `zone`; an all-day event's end is its last day (the form's way)."""
        if event.all_day:
            assert isinstance(event.start, date) and isinstance(event.end, date)
            start_day = event.start if not isinstance(event.start, datetime) else event.start.date()
            end_day = event.end if not isinstance(event.end, datetime) else event.end.date()
            last = max(start_day, end_day - timedelta(days=1))
            return datetime.combine(start_day, time(0)), datetime.combine(last, time(0))
        assert isinstance(event.start, datetime) and isinstance(event.end, datetime)
        tz = ZoneInfo(zone)
        start = event.start.astimezone(tz) if event.start.tzinfo else event.start.replace(tzinfo=tz)
        end = event.end.astimezone(tz) if event.end.tzinfo else event.end.replace(tzinfo=tz)
        if end == start:
            end = start + MOMENT
        return start.replace(tzinfo=None), end.replace(tzinfo=None)

    # Dates of a series.

    def exclude(self, stored: Event, event: IcsEvent) -> None:
        """The file's EXDATEs: those dates stay as cancelled rows (a deleted row would come back when the
        occurrences are next synced)."""
        if not event.exdates or not stored.rrule:
            return
        ids = [_utc_moment(value, stored) for value in event.exdates]
        Occurrence.objects.filter(event=stored, recurrence_id__in=ids, cancelled_at__isnull=True).update(
            cancelled_at=self.now, cancel_reason=EXCLUDED
        )

    def override(self, event: IcsEvent, series: Event | None) -> None:
        """A moved or cancelled date of a series (RECURRENCE-ID). Only its time and status are kept."""
        if series is None:
            series = Event.objects.filter(space=self.space, uid=event.uid).first()
            if series is None:
                self.skip(
                    event, "it changes one date of a series that is neither in the file nor in the space"
                )
                return
            if not self.guardian.events.edit.can(series):
                self.skip(event, "it changes one date of an event here that you may not change")
                return
        assert event.recurrence_id is not None
        occurrence = (
            Occurrence.objects.select_for_update()
            .filter(event=series, recurrence_id=_utc_moment(event.recurrence_id, series))
            .first()
        )
        if occurrence is None:
            self.skip(event, "the date it changes is not part of the series here (too far back or ahead)")
            return
        if occurrence.ends_at <= self.now:
            return  # the past stays as it was
        if event.status == "CANCELLED":
            if occurrence.cancelled_at is None:
                occurrence.cancelled_at, occurrence.cancel_reason = self.now, CANCELLED_IN_FILE
                occurrence.save(update_fields=["cancelled_at", "cancel_reason"])
            return
        start_local, end_local = self.local_times(event, series.time_zone)
        tz = ZoneInfo(series.time_zone)
        starts_at = start_local.replace(tzinfo=tz).astimezone(UTC)
        ends_at = end_local.replace(tzinfo=tz).astimezone(UTC)
        if series.all_day:
            ends_at = (end_local + timedelta(days=1)).replace(tzinfo=tz).astimezone(UTC)
        if (occurrence.starts_at, occurrence.ends_at) != (starts_at, ends_at):
            occurrence.starts_at, occurrence.ends_at, occurrence.moved = starts_at, ends_at, True
            occurrence.sequence = max(occurrence.sequence + 1, event.sequence)
            occurrence.save(update_fields=["starts_at", "ends_at", "moved", "sequence"])


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:] if message else message


def _iso(value: datetime | date) -> str:
    return value.isoformat()


def _utc_moment(value: datetime | date, series: Event) -> datetime:
    """An EXDATE or RECURRENCE-ID as the UTC start it names (how Occurrence.recurrence_id is stored)."""
    tz = ZoneInfo(series.time_zone)
    if not isinstance(value, datetime):
        local = (
            datetime.combine(value, time(0))
            if series.all_day
            else datetime.combine(value, occurrences.wall_time(series).time())
        )
        return local.replace(tzinfo=tz).astimezone(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=tz).astimezone(UTC)
    return value.astimezone(UTC)


_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6}Z?)?)", re.IGNORECASE)


def _local_rule(rule: str, zone: str) -> str:
    """The rule as the recurrence engine takes it: UNTIL in the event's wall-clock time, not UTC."""
    match = _UNTIL.search(rule)
    if not match or not match.group(1).upper().endswith("Z"):
        return rule
    until = datetime.strptime(match.group(1).upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    local = until.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")
    return rule[: match.start(1)] + local + rule[match.end(1) :]


_LINK = re.compile(r"^https?://\S+$")


def _place(event: IcsEvent) -> tuple[str, str, str, str]:
    """(location_kind, online_url, venue, address) from LOCATION and the join link."""
    location = " ".join(event.location.split()) if "\n" not in event.location else event.location.strip()
    online_url = event.conference_url if len(event.conference_url) <= URL_MAX else ""
    if _LINK.match(location) and len(location) <= URL_MAX:
        return Event.ONLINE, online_url or location, "", ""
    if not location:
        if online_url:
            return Event.ONLINE, online_url, "", ""
        return Event.IN_PERSON, "", NO_PLACE, ""
    parts = [p.strip() for p in re.split(r"\n|,", location) if p.strip()]
    venue, address = parts[0], ", ".join(parts[1:])
    if len(venue) > VENUE_MAX:
        venue = venue[: VENUE_MAX - 1].rstrip() + "…"
    if len(address) > ADDRESS_MAX:
        address = address[: ADDRESS_MAX - 1].rstrip() + "…"
    return (Event.HYBRID if online_url else Event.IN_PERSON), online_url, venue, address
