"""What an iCalendar file holds about events (read) and what Townhall writes about them (out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
METHODS = ("PUBLISH", "REQUEST", "CANCEL")


class IcsError(Exception):
    """The file as a whole cannot be read; `message` is a sentence to show the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IcsEvent:
    """One VEVENT as the file holds it.

    Times: for a timed event `start`/`end` are aware datetimes in `zone_name` (an IANA name, or "UTC").
    A floating time (no zone in the file, no X-WR-TIMEZONE) gives naive datetimes and `zone_name` None:
    the importer decides which zone they mean. For an all-day event they are dates, `end` exclusive
    (a one-day event ends the next day), and `zone_name` is None.
    `exdates`, `rdates` and `recurrence_id` have the same kind (aware, naive or date) as `start`.
    """

    uid: str
    title: str
    start: datetime | date
    end: datetime | date
    all_day: bool = False
    zone_name: str | None = None
    sequence: int = 0
    description: str = ""
    rrule: str = ""  # "FREQ=WEEKLY;BYDAY=TU", UNTIL in UTC when the start is timed, "" for a single event
    exdates: tuple[datetime | date, ...] = ()
    rdates: tuple[datetime | date, ...] = ()  # extra dates of a series (kept, rarely used by producers)
    recurrence_id: datetime | date | None = None  # set on an overridden (moved, cancelled) instance
    status: str = "CONFIRMED"
    location: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()
    organizer_name: str = ""
    organizer_email: str = ""
    has_alarms: bool = False
    last_modified: datetime | None = None  # UTC
    line: int | None = None  # where BEGIN:VEVENT is in the file (1-based)
    uid_made_up: bool = False  # the file gave no UID; one was derived from the start and the title

    @property
    def floating(self) -> bool:
        return not self.all_day and self.zone_name is None


@dataclass(frozen=True)
class Skipped:
    """A component of the file that was not read as an event, and why."""

    what: str  # "VEVENT", "VTODO", "VJOURNAL", ...
    uid: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class ReadResult:
    name: str  # X-WR-CALNAME or NAME, "" when absent
    zone_name: str | None  # X-WR-TIMEZONE resolved to an IANA name
    events: list[IcsEvent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    product: str = ""  # PRODID, for messages ("a Google Calendar export")


@dataclass(frozen=True)
class OutEvent:
    """What Townhall writes for one event (a series, a single event, or one overriding instance).

    Timed: `start`/`end` aware, written in `zone_name` (IANA, or "UTC"). All day: `start`/`end` dates,
    `end` exclusive, `zone_name` ignored. `recurrence_id` (same kind as `start`) marks an instance that
    overrides one date of the series with the same `uid`.
    """

    uid: str
    title: str
    start: datetime | date
    end: datetime | date
    stamp: datetime  # DTSTAMP: when this file was made (or the object last changed), written in UTC
    zone_name: str = "UTC"
    all_day: bool = False
    sequence: int = 0
    created: datetime | None = None
    last_modified: datetime | None = None
    description: str = ""  # plain text
    url: str = ""
    rrule: str = ""
    exdates: tuple[datetime | date, ...] = ()
    recurrence_id: datetime | date | None = None
    status: str = "CONFIRMED"
    location: str = ""
    geo: tuple[float, float] | None = None  # (latitude, longitude)
    organizer_name: str = ""
    organizer_email: str = ""
    categories: tuple[str, ...] = ()
