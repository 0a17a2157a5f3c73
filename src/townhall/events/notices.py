"""The notifications that calendar events cause, and who gets them (registered in EventsConfig.ready()).

- a member's event waiting for approval tells those who decide it: the space's moderators and the
  community's ("event_submitted");
- the decision tells the event's creator ("event_reviewed": approved or declined);
- a new published event tells the members who watch its space (an explicit ask to hear of everything
  there; in the page only by default: "event_published");
- a change of time or place, or a cancellation, tells everyone going, maybe going or waiting for the
  dates it touches ("event_changed", "event_cancelled"), by email too, with an updated or a cancelled
  `.ics` attached (same UID, higher SEQUENCE): see `attachments_for`;
- a seat freed up: the person promoted from the waitlist hears "You're in" ("event_promoted");
- reminders before a date, "starting now" with the join link, and a follow-up asking for a recap
  (events/reminders.py decides when; "event_reminder", "event_starting", "event_follow_up").

Times in the text are in each recipient's own zone: a notice is made per zone among the recipients.
At delivery, every channel asks the kind's `still_visible`: the event is still readable to the person
(and, for reminders and promotions, the person is still going to a date that has not moved).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format

from townhall.accounts.models import User
from townhall.community.models import Membership
from townhall.core import effects, registries
from townhall.core.registries import AccountSettingsPage
from townhall.discussions.models import WATCHING, SpaceFollow
from townhall.events import tasks
from townhall.events.events import (
    EventCancelled,
    EventChanged,
    EventPublished,
    EventReviewed,
    EventSubmitted,
    ReminderDue,
    RsvpChanged,
    WaitlistPromoted,
)
from townhall.events.ics.write import calendar_bytes
from townhall.events.ics_out import date_path, event_path, out_events
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.notifications import kinds
from townhall.notifications.checks import blocked_actor, target_id
from townhall.notifications.kinds import Kind, Notice, excerpt
from townhall.notifications.models import EMAIL, PUSH, WEB
from townhall.spaces.models import SpaceMembership

ALL = frozenset({WEB, EMAIL, PUSH})
ATTENDING = (Rsvp.GOING, Rsvp.MAYBE, Rsvp.WAITLISTED)
DECIDERS = (Membership.OWNER, Membership.ADMIN, Membership.MODERATOR)
ICS_TYPE = "text/calendar"


# --- checks at delivery ------------------------------------------------------------------------------
def _event_of(notification: Any) -> Event | None:
    event_id = target_id(notification, "event")
    if event_id is None:
        occurrence_id = target_id(notification, "occurrence")
        if occurrence_id is None:
            return None
        event_id = Occurrence.objects.filter(pk=occurrence_id).values_list("event_id", flat=True).first()
    return Event.objects.select_related("space").filter(pk=event_id).first() if event_id else None


def event_readable(guardian: Any, notification: Any) -> bool:
    """The event still exists and the recipient may read it; they did not block the actor."""
    event = _event_of(notification)
    return event is not None and guardian.events.read.can(event) and not blocked_actor(notification)


def still_to_review(guardian: Any, notification: Any) -> bool:
    event = _event_of(notification)
    return event is not None and guardian.events.review.can(event) and not blocked_actor(notification)


def still_published(guardian: Any, notification: Any) -> bool:
    event = _event_of(notification)
    return (
        event is not None
        and event.state == Event.PUBLISHED
        and guardian.events.read.can(event)
        and not blocked_actor(notification)
    )


def still_attending(guardian: Any, notification: Any) -> bool:
    """Reminders and promotions: the date is still on, at the time the notice was about, the event is
    readable, and the recipient still answered as the kind needs (going; maybe too for reminders)."""
    occurrence_id = target_id(notification, "occurrence")
    if occurrence_id is None:
        return False
    occurrence = Occurrence.objects.select_related("event__space").filter(pk=occurrence_id).first()
    if occurrence is None or occurrence.cancelled_at is not None:
        return False
    event = occurrence.event
    if event.state != Event.PUBLISHED or not guardian.events.read.can(event):
        return False
    about = notification.data.get("starts_at")
    if about and about != occurrence.starts_at.isoformat():
        return False  # the date moved since: the reminder of its new time replaces this one
    states = notification.data.get("states") or [Rsvp.GOING]
    return Rsvp.objects.filter(occurrence=occurrence, user_id=guardian.user_id, state__in=states).exists()


# --- the .ics attached to emails ---------------------------------------------------------------------
def _their_dates(event: Event, user_id: int, occurrence_id: int | None) -> list[Occurrence]:
    rows = Occurrence.objects.filter(event=event, rsvps__user_id=user_id, rsvps__state__in=ATTENDING)
    if occurrence_id is not None:
        rows = rows.filter(pk=occurrence_id)
    return list(rows.order_by("starts_at").distinct()[:100])


def attachments_for(notification: Any, *, method: str) -> list[tuple[str, bytes, str]]:
    """The `.ics` for one recipient: a single event, or the dates of a series they answered for (the
    whole series when all of it is cancelled). Nothing when the event is gone."""
    event = _event_of(notification)
    if event is None:
        return []
    occurrence_id = notification.data.get("occurrence")
    if event.recurring and not (method == "CANCEL" and occurrence_id is None):
        dates = _their_dates(event, notification.recipient_id, occurrence_id)
        if not dates:
            return []
        found = out_events(event, dates, stamp=timezone.now())
    else:
        found = out_events(event, stamp=timezone.now())
    content = calendar_bytes(found, name=event.title, method=method, refresh_minutes=None)
    return [("invite.ics" if method != "CANCEL" else "cancel.ics", content, ICS_TYPE)]


def changed_attachments(notification: Any) -> list[tuple[str, bytes, str]]:
    return attachments_for(notification, method="PUBLISH")


def cancelled_attachments(notification: Any) -> list[tuple[str, bytes, str]]:
    return attachments_for(notification, method="CANCEL")


KINDS = [
    Kind("event_submitted", "Events waiting for your approval", "📝", "{actor} proposed an event: {title}",
         ALL, still_visible=still_to_review, order=80),
    Kind("event_reviewed", "Decisions about your events", "📅", "{actor} {verdict} your event {title}",
         ALL, still_visible=event_readable, order=81),
    Kind("event_published", "New events in spaces you watch", "🗓️", "New event: {title}, {when}",
         still_visible=still_published, digest=True, order=82),
    Kind("event_changed", "Changes to events you are going to", "🔁", "{title} has changed: now {when}",
         ALL, still_visible=event_readable, order=83, attachments=changed_attachments),
    Kind("event_cancelled", "Cancelled events you were going to", "🚫", "{title}{which} is cancelled",
         ALL, still_visible=event_readable, order=84, attachments=cancelled_attachments),
    Kind("event_promoted", "A seat for you from the waitlist", "🎟️", "You're in! A seat freed up at {title}, {when}",
         ALL, still_visible=still_attending, order=85),
    Kind("event_reminder", "Reminders before events you are going to", "⏰", "{title} starts {soon}",
         ALL, still_visible=still_attending, order=86),
    Kind("event_starting", "Online events starting now", "▶️", "{title} is starting now{join}",
         frozenset({WEB, PUSH}), still_visible=still_attending, order=87),
    Kind("event_follow_up", "After an event: share a recap", "💬", "How was {title}? Share a recap or your feedback",
         still_visible=still_attending, order=88),
]  # fmt: skip


def register() -> None:
    """From EventsConfig.ready(): the kinds and their handlers, the reminder tick's starter, and the
    member's calendar settings page (feed and reminders)."""
    registries.register_account_settings_page(
        AccountSettingsPage(
            "calendar", "Calendar", "events:calendar-settings", 20,
            description="Subscribe to the events you are going to in your calendar app; when reminders come.",
        )
    )  # fmt: skip
    effects.listen(RsvpChanged, _start_reminders, name="events.reminder_tick")
    for kind in KINDS:
        kinds.register(kind)
    kinds.on(EventSubmitted, event_submitted, name="events.event_submitted")
    kinds.on(EventReviewed, event_reviewed, name="events.event_reviewed")
    kinds.on(EventPublished, event_published, name="events.event_published")
    kinds.on(EventChanged, event_changed, name="events.event_changed")
    kinds.on(EventCancelled, event_cancelled, name="events.event_cancelled")
    kinds.on(WaitlistPromoted, waitlist_promoted, name="events.waitlist_promoted")
    kinds.on(ReminderDue, reminder_due, name="events.reminder_due")


