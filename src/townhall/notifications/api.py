"""API routes for the caller's notifications and notification choices (/api/v1/notifications...): the
same actions and queries as the centre and the settings page."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from townhall.core.api import API_ERRORS, ApiUnauthorized, ensure_write
from townhall.core.errors import Invalid
from townhall.core.ids import Id, Limit
from townhall.core.schemas import InputSchema, Text
from townhall.notifications import actions, queries
from townhall.notifications.models import KIND_MAX
from townhall.notifications.push.api import router as push_router
from townhall.policy.request import guardian_of

router = Router(tags=["notifications"])
router.add_router("", push_router)  # web push devices (notifications/push/api.py), before the /{id} routes

Filter = Literal["all", "unread", "mentions"]
ChannelName = Literal["web", "email", "push"]
DigestName = Literal["off", "daily", "weekly"]


class ActorOut(Schema):
    username: str
    name: str


class NotificationOut(Schema):
    id: int
    kind: str
    icon: str
    text: str = Field(description="The sentence, as plain text")
    url: str = Field(
        description="The exact post or message; /notifications/{id}/open marks it read and goes there"
    )
    unread: bool
    actor: ActorOut | None
    actor_count: int = Field(description='Grouped kinds: how many people ("Ana and 4 others")')
    space: str | None = Field(description="The slug of the space it is about")
    created_at: datetime
    updated_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class CountOut(Schema):
    unread: int = Field(description=f"At most {queries.COUNT_CAP + 1}: more shows as {queries.COUNT_CAP}+")
    capped: bool


class ReadAllIn(InputSchema):
    filter: Filter = "all"


class ReadAllOut(Schema):
    marked: int


class PreferenceOut(Schema):
    kind: str
    label: str
    channel: ChannelName
    default: bool
    enabled: bool


class PreferenceIn(InputSchema):
    kind: str = Field(max_length=KIND_MAX)
    channel: str = Field(max_length=8, description="web, email or push")
    enabled: bool


class PreferencesIn(InputSchema):
    preferences: list[PreferenceIn] = Field(max_length=300)


class SettingsOut(Schema):
    email_delay_minutes: int
    digest: DigestName
    quiet_from: time | None
    quiet_until: time | None
    time_zone: str = Field(description="Quiet hours are read in this time zone (the member's, or the site's)")
    paused_until: datetime | None = Field(description="Email and push are paused until then")
    paused_until_resumed: bool


class SettingsIn(InputSchema):
    email_delay_minutes: int = Field(ge=0, le=actions.EMAIL_DELAY_MAX)
    digest: DigestName
    quiet_from: time | None = None
    quiet_until: time | None = None


class SnoozeIn(InputSchema):
    until: datetime | None = Field(None, description="When the pause ends (with a time zone)")
    until_resumed: bool = Field(False, description="Pause until unpaused (DELETE /notifications/snooze)")


def _signed_in(request: HttpRequest) -> None:
    if guardian_of(request).user is None:
        raise ApiUnauthorized("Sign in or send an access token to do that.")


def _settings_out(request: HttpRequest) -> dict[str, Any]:
    guardian = guardian_of(request)
    row = queries.settings_of(guardian)
    paused = queries.paused(row)
    return {
        "email_delay_minutes": row.email_delay_minutes,
        "digest": row.digest,
        "quiet_from": row.quiet_from,
        "quiet_until": row.quiet_until,
        "time_zone": queries.zone_name(guardian),
        "paused_until": row.paused_until if paused else None,
        "paused_until_resumed": paused
        and row.paused_until is not None
        and row.paused_until >= actions.FOREVER,
    }


def _preferences_out(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.kind.key,
            "label": row.kind.label,
            "channel": cell.channel,
            "default": cell.default,
            "enabled": cell.enabled,
        }
        for row in queries.preference_rows(guardian_of(request))
        for cell in row.cells
    ]


@router.get("/notifications", response={200: NotificationPage, **API_ERRORS}, summary="My notifications")
def list_notifications(
    request: HttpRequest, filter: Filter = "all", cursor: Text | None = None, limit: Limit = queries.PAGE_SIZE
) -> Any:
    """Newest first; `filter`: all, unread or mentions; pass `next_cursor` back as `cursor` for more."""
    _signed_in(request)
    page = queries.list_notifications(guardian_of(request), filter=filter, cursor=cursor, limit=limit)
    return {"items": [queries.as_api(entry) for entry in page.items], "next_cursor": page.next_cursor}


@router.get("/notifications/unread-count", response={200: CountOut, **API_ERRORS}, summary="Unread count")
def unread_count(request: HttpRequest) -> Any:
    _signed_in(request)
    total = queries.unread_count(guardian_of(request))
    return {"unread": total, "capped": total > queries.COUNT_CAP}


@router.post("/notifications/read", response={200: ReadAllOut, **API_ERRORS}, summary="Mark all read")
def mark_all_read(request: HttpRequest, payload: ReadAllIn) -> Any:
    ensure_write(request)
    return {"marked": actions.mark_all_read(guardian_of(request), filter=payload.filter)}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **API_ERRORS},
    summary="Mark read",
)
def mark_read(request: HttpRequest, notification_id: Id) -> Any:
    ensure_write(request)
    guardian = guardian_of(request)
    notification = queries.get_notification_or_404(guardian, notification_id)
    actions.mark_read(guardian, notification)
    return queries.as_api(queries.item(notification))


@router.get(
    "/notifications/preferences", response={200: list[PreferenceOut], **API_ERRORS}, summary="My choices"
)
def get_preferences(request: HttpRequest) -> Any:
    """Every kind and channel: its default and what holds for the caller."""
    _signed_in(request)
    return _preferences_out(request)


@router.put(
    "/notifications/preferences", response={200: list[PreferenceOut], **API_ERRORS}, summary="Change choices"
)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    """Set the listed (kind, channel) choices; the others stay as they are. Nothing is saved when any
    is refused (an unknown kind or channel answers 422 naming it)."""
    ensure_write(request)
    choices = [(p.kind, p.channel, p.enabled) for p in payload.preferences]
    actions.set_preferences(guardian_of(request), choices=choices)
    return _preferences_out(request)


@router.get("/notifications/settings", response={200: SettingsOut, **API_ERRORS}, summary="My settings")
def get_settings(request: HttpRequest) -> Any:
    _signed_in(request)
    return _settings_out(request)


@router.put("/notifications/settings", response={200: SettingsOut, **API_ERRORS}, summary="Change settings")
def put_settings(request: HttpRequest, payload: SettingsIn) -> Any:
    """Email delay (0 to 1440 minutes), digest, and quiet hours (both or neither, in the member's zone)."""
    ensure_write(request)
    actions.update_settings(
        guardian_of(request),
        email_delay_minutes=payload.email_delay_minutes,
        digest=payload.digest,
        quiet_from=payload.quiet_from,
        quiet_until=payload.quiet_until,
    )
    return _settings_out(request)


@router.put(
    "/notifications/snooze", response={200: SettingsOut, **API_ERRORS}, summary="Pause email and push"
)
def snooze(request: HttpRequest, payload: SnoozeIn) -> Any:
    ensure_write(request)
    if (payload.until is None) != payload.until_resumed:
        message = "Give either `until` or `until_resumed: true`."
        raise Invalid(message, field_errors={"until": [message]})
    until = actions.FOREVER if payload.until is None else payload.until
    actions.snooze(guardian_of(request), until=until)
    return _settings_out(request)


@router.delete("/notifications/snooze", response={200: SettingsOut, **API_ERRORS}, summary="Resume")
def unsnooze(request: HttpRequest) -> Any:
    ensure_write(request)
    actions.unsnooze(guardian_of(request))
    return _settings_out(request)
