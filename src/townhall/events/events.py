"""What the events app tells the rest of the house: its domain events and its Activity verbs.

(`events/` means calendar events; the domain events of ARCHITECTURE §4 are the dataclasses below.)
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.activity.verbs import MODERATORS, PRIVATE, Verb
from townhall.core.effects import DomainEvent

# Events that tell people something (published, submitted, reviewed, changed, cancelled, promoted): the
# notifications app's consumer, registered by events/notices.py, is a durable task for each.


@dataclass(frozen=True)
class EventPublished(DomainEvent):
    """A new event is on the calendar (created published, or approved)."""

    required_consumers = ("notifications",)  # remind: events/notices.py handles it

    event_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class EventSubmitted(DomainEvent):
    """A member's event waits for a moderator's approval."""

    required_consumers = ("notifications",)  # remind: events/notices.py handles it

    event_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class EventReviewed(DomainEvent):
    """A moderator approved or declined a member's event (the host hears of it)."""

    required_consumers = ("notifications",)  # remind: events/notices.py handles it

    event_id: int
    space_id: int
    actor_id: int | None
    approved: bool


@dataclass(frozen=True)
class EventChanged(DomainEvent):
    """The time or place of an event (or of one occurrence) changed: attendees are told, with an updated
    `.ics` (same UID, higher SEQUENCE). `occurrence_id` None: the whole series."""

    required_consumers = ("notifications",)  # remind: events/notices.py handles it

    event_id: int
    space_id: int
    actor_id: int | None
    occurrence_id: int | None = None


@dataclass(frozen=True)
class EventCancelled(DomainEvent):
    """The event (or one occurrence of it) is cancelled; attendees get a cancelled `.ics`."""

    required_consumers = ("notifications",)  # remind: events/notices.py handles it

    event_id: int
    space_id: int
    actor_id: int | None
    occurrence_id: int | None = None


@dataclass(frozen=True)
class EventEdited(DomainEvent):
    """Anything about an event changed (search and calendars refresh; nobody is notified)."""

    event_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class EventDeleted(DomainEvent):
    event_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class RsvpChanged(DomainEvent):
    """Someone answered (or changed their answer); `state` is what they have now."""

    occurrence_id: int
    event_id: int
    space_id: int
    user_id: int
    state: str


@dataclass(frozen=True)
class WaitlistPromoted(DomainEvent):
    """A seat freed up and the next person on the waitlist is now going (they hear of it)."""

    required_consumers = ("notifications",)  # remind: events/notices.py handles it

    occurrence_id: int
    event_id: int
    space_id: int
    user_id: int


@dataclass(frozen=True)
class CheckedIn(DomainEvent):
    occurrence_id: int
    event_id: int
    space_id: int
    user_id: int
    actor_id: int | None


# --- remind: reminders (events/reminders.py claims each once, events/notices.py tells the people) ------
@dataclass(frozen=True)
class ReminderDue(DomainEvent):
    """A reminder about one date is due: `kind` "before:<minutes>", "starting" or "follow_up", about the
    date's start at `starts_at` (ISO 8601), for `user_ids` (who want it), answered as one of `states`."""

    required_consumers = ("notifications",)

    occurrence_id: int
    event_id: int
    space_id: int
    kind: str
    starts_at: str
    user_ids: tuple[int, ...] = ()
    states: tuple[str, ...] = ("going",)


# --- door (check-in at the door; helper "door") ---
@dataclass(frozen=True)
class CheckInUndone(DomainEvent):
    """A host took back a check-in made by mistake."""

    occurrence_id: int
    event_id: int
    space_id: int
    user_id: int
    actor_id: int | None


# --- Activity verbs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventData:
    title: str
    starts_at: str  # ISO 8601


@dataclass(frozen=True)
class OccurrenceData:
    event_id: int
    starts_at: str  # ISO 8601


@dataclass(frozen=True)
class RsvpData:
    event_id: int
    occurrence_id: int
    state: str
    guests: int = 0


@dataclass(frozen=True)
class AttendedData:
    event_id: int
    occurrence_id: int
    guests: int = 0


# --- door ---
@dataclass(frozen=True)
class LiveChatData:
    event_id: int
    message_id: int


@dataclass(frozen=True)
class RecapData:
    event_id: int
    topic_id: int


VERBS = [
    Verb("event.created", EventData),
    Verb("event.submitted", EventData, audience=MODERATORS),
    Verb("event.approved", EventData),
    Verb("event.declined", EventData, audience=MODERATORS),
    Verb("event.edited", EventData),
    Verb("event.cancelled", EventData),
    Verb("event.deleted", EventData, audience=MODERATORS),
    Verb("occurrence.moved", OccurrenceData),
    Verb("occurrence.cancelled", OccurrenceData),
    Verb("event.rsvp", RsvpData, audience=PRIVATE),
    Verb("event.promoted", RsvpData, audience=PRIVATE),
    # Attendance, for analytics and impact: one row per person checked in (the target is the occurrence).
    Verb("event.attended", AttendedData),
    # --- door: a check-in taken back (the log is append-only); live chat opened, recap promoted ---
    Verb("event.attendance_undone", AttendedData),
    Verb("event.live_chat_opened", LiveChatData),
    Verb("event.recap_promoted", RecapData),
]

# --- dates (helper "dates"): one date of a series cancelled on its own and taken back ---------------
VERBS.append(Verb("occurrence.restored", OccurrenceData))
