"""What a member does with their notifications and their choices: mark read, open, choose channels per
kind, email delay, digest, quiet hours, pause. Only the recipient acts on a notification (anyone else
gets 404); every write is rate-limited, and marking read tells the member's other tabs (the badge, an
open centre) through `broadcasts.notifications_read` after commit.

Seeing a notification also cancels its email while that is still waiting (`email_state` PENDING ->
CANCELLED, in the same UPDATE): the email channel only ever claims PENDING rows, so nothing already
being sent is touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from townhall.core import ratelimit
from townhall.core.errors import Invalid, RateLimited
from townhall.notifications import broadcasts
from townhall.notifications.kinds import kinds
from townhall.notifications.models import (
    CANCELLED,
    CHANNELS,
    DIGESTS,
    PENDING,
    Notification,
    Preference,
    Settings,
)
from townhall.notifications.queries import ALL, MENTION_KIND, check_filter
from townhall.policy import Guardian

READ_RATE = "240/m"  # opening and marking read follow reading: generous
SETTINGS_RATE = "60/m"
EMAIL_DELAY_MAX = 24 * 60  # minutes
# "Until I resume": a date no pause reaches otherwise (paused_until None means not paused).
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)
SNOOZE_MAX = timedelta(days=366)


def _read_update() -> dict[str, object]:
    return {
        "read_at": timezone.now(),
        "email_state": Case(When(email_state=PENDING, then=Value(CANCELLED)), default=F("email_state")),
    }


def mark_read(guardian: Guardian, notification: Notification) -> bool:
    """Mark one of the member's notifications read (404 for anyone else's). Returns whether it was
    unread; only then is `notifications_read` broadcast to the member's streams."""
    guardian.notifications.act_on.ensure(notification)
    ratelimit.hit(
        f"notifications-read:{guardian.user_id}",
        getattr(django_settings, "NOTIFICATIONS_READ_RATE", READ_RATE),
    )
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            **_read_update()
        )
        if changed:
            broadcasts.notifications_read(user_id=notification.recipient_id, notification_id=notification.pk)
    if changed:
        notification.refresh_from_db(fields=["read_at", "email_state"])
    return bool(changed)


def mark_all_read(guardian: Guardian, *, filter: str = ALL) -> int:
    """Mark every unread notification of the member read (`mentions`: only mentions). Returns how many;
    one `notifications_read` broadcast (notification_id None) when any were."""
    filter = check_filter(filter)
    guardian.notifications.change_settings.ensure()
    ratelimit.hit(
        f"notifications-read:{guardian.user_id}",
        getattr(django_settings, "NOTIFICATIONS_READ_RATE", READ_RATE),
    )
    qs = Notification.objects.filter(recipient_id=_me(guardian), read_at__isnull=True)
    if filter == "mentions":
        qs = qs.filter(kind=MENTION_KIND)
    with transaction.atomic():
        changed = qs.update(**_read_update())
        if changed:
            broadcasts.notifications_read(user_id=_me(guardian), notification_id=None)
    return changed


