"""Creating, changing, approving, cancelling and removing events, and choosing their hosts."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.community.models import Group, Membership
from townhall.content.mentions import render_post
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.events import occurrences
from townhall.events.actions._clean import SCHEDULE_FIELDS, EventInput, clean_event, invalid
from townhall.events.actions.rsvps import promote_waitlist
from townhall.events.events import (
    EventCancelled,
    EventChanged,
    EventData,
    EventDeleted,
    EventEdited,
    EventPublished,
    EventReviewed,
    EventSubmitted,
)
from townhall.events.models import CANCEL_REASON_MAX, Event, EventHost, Occurrence
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.accounts.models import User
    from townhall.policy import Guardian

CREATE_RATE = "20/h"
HOSTS_MAX = 10


def _data(event: Event) -> EventData:
    return EventData(title=event.title[:200], starts_at=event.starts_at.isoformat())


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("space").get(pk=event.pk)


def _check_group(group_id: int | None) -> None:
    if group_id is not None and not Group.objects.filter(pk=group_id).exists():
        raise invalid("group", "There is no such group.")


def create_event(guardian: Guardian, space: Space, *, data: EventInput) -> Event:
    """Put an event (or a series) on the space's calendar; its creator is its host.

    A member's event in a space that asks for approval waits (state PENDING, EventSubmitted tells the
    space's moderators); otherwise it is published at once (EventPublished). Occurrences are
    materialized in the same transaction.

    Errors: NotFound (space unseen), PermissionDenied (may not create events here), Invalid (any field:
    see `clean_event`), RateLimited.
    """
    guardian.events.create.ensure(space)
    cleaned = clean_event(data)
    _check_group(data.group_id)
    ratelimit.hit(f"events-create:{guardian.user_id}", getattr(settings, "EVENTS_CREATE_RATE", CREATE_RATE))
    pending = guardian.events.needs_approval(space)
    html, _mentioned = (
        render_post(cleaned.values["description"]) if cleaned.values["description"] else ("", [])
    )
    with transaction.atomic():
        event = Event.objects.create(
            space=space,
            created_by=guardian.user,
            description_html=html,
            state=Event.PENDING if pending else Event.PUBLISHED,
            **cleaned.values,
        )
        EventHost.objects.create(event=event, user_id=cast(int, guardian.user_id), role=EventHost.HOST)
        occurrences.sync_occurrences(event)
        verb = "event.submitted" if pending else "event.created"
        record_activity(guardian.user, verb, event, space_id=space.pk, data=_data(event))
        kind = EventSubmitted if pending else EventPublished
        emit(kind(event_id=event.pk, space_id=space.pk, actor_id=guardian.user_id))
    return event


def update_event(guardian: Guardian, event: Event, *, data: EventInput) -> Event:
    """Change the whole event (every date of a series). Locks the event's row.

    When the time, the rule or the place changed, SEQUENCE goes up and, for a published event,
    EventChanged tells everyone who answered (with an updated .ics). Dates that the new rule drops are
    deleted, or cancelled when someone had answered for them. Dates moved on their own keep their time.

    Errors: NotFound, PermissionDenied (not a host or moderator; cancelled or declined), Invalid.
    """
    guardian.events.edit.ensure(event)
    cleaned = clean_event(data)
    _check_group(data.group_id)
    html, _mentioned = (
        render_post(cleaned.values["description"]) if cleaned.values["description"] else ("", [])
    )
    with transaction.atomic():
        event = _lock(event)
        guardian.events.edit.ensure(event)
        schedule_changed = any(getattr(event, name) != cleaned.values[name] for name in SCHEDULE_FIELDS)
        for name, value in cleaned.values.items():
            setattr(event, name, value)
        event.description_html = html
        if schedule_changed:
            event.sequence += 1
        event.save()
        result = occurrences.sync_occurrences(event)
        record_activity(guardian.user, "event.edited", event, space_id=event.space_id, data=_data(event))
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
        if event.state == Event.PUBLISHED:
            if schedule_changed:
                emit(EventChanged(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
            for occurrence_id in result.cancelled or []:
                emit(
                    EventCancelled(
                        event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id,
                        occurrence_id=occurrence_id,
                    )
                )  # fmt: skip
        # A larger capacity seats people from the waitlist.
        waiting = Occurrence.objects.select_for_update().filter(event=event, waitlist_count__gt=0, ends_at__gt=timezone.now())  # fmt: skip
        for occurrence in waiting.select_related("event"):
            promote_waitlist(occurrence)
    return event


def review_event(guardian: Guardian, event: Event, *, approve: bool, note: str = "") -> Event:
    """Approve (publish) or decline an event waiting for approval. Locks the event's row.

    Errors: NotFound, PermissionDenied (not a moderator of the space; not waiting), Invalid (note too long).
    Emits EventReviewed (the host hears of it) and, when approved, EventPublished.
    """
    guardian.events.review.ensure(event)
    note = (note or "").strip()
    if len(note) > CANCEL_REASON_MAX:
        raise invalid("note", f"The note can be at most {CANCEL_REASON_MAX} characters long.")
    with transaction.atomic():
        event = _lock(event)
        guardian.events.review.ensure(event)
        event.state = Event.PUBLISHED if approve else Event.DECLINED
        event.reviewed_by = guardian.user
        event.reviewed_at = timezone.now()
        event.review_note = note
        event.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
        verb = "event.approved" if approve else "event.declined"
        record_activity(guardian.user, verb, event, space_id=event.space_id, data=_data(event))
        emit(EventReviewed(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id, approved=approve))  # fmt: skip
        if approve:
            emit(EventPublished(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
    return event


def cancel_event(guardian: Guardian, event: Event, *, reason: str = "") -> Event:
    """Cancel the whole event (every date still to come). Locks the event's row; SEQUENCE goes up.

    People who answered hear of it (EventCancelled: a notification and an email with a cancelled .ics).
    Errors: NotFound, PermissionDenied (not a host or moderator; already cancelled), Invalid (reason).
    """
    guardian.events.cancel.ensure(event)
    reason = (reason or "").strip()
    if len(reason) > CANCEL_REASON_MAX:
        raise invalid("reason", f"The reason can be at most {CANCEL_REASON_MAX} characters long.")
    now = timezone.now()
    with transaction.atomic():
        event = _lock(event)
        guardian.events.cancel.ensure(event)
        was_published = event.state == Event.PUBLISHED
        event.state = Event.CANCELLED
        event.cancelled_at = now
        event.cancel_reason = reason
        event.sequence += 1
        event.save(update_fields=["state", "cancelled_at", "cancel_reason", "sequence", "updated_at"])
        Occurrence.objects.filter(event=event, cancelled_at__isnull=True, ends_at__gt=now).update(
            cancelled_at=now, cancel_reason=reason
        )
        record_activity(guardian.user, "event.cancelled", event, space_id=event.space_id, data=_data(event))
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
        if was_published:
            emit(EventCancelled(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
    return event


def delete_event(guardian: Guardian, event: Event) -> None:
    """Remove the event and everything about it (moderators; or its host while it waits or was declined).

    Errors: NotFound, PermissionDenied.
    """
    guardian.events.delete.ensure(event)
    with transaction.atomic():
        event = _lock(event)
        data = _data(event)
        space_id, event_id = event.space_id, event.pk
        record_activity(guardian.user, "event.deleted", None, space_id=space_id, data=data)
        event.delete()
        emit(EventDeleted(event_id=event_id, space_id=space_id, actor_id=guardian.user_id))


def add_host(guardian: Guardian, event: Event, *, user: User) -> EventHost:
    """Make a member a co-host (at most HOSTS_MAX hosts). Errors: NotFound, PermissionDenied, Invalid."""
    guardian.events.edit.ensure(event)
    if not Membership.objects.filter(user_id=user.pk, state=Membership.ACTIVE).exists():
        raise invalid("user", "Only active members of the community can host events.")
    with transaction.atomic():
        event = _lock(event)
        host = EventHost.objects.filter(event=event, user=user).first()
        if host is not None:
            return host
        if EventHost.objects.filter(event=event).count() >= HOSTS_MAX:
            raise invalid("user", f"An event has at most {HOSTS_MAX} hosts.")
        host = EventHost.objects.create(event=event, user=user, role=EventHost.COHOST)
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))
        return host


def remove_host(guardian: Guardian, event: Event, *, user: User) -> None:
    """Remove a co-host (the event keeps at least one host). Errors: NotFound, PermissionDenied, Invalid."""
    guardian.events.edit.ensure(event)
    with transaction.atomic():
        event = _lock(event)
        hosts = list(EventHost.objects.filter(event=event))
        if not any(host.user_id == user.pk for host in hosts):
            raise invalid("user", "This person is not a host of the event.")
        if len(hosts) == 1:
            raise invalid("user", "An event keeps at least one host.")
        EventHost.objects.filter(event=event, user=user).delete()
        emit(EventEdited(event_id=event.pk, space_id=event.space_id, actor_id=guardian.user_id))


__all__ = [
    "Invalid",
    "add_host",
    "cancel_event",
    "create_event",
    "delete_event",
    "remove_host",
    "review_event",
    "update_event",
]
