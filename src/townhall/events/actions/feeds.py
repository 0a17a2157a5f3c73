"""A member's own calendar settings: the secret of their personal feed, and when they want reminders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction

from townhall.core import ratelimit
from townhall.events.actions._clean import invalid
from townhall.events.models import FeedToken, ReminderSettings, new_token
from townhall.events.reminders import OFFSET_CHOICES, OFFSETS

if TYPE_CHECKING:
    from townhall.policy import Guardian

RESET_RATE = "10/h"
SETTINGS_RATE = "60/h"


def feed_token(guardian: Guardian) -> FeedToken:
    """The member's feed token, made the first time it is asked for. Errors: PermissionDenied (see the
    `feed` rule: signed out, not a member)."""
    guardian.events.feed.ensure()
    token, _created = FeedToken.objects.get_or_create(user_id=cast(int, guardian.user_id))
    return token


def reset_feed_token(guardian: Guardian) -> FeedToken:
    """A new secret for the member's feed: the old URL stops working at once (it then answers 404).
    Locks the member's token row. Errors: PermissionDenied, RateLimited."""
    guardian.events.feed.ensure()
    ratelimit.hit(
        f"events-feed-reset:{guardian.user_id}", getattr(settings, "EVENTS_FEED_RESET_RATE", RESET_RATE)
    )
    user_id = cast(int, guardian.user_id)
    with transaction.atomic():
        token = FeedToken.objects.select_for_update().filter(user_id=user_id).first()
        if token is None:
            return FeedToken.objects.create(user_id=user_id)
        token.token = new_token()
        token.save(update_fields=["token"])
    return token


def reminder_settings(guardian: Guardian) -> ReminderSettings:
    """The member's reminder choices (an unsaved row with the defaults when they never chose)."""
    guardian.events.feed.ensure()
    found = ReminderSettings.objects.filter(user_id=cast(int, guardian.user_id)).first()
    return found or ReminderSettings(
        user_id=cast(int, guardian.user_id), offsets=list(ReminderSettings.DEFAULT_OFFSETS)
    )


def set_reminder_settings(
    guardian: Guardian, *, offsets: Iterable[int | str], starting_now: bool, follow_up: bool
) -> ReminderSettings:
    """Choose when reminders come: minutes before the start (from reminders.OFFSET_CHOICES; none is
    allowed: no reminders before), a push when an online event starts, a follow-up after the end.
    Errors: PermissionDenied, Invalid (an offset not offered), RateLimited."""
    guardian.events.feed.ensure()
    try:
        chosen = sorted({int(minutes) for minutes in offsets}, reverse=True)
    except (TypeError, ValueError):
        raise invalid("offsets", "Choose reminder times from the list.") from None
    unknown = [minutes for minutes in chosen if minutes not in OFFSETS]
    if unknown:
        offered = ", ".join(label for _minutes, label in OFFSET_CHOICES)
        raise invalid("offsets", f"Reminders can be sent {offered}; {unknown[0]} minutes is not one of them.")
    ratelimit.hit(
        f"events-reminders:{guardian.user_id}", getattr(settings, "EVENTS_SETTINGS_RATE", SETTINGS_RATE)
    )
    row, _created = ReminderSettings.objects.update_or_create(
        user_id=cast(int, guardian.user_id),
        defaults={"offsets": chosen, "starting_now": bool(starting_now), "follow_up": bool(follow_up)},
    )
    return row