def _start_reminders(_event: RsvpChanged) -> None:
    """Someone answered: make sure the reminder tick runs (a no-op while it does)."""
    tasks.kick()


# --- times in each person's zone ---------------------------------------------------------------------
def _zone(name: str) -> tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            pass
    return timezone.get_current_timezone()


def when_text(event: Event, start: datetime, zone: tzinfo) -> str:
    """ "Friday 5 December, 20:00" in `zone` ("Friday 5 December" for an all-day date, in its own zone)."""
    if event.all_day:
        return date_format(timezone.localtime(start, ZoneInfo(event.time_zone)), "l j F")
    return date_format(timezone.localtime(start, zone), "l j F, H:i")


def by_zone(user_ids: Iterable[int]) -> dict[str, list[int]]:
    """Recipients grouped by their time zone name (one query)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, name in User.objects.filter(pk__in=set(user_ids)).values_list("pk", "time_zone"):
        groups[name or ""].append(pk)
    return groups


def _event(event_id: int) -> Event | None:
    return Event.objects.select_related("space").filter(pk=event_id).first()


def _notice(kind: str, event: Event, recipients: Iterable[int], *, key: str, actor_id: int | None,
            url: str | None = None, target: str | None = None, **data: Any) -> Notice:  # fmt: skip
    return Notice(
        kind=kind,
        recipient_ids=sorted(set(recipients)),
        source_key=key,
        url=url or event_path(event.pk),
        actor_id=actor_id,
        space_id=event.space_id,
        target=target or f"event:{event.pk}",
        data={"title": event.title, "excerpt": excerpt(event.description_html), **data},
    )


def _hosts(event: Event) -> set[int]:
    ids = set(event.hosts.values_list("user_id", flat=True))
    if event.created_by_id is not None:
        ids.add(event.created_by_id)
    return ids


def _next_date(event: Event, occurrence_id: int | None) -> Occurrence | None:
    rows = Occurrence.objects.filter(event=event)
    if occurrence_id is not None:
        return rows.filter(pk=occurrence_id).first()
    upcoming = rows.filter(cancelled_at__isnull=True, ends_at__gt=timezone.now()).order_by("starts_at")
    return upcoming.first() or rows.order_by("starts_at").first()


def _attendees(event: Event, occurrence_id: int | None) -> set[int]:
    """Who answered going, maybe or waitlisted for the dates touched: one date, or every date to come."""
    rsvps = Rsvp.objects.filter(event_id=event.pk, state__in=ATTENDING)
    if occurrence_id is not None:
        rsvps = rsvps.filter(occurrence_id=occurrence_id)
    else:
        rsvps = rsvps.filter(occurrence__ends_at__gt=timezone.now())
    return set(rsvps.values_list("user_id", flat=True))


# --- handlers ----------------------------------------------------------------------------------------
def event_submitted(domain_event: EventSubmitted) -> list[Notice]:
    event = _event(domain_event.event_id)
    if event is None or event.state != Event.PENDING:
        return []
    space_mods = SpaceMembership.objects.filter(
        space_id=event.space_id, state=SpaceMembership.ACTIVE, role=SpaceMembership.MODERATOR
    ).values_list("user_id", flat=True)
    community_mods = Membership.objects.filter(state=Membership.ACTIVE, role__in=DECIDERS).values_list(
        "user_id", flat=True
    )
    deciders = set(space_mods) | set(community_mods)
    return [
        _notice("event_submitted", event, deciders, key=f"event-submitted:{event.pk}",
                actor_id=domain_event.actor_id)
    ]  # fmt: skip


def event_reviewed(domain_event: EventReviewed) -> list[Notice]:
    event = _event(domain_event.event_id)
    if event is None or event.created_by_id is None:
        return []
    verdict = "approved" if domain_event.approved else "declined"
    return [
        _notice("event_reviewed", event, [event.created_by_id], key=f"event-reviewed:{event.pk}",
                actor_id=domain_event.actor_id, verdict=verdict, note=event.review_note)
    ]  # fmt: skip


def event_published(domain_event: EventPublished) -> list[Notice]:
    event = _event(domain_event.event_id)
    if event is None or event.state != Event.PUBLISHED:
        return []
    watchers = set(
        SpaceFollow.objects.filter(space_id=event.space_id, level=WATCHING).values_list("user_id", flat=True)
    ) - _hosts(event)
    first = _next_date(event, None)
    start = first.starts_at if first is not None else event.starts_at
    return [
        _notice("event_published", event, people, key=f"event-published:{event.pk}",
                actor_id=domain_event.actor_id, when=when_text(event, start, _zone(zone)))
        for zone, people in by_zone(watchers).items()
    ]  # fmt: skip


def event_changed(domain_event: EventChanged) -> list[Notice]:
    event = _event(domain_event.event_id)
    if event is None or event.state != Event.PUBLISHED:
        return []
    date = _next_date(event, domain_event.occurrence_id)
    if date is None:
        return []
    sequence = event.sequence + (date.sequence if domain_event.occurrence_id else 0)
    which = domain_event.occurrence_id or "all"
    people = _attendees(event, domain_event.occurrence_id)
    place = _place(event)
    data: dict[str, Any] = {"occurrence": domain_event.occurrence_id} if domain_event.occurrence_id else {}
    return [
        _notice("event_changed", event, ids, key=f"event-changed:{event.pk}:{which}:{sequence}",
                actor_id=domain_event.actor_id, when=when_text(event, date.starts_at, _zone(zone)) + place,
                url=date_path(date.pk) if domain_event.occurrence_id else None, **data)
        for zone, ids in by_zone(people).items()
    ]  # fmt: skip


def _place(event: Event) -> str:
    if event.location_kind == Event.ONLINE:
        return ", online"
    return f", {event.venue}" if event.venue else ""


def event_cancelled(domain_event: EventCancelled) -> list[Notice]:
    event = _event(domain_event.event_id)
    if event is None:
        return []
    which_key = domain_event.occurrence_id or "all"
    people = _attendees(event, domain_event.occurrence_id)
    date = _next_date(event, domain_event.occurrence_id) if domain_event.occurrence_id else None
    notices = []
    for zone, ids in by_zone(people).items():
        which = f" on {when_text(event, date.starts_at, _zone(zone))}" if date is not None else ""
        data: dict[str, Any] = {"which": which, "reason": event.cancel_reason}
        if domain_event.occurrence_id:
            data["occurrence"] = domain_event.occurrence_id
        notices.append(
            _notice("event_cancelled", event, ids, key=f"event-cancelled:{event.pk}:{which_key}",
                    actor_id=domain_event.actor_id, **data)
        )  # fmt: skip
    return notices


def waitlist_promoted(domain_event: WaitlistPromoted) -> list[Notice]:
    rsvp = (
        Rsvp.objects.select_related("occurrence__event")
        .filter(occurrence_id=domain_event.occurrence_id, user_id=domain_event.user_id)
        .first()
    )
    if rsvp is None or rsvp.state != Rsvp.GOING or rsvp.promoted_at is None:
        return []
    occurrence = rsvp.occurrence
    event = occurrence.event
    zone = next(iter(by_zone([rsvp.user_id])), "")
    stamp = int(rsvp.promoted_at.timestamp())
    return [
        _notice("event_promoted", event, [rsvp.user_id], key=f"event-promoted:{occurrence.pk}:{stamp}",
                actor_id=None, url=date_path(occurrence.pk), target=f"occurrence:{occurrence.pk}",
                when=when_text(event, occurrence.starts_at, _zone(zone)), states=[Rsvp.GOING])
    ]  # fmt: skip


def soon_text(minutes: int) -> str:
    """ "in 1 hour", "tomorrow", "in 1 week"."""
    if minutes >= 7 * 1440 and minutes % (7 * 1440) == 0:
        weeks = minutes // (7 * 1440)
        return f"in {weeks} week{'s' if weeks != 1 else ''}"
    if minutes == 1440:
        return "tomorrow"
    if minutes >= 1440 and minutes % 1440 == 0:
        return f"in {minutes // 1440} days"
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    return f"in {minutes} minute{'s' if minutes != 1 else ''}"


def reminder_due(domain_event: ReminderDue) -> list[Notice]:
    """One claimed reminder (events/reminders.py chose the date, the kind and who wants it)."""
    occurrence = (
        Occurrence.objects.select_related("event__space").filter(pk=domain_event.occurrence_id).first()
    )
    if occurrence is None or occurrence.cancelled_at is not None:
        return []
    event = occurrence.event
    if event.state != Event.PUBLISHED or occurrence.starts_at.isoformat() != domain_event.starts_at:
        return []
    key = f"event-reminder:{occurrence.pk}:{domain_event.kind}:{domain_event.starts_at}"
    common: dict[str, Any] = {
        "key": key, "actor_id": None, "url": date_path(occurrence.pk), "target": f"occurrence:{occurrence.pk}",
        "starts_at": domain_event.starts_at, "states": list(domain_event.states),
    }  # fmt: skip
    people = list(domain_event.user_ids)
    if domain_event.kind == "starting":
        join = f": join at {event.online_url}" if event.online and event.online_url else ""
        return [_notice("event_starting", event, people, join=join, **common)]
    if domain_event.kind == "follow_up":
        return [_notice("event_follow_up", event, people, **common)]
    minutes = int(domain_event.kind.split(":", 1)[1])
    return [_notice("event_reminder", event, people, soon=soon_text(minutes), **common)]
