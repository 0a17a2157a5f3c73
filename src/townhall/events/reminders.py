"""Reminders about the dates people are going to: before the start (at each member's chosen offsets),
"starting now" for online events (with the join link), and a follow-up after the end asking for a recap.

There is no scheduler: `tasks.reminder_tick` runs every TICK_SECONDS (it enqueues itself again with the
database queue's `run_after`, like the email channel's tick), so reminders survive restarts: a tick
looks at what is due now, whatever happened before. Each reminder is claimed once per (occurrence,
kind, start) with an INSERT into ReminderSent that a unique constraint refuses the second time: two
workers, a retried tick or a restarted worker never send it twice. A moved date has a new start, so
it is reminded again at its new time (and the old reminder, if not delivered yet, is dropped at
delivery: notices.still_attending compares the start).

A reminder is due from its time until half its lead has passed (a "1 day before" reminder missed by
a stopped worker still goes out 20 hours before, never 2 hours before); "starting now" within
STARTING_LATE of the start; the follow-up within FOLLOW_UP_LATE of the end. Dates created after their
reminder time (an event set up an hour ahead) get only the reminders still ahead.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from townhall.core.effects import emit
from townhall.events.events import ReminderDue
from townhall.events.models import Event, Occurrence, ReminderSent, ReminderSettings, Rsvp

logger = logging.getLogger(__name__)

# Minutes before the start that a member may choose (the settings page and the API offer these).
OFFSET_CHOICES: list[tuple[int, str]] = [
    (10080, "1 week before"),
    (1440, "1 day before"),
    (180, "3 hours before"),
    (60, "1 hour before"),
    (15, "15 minutes before"),
]
OFFSETS = frozenset(minutes for minutes, _label in OFFSET_CHOICES)
DEFAULT_OFFSETS = tuple(ReminderSettings.DEFAULT_OFFSETS)
STARTING_LATE = dt.timedelta(minutes=15)
FOLLOW_UP_LATE = dt.timedelta(days=1)
LOOK_AHEAD = dt.timedelta(minutes=max(OFFSETS))
BEFORE_STATES = (Rsvp.GOING, Rsvp.MAYBE)
DUE_MAX = 500  # dates handled per tick (the next tick takes the rest)


@dataclass(frozen=True)
class Choice:
    """What one member wants (ReminderSettings, or the defaults when they never chose)."""

    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    starting_now: bool = True
    follow_up: bool = True

    def wants(self, kind: str) -> bool:
        if kind == "starting":
            return self.starting_now
        if kind == "follow_up":
            return self.follow_up
        return int(kind.split(":", 1)[1]) in self.offsets


def choices_of(user_ids: list[int]) -> dict[int, Choice]:
    """Each member's choice (one query); members without a row get the defaults."""
    found = {
        row.user_id: Choice(
            offsets=tuple(int(m) for m in row.offsets if int(m) in OFFSETS),
            starting_now=row.starting_now,
            follow_up=row.follow_up,
        )
        for row in ReminderSettings.objects.filter(user_id__in=user_ids)
    }
    return {user_id: found.get(user_id, Choice()) for user_id in user_ids}


def due_kinds(occurrence: Occurrence, now: dt.datetime) -> list[str]:
    """The reminder kinds of this date that are due at `now` (see the module docstring)."""
    kinds: list[str] = []
    start = occurrence.starts_at
    if now < start:
        for minutes in sorted(OFFSETS, reverse=True):
            lead = dt.timedelta(minutes=minutes)
            fire_at = start - lead
            if fire_at <= now < fire_at + lead / 2:
                kinds.append(f"before:{minutes}")
    event = occurrence.event
    if event.online and start <= now < start + STARTING_LATE and now < occurrence.ends_at:
        kinds.append("starting")
    if occurrence.ends_at <= now < occurrence.ends_at + FOLLOW_UP_LATE:
        kinds.append("follow_up")
    return kinds


def _states(kind: str) -> tuple[str, ...]:
    return BEFORE_STATES if kind.startswith("before:") else (Rsvp.GOING,)


def claim(occurrence: Occurrence, kind: str) -> bool:
    """Record that this reminder goes out; False when it was claimed already (by any worker)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(occurrence=occurrence, kind=kind, starts_at=occurrence.starts_at)
    except IntegrityError:
        return False
    return True


def candidates(now: dt.datetime) -> list[Occurrence]:
    """Dates that may have a reminder due: starting within the longest lead, started a moment ago, or
    just over; of published events; not cancelled; with somebody going or maybe going (one query)."""
    window = Q(starts_at__gt=now - STARTING_LATE, starts_at__lte=now + LOOK_AHEAD) | Q(
        ends_at__gt=now - FOLLOW_UP_LATE, ends_at__lte=now
    )
    return list(
        Occurrence.objects.select_related("event")
        .filter(window, cancelled_at__isnull=True, event__state=Event.PUBLISHED)
        .filter(Q(going_count__gt=0) | Q(maybe_count__gt=0))
        .order_by("starts_at", "id")[:DUE_MAX]
    )


def run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One tick: claim every due reminder once and tell those who want it. Returns counts."""
    now = now or timezone.now()
    due = [(occurrence, kind) for occurrence in candidates(now) for kind in due_kinds(occurrence, now)]
    counts: dict[str, int] = defaultdict(int)
    if not due:
        return dict(counts)
    answers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = Rsvp.objects.filter(occurrence_id__in={o.pk for o, _k in due}, state__in=BEFORE_STATES)
    for occurrence_id, user_id, state in rows.values_list("occurrence_id", "user_id", "state"):
        answers[occurrence_id].append((user_id, state))
    wanted = choices_of(sorted({user_id for pairs in answers.values() for user_id, _s in pairs}))
    for occurrence, kind in due:
        states = _states(kind)
        people = sorted(
            user_id
            for user_id, state in answers[occurrence.pk]
            if state in states and wanted[user_id].wants(kind)
        )
        with transaction.atomic():
            if not claim(occurrence, kind):
                counts["already"] += 1
                continue
            counts["claimed"] += 1
            if people:
                emit(
                    ReminderDue(
                        occurrence_id=occurrence.pk, event_id=occurrence.event_id,
                        space_id=occurrence.space_id, kind=kind, starts_at=occurrence.starts_at.isoformat(),
                        user_ids=tuple(people), states=states,
                    )
                )  # fmt: skip
                counts["people"] += len(people)
    return dict(counts)
