"""Calendar events: a series (or a single event), its materialized occurrences, RSVPs and check-ins.

An `Event` is what a host writes: a title, a description, a place, a time zone and the start and end of
its first occurrence, and, for a series, an RRULE. The app materializes the occurrences of every event
into `Occurrence` rows (within a horizon, at most `recurrence.MAX_OCCURRENCES` per series), so that every
calendar page is one indexed range query, and so that an RSVP, a capacity, a waitlist, a cancelled or a
moved date belongs to one row that can be locked. A single event has exactly one occurrence.

`Occurrence.recurrence_id` is the occurrence's original start (the iCalendar RECURRENCE-ID): moving one
date keeps it, so RSVPs and exported calendars keep pointing at the same occurrence.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.core.models import TimeStamped

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
VENUE_MAX = 200
ADDRESS_MAX = 300
URL_MAX = 500
ZONE_MAX = 64
RRULE_MAX = 500
UID_MAX = 255
QUESTIONS_MAX = 5
QUESTION_MAX = 200
ANSWER_MAX = 1000
GUESTS_MAX = 20
CAPACITY_MAX = 100_000
CANCEL_REASON_MAX = 500


def new_uid() -> str:
    """A globally unique iCalendar UID for an event made here (imported events keep theirs)."""
    return f"{secrets.token_hex(16)}@townhall"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Event(TimeStamped):
    """A single event or a recurring series, in one space (and optionally offered to one group first)."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"
    LOCATION_KINDS = [(ONLINE, "Online"), (IN_PERSON, "In person"), (HYBRID, "Hybrid")]

    PENDING = "pending"  # waiting for a moderator's approval (member-hosted events where the space asks)
    PUBLISHED = "published"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    STATES = [(PENDING, "Waiting for approval"), (PUBLISHED, "Published"), (DECLINED, "Declined"),
              (CANCELLED, "Cancelled")]  # fmt: skip

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="calendar_events")
    group = models.ForeignKey(
        "community.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="calendar_events"
    )
    # Until then only the group's members may RSVP (the event is offered to them first); None: everyone.
    group_only_until = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    description_html = models.TextField(blank=True)
    cover = models.ForeignKey(
        "discussions.Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Time: the first occurrence, in UTC, and the zone its wall-clock time belongs to.
    time_zone = models.CharField(max_length=ZONE_MAX, default="UTC")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    all_day = models.BooleanField(default=False)
    rrule = models.CharField(max_length=RRULE_MAX, blank=True)  # "FREQ=WEEKLY;BYDAY=TU", "" when single
    # The end of the last occurrence (None while a series never ends): calendar ranges filter on it.
    series_ends_at = models.DateTimeField(null=True, blank=True)
    # A series split by "this and following" points to the series it came from.
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="continuations"
    )
    # Place.
    location_kind = models.CharField(max_length=10, choices=LOCATION_KINDS, default=IN_PERSON)
    online_url = models.URLField(max_length=URL_MAX, blank=True)  # shown to attendees shortly before
    venue = models.CharField(max_length=VENUE_MAX, blank=True)
    address = models.CharField(max_length=ADDRESS_MAX, blank=True)
    map_url = models.URLField(max_length=URL_MAX, blank=True)
    # Attending (per occurrence): capacity None is unlimited; guests is the most +N one RSVP may bring.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    guests_allowed = models.PositiveSmallIntegerField(default=0)
    rsvp_deadline_minutes = models.PositiveIntegerField(null=True, blank=True)  # before each start
    questions = models.JSONField(default=list, blank=True)  # [{"id": "q1", "text": ..., "required": bool}]
    # Lifecycle.
    state = models.CharField(max_length=10, choices=STATES, default=PUBLISHED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=CANCEL_REASON_MAX, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=CANCEL_REASON_MAX, blank=True)
    # iCalendar identity: the same UID forever, SEQUENCE raised by every change attendees must hear of.
    uid = models.CharField(max_length=UID_MAX, default=new_uid)
    sequence = models.PositiveIntegerField(default=0)
    # The discussion topic that holds the recap (the live chat promoted after the event), if any.
    recap_topic = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where the event's conversation lives (a chat thread's root message), made when first needed.
    chat_root = models.ForeignKey(
        "chat.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["space", "uid"], name="event_uid_per_space"),
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["space", "state", "starts_at"]),
            models.Index(fields=["group", "starts_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def online(self) -> bool:
        return self.location_kind in (self.ONLINE, self.HYBRID)

    @property
    def in_person(self) -> bool:
        return self.location_kind in (self.IN_PERSON, self.HYBRID)

    @property
    def live(self) -> bool:
        return self.state == self.PUBLISHED


class EventHost(models.Model):
    """A host or co-host: edits the event, sees its attendees, checks people in."""

    HOST = "host"
    COHOST = "cohost"
    ROLES = [(HOST, "Host"), (COHOST, "Co-host")]

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="hosts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=ROLES, default=COHOST)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="event_host_once")]
        indexes = [models.Index(fields=["user", "event"])]

    def __str__(self) -> str:
        return f"{self.role} of {self.event_id}"


class Occurrence(models.Model):
    """One date of an event. Counts are kept on the row (under its lock) for capacity and lists."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")  # = event.space
    recurrence_id = models.DateTimeField()  # the original start (UTC); kept when the date moves
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    moved = models.BooleanField(default=False)  # this one date was edited on its own ("this one")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=CANCEL_REASON_MAX, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # raised when this one date changes on its own
    going_count = models.PositiveIntegerField(default=0)  # people going, guests included
    maybe_count = models.PositiveIntegerField(default=0)
    waitlist_count = models.PositiveIntegerField(default=0)  # people waiting, guests included
    checked_in_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recurrence_id"], name="occurrence_once"),
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="occurrence_ends_after_start"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["starts_at", "id"]),
            models.Index(fields=["space", "starts_at"]),
            models.Index(fields=["event", "starts_at"]),
            models.Index(fields=["ends_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class Rsvp(TimeStamped):
    """One person's answer for one occurrence. Waitlisted people are promoted in `waitlisted_at` order."""

    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITLISTED = "waitlisted"
    STATES = [(GOING, "Going"), (MAYBE, "Maybe"), (NOT_GOING, "Not going"), (WAITLISTED, "On the waitlist")]
    ANSWERS = (GOING, MAYBE, NOT_GOING)  # what a person chooses; WAITLISTED is what a full event gives

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")  # = occurrence.event
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=12, choices=STATES)
    guests = models.PositiveSmallIntegerField(default=0)
    answers = models.JSONField(default=dict, blank=True)  # question id -> answer text
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.CharField(max_length=40, unique=True, default=new_token)  # the QR code's secret

    class Meta:
        constraints = [models.UniqueConstraint(fields=["occurrence", "user"], name="rsvp_once")]
        indexes = [
            models.Index(fields=["occurrence", "state", "waitlisted_at"]),
            models.Index(fields=["user", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} for {self.occurrence_id}"

    @property
    def seats(self) -> int:
        return 1 + self.guests


class FeedToken(models.Model):
    """The secret in a member's personal calendar feed URL ("events I'm going to"); reset makes a new one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feed of {self.user_id}"


class ReminderSettings(models.Model):
    """When a member wants event reminders (minutes before the start); no row: the defaults."""

    DEFAULT_OFFSETS = [1440, 60]  # a day and an hour before

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offsets = models.JSONField(default=list)  # minutes before the start, e.g. [1440, 60]; [] for none
    starting_now = models.BooleanField(default=True)  # a push with the join link when an online event starts
    follow_up = models.BooleanField(default=True)  # after the event: asks attendees for a recap or feedback

    def __str__(self) -> str:
        return f"reminders of {self.user_id}"


class ReminderSent(models.Model):
    """A reminder that has gone out (claimed before sending), so that none fires twice."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)  # "before:1440", "before:60", "starting", "follow_up"
    starts_at = models.DateTimeField()  # the start it was about: a moved occurrence is reminded again
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "kind", "starts_at"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.occurrence_id}"