def safe_url(url: str) -> str:
    """A notification's link, if it stays on this site: a stored absolute link elsewhere is never
    followed (the centre is the way back)."""
    if (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        return url
    return "/notifications/"


def open_notification(guardian: Guardian, notification: Notification) -> str:
    """Mark it read and return where it leads (the exact post or message). A notification about
    something the member may no longer read is unseen (404), like someone else's."""
    guardian.notifications.see.ensure(notification)
    # Following a link is never refused: past the rate limit it simply stays unread.
    with contextlib.suppress(RateLimited):
        mark_read(guardian, notification)
    return safe_url(notification.url)


# --- choices ----------------------------------------------------------------------------------------
def _check_choice(kind: str, channel: str) -> None:
    if kind not in kinds:
        raise Invalid(
            f"There is no notification kind called {kind!r}.", field_errors={"kind": ["Unknown kind."]}
        )
    if channel not in dict(CHANNELS):
        raise Invalid(
            f"There is no channel called {channel!r}; choose web, email or push.",
            field_errors={"channel": ["Choose web, email or push."]},
        )


def set_preferences(guardian: Guardian, *, choices: Iterable[tuple[str, str, bool]]) -> int:
    """Set several (kind, channel, enabled) choices at once (the settings page's table). A choice equal
    to the kind's default is stored as no row, so a later change of the default reaches the member.
    Everything is checked before anything is written. Returns how many choices were given."""
    guardian.notifications.change_settings.ensure()
    wanted = list(choices)
    if len(wanted) > 3 * max(len(kinds.keys()), 1):
        raise Invalid("Too many choices at once.")
    for kind, channel, _enabled in wanted:
        _check_choice(kind, channel)
    ratelimit.hit(
        f"notifications-settings:{guardian.user_id}",
        getattr(django_settings, "NOTIFICATIONS_SETTINGS_RATE", SETTINGS_RATE),
    )
    user_id = _me(guardian)
    with transaction.atomic():
        for kind, channel, enabled in wanted:
            default = channel in kinds[kind].channels
            found = Preference.objects.filter(user_id=user_id, kind=kind, channel=channel)
            if enabled == default:
                found.delete()
            else:
                Preference.objects.update_or_create(
                    user_id=user_id, kind=kind, channel=channel, defaults={"enabled": enabled}
                )
    return len(wanted)


def set_preference(guardian: Guardian, *, kind: str, channel: str, enabled: bool) -> None:
    """Turn one channel on or off for one kind (unknown kind or channel: Invalid)."""
    set_preferences(guardian, choices=[(kind, channel, enabled)])


def _me(guardian: Guardian) -> int:
    """The member's id, once `change_settings` let them through (so they are signed in)."""
    assert guardian.user_id is not None
    return guardian.user_id


def _locked_settings(guardian: Guardian) -> Settings:
    found = Settings.objects.select_for_update().filter(user_id=_me(guardian)).first()
    return found if found is not None else Settings(user_id=_me(guardian))


def update_settings(
    guardian: Guardian,
    *,
    email_delay_minutes: int,
    digest: str,
    quiet_from: time | None,
    quiet_until: time | None,
) -> Settings:
    """Save the email delay (0 to 1440 minutes), the digest (off, daily, weekly) and quiet hours (both
    ends, in the member's time zone, or neither). Reads and writes the row under a lock."""
    guardian.notifications.change_settings.ensure()
    errors: dict[str, list[str]] = {}
    if not 0 <= email_delay_minutes <= EMAIL_DELAY_MAX:
        errors["email_delay_minutes"] = [f"Choose a delay between 0 and {EMAIL_DELAY_MAX} minutes."]
    if digest not in dict(DIGESTS):
        errors["digest"] = ["Choose off, daily or weekly."]
    if (quiet_from is None) != (quiet_until is None):
        errors["quiet_until" if quiet_until is None else "quiet_from"] = [
            "Give both the start and the end of your quiet hours, or neither."
        ]
    elif quiet_from is not None and quiet_from == quiet_until:
        errors["quiet_until"] = ["Quiet hours must end at a different time than they start."]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], field_errors=errors)
    ratelimit.hit(
        f"notifications-settings:{guardian.user_id}",
        getattr(django_settings, "NOTIFICATIONS_SETTINGS_RATE", SETTINGS_RATE),
    )
    with transaction.atomic():
        row = _locked_settings(guardian)
        row.email_delay_minutes = email_delay_minutes
        row.digest = digest
        row.quiet_from = quiet_from
        row.quiet_until = quiet_until
        row.save()
    return row


def snooze(guardian: Guardian, *, until: datetime) -> Settings:
    """Pause email and push until `until` (aware, in the future, within a year; or FOREVER: until
    the member resumes). Notifications still arrive in the page."""
    guardian.notifications.change_settings.ensure()
    if timezone.is_naive(until):
        raise Invalid(
            "Give the pause's end with its time zone.", field_errors={"until": ["Add a time zone."]}
        )
    now = timezone.now()
    if until != FOREVER:
        if until <= now:
            raise Invalid(
                "The pause must end in the future.", field_errors={"until": ["Choose a later time."]}
            )
        if until - now > SNOOZE_MAX:
            raise Invalid(
                "Pause for at most a year, or until you resume.",
                field_errors={"until": ["Choose an earlier time."]},
            )
    return _set_pause(guardian, until)


def unsnooze(guardian: Guardian) -> Settings:
    """Resume email and push now."""
    guardian.notifications.change_settings.ensure()
    return _set_pause(guardian, None)


def _set_pause(guardian: Guardian, until: datetime | None) -> Settings:
    ratelimit.hit(
        f"notifications-settings:{guardian.user_id}",
        getattr(django_settings, "NOTIFICATIONS_SETTINGS_RATE", SETTINGS_RATE),
    )
    with transaction.atomic():
        row = _locked_settings(guardian)
        row.paused_until = until
        row.save()
    return row
