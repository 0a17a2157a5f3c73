"""A member's notifications as the centre, the badge and the API show them, and their choices as the
settings page shows them. Scoped by the Guardian: only one's own rows, about what one may still read.

The text of a notification comes from its kind's format string (`Kind.text`), with every value escaped;
a notification whose kind is no longer registered (its app was removed) reads generically.
"""

from __future__ import annotations

import string
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from townhall.core.errors import Invalid, NotFound
from townhall.core.pagination import paginate
from townhall.notifications.kinds import Kind, kinds
from townhall.notifications.models import CHANNELS, Notification, Preference, Settings
from townhall.policy import Guardian

ALL = "all"
UNREAD = "unread"
MENTIONS = "mentions"
FILTERS = [(ALL, "All"), (UNREAD, "Unread"), (MENTIONS, "Mentions")]
MENTION_KIND = "mention"
PAGE_SIZE = 30
# The badge counts up to this many and then shows "99+": counting stays one short query however many
# unread notifications pile up, and each kind's own visibility check runs on a bounded number of rows.
COUNT_CAP = 99
ORDER = ("-updated_at", "-id")

GENERIC = Kind(key="", label="Notification", icon="🔔", text="{actor} sent you a notification")
GENERIC_TITLED = "{actor}: {title}"
# Fields set off in bold in the centre (the rest of the sentence is plain text).
EMPHASISED = frozenset({"actor", "title"})


def check_filter(value: str | None) -> str:
    """`all` (the default), `unread` or `mentions`; anything else is refused with a clear message."""
    if not value:
        return ALL
    if value not in dict(FILTERS):
        raise Invalid(
            "Choose all, unread or mentions.", field_errors={"filter": ["Choose all, unread or mentions."]}
        )
    return value


def visible_notifications(guardian: Guardian) -> QuerySet[Notification]:
    """The member's notifications about what they may still read (in SQL; kinds' own checks aside)."""
    return guardian.notifications.visible(Notification.objects.all())


def _filtered(guardian: Guardian, filter: str) -> QuerySet[Notification]:
    qs = visible_notifications(guardian)
    if filter == UNREAD:
        qs = qs.filter(read_at__isnull=True)
    elif filter == MENTIONS:
        qs = qs.filter(kind=MENTION_KIND)
    return qs


# --- the text ---------------------------------------------------------------------------------------
def kind_of(notification: Notification) -> Kind:
    """Its kind, or a generic one when the app that declared it is gone."""
    return kinds.get(notification.kind) or GENERIC


def others_phrase(actor_count: int) -> str:
    """ " and 4 others" for a grouped notification with five actors; "" for one."""
    others = max(0, actor_count - 1)
    if others == 0:
        return ""
    return f" and {others} other{'s' if others != 1 else ''}"


def _fields(notification: Notification) -> dict[str, str]:
    actor = notification.actor
    values: dict[str, str] = {}
    data = notification.data if isinstance(notification.data, Mapping) else {}
    for key, value in data.items():
        if isinstance(key, str) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            values[key] = str(value)
    values["actor"] = actor.name if actor is not None else "Someone"
    values["others"] = others_phrase(notification.actor_count)
    return values


def _template(notification: Notification) -> str:
    kind = kinds.get(notification.kind)
    if kind is not None:
        return kind.text
    return (
        GENERIC_TITLED
        if isinstance(notification.data, Mapping) and notification.data.get("title")
        else GENERIC.text
    )


def _parts(template: str) -> list[tuple[str, str | None]]:
    """(literal text, field name or None) pairs; a field written with attribute or index access
    ("{actor.email}", "{data[0]}") or a malformed string reads as nothing rather than failing."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return [(template, None)]
    return [(literal, name if name and name.isidentifier() else None) for literal, name, _s, _c in parsed]


def render_text(notification: Notification) -> str:
    """The sentence as plain text (email subjects, push bodies, the API); a missing field reads as ""."""
    fields = _fields(notification)
    return "".join(
        literal + (fields.get(name, "") if name else "") for literal, name in _parts(_template(notification))
    )


def render_html(notification: Notification) -> SafeString:
    """The sentence for the page: every value and the literal text escaped, names and titles in bold."""
    fields = _fields(notification)
    out: list[str] = []
    for literal, name in _parts(_template(notification)):
        out.append(escape(literal))
        if name and fields.get(name):
            value = escape(fields[name])
            out.append(f"<strong>{value}</strong>" if name in EMPHASISED else value)
    return mark_safe("".join(out))  # noqa: S308 - built only from escaped pieces


# --- the centre -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    """One notification as the centre shows it."""

    notification: Notification
    kind: Kind
    html: SafeString
    text: str

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None

    @property
    def known_kind(self) -> bool:
        return self.kind is not GENERIC


def item(notification: Notification) -> Item:
    return Item(
        notification=notification,
        kind=kind_of(notification),
        html=render_html(notification),
        text=render_text(notification),
    )


@dataclass(frozen=True)
class NotificationPage:
    filter: str
    items: list[Item]
    next_cursor: str | None


def list_notifications(
    guardian: Guardian, *, filter: str = ALL, cursor: str | None = None, limit: int = PAGE_SIZE
) -> NotificationPage:
    """One page of the member's notifications, newest (or most recently regrouped) first: one query
    (actor and space joined in) after the Guardian's standing is loaded, whatever the page holds.
    Rows a kind's own check turns away are left out of the page (it may then hold fewer than `limit`)."""
    filter = check_filter(filter)
    qs = _filtered(guardian, filter).select_related("actor", "space")
    page = paginate(qs, order=ORDER, cursor=cursor, limit=limit)
    rows = [n for n in page.items if guardian.notifications.passes_kind_checks(n)]
    return NotificationPage(filter=filter, items=[item(n) for n in rows], next_cursor=page.next_cursor)


def unread_count(guardian: Guardian) -> int:
    """Unread notifications the member may see, up to COUNT_CAP + 1 ("99+"): one query."""
    if guardian.user_id is None:
        return 0
    qs = _filtered(guardian, UNREAD).order_by("-id")[: COUNT_CAP + 1]
    return sum(1 for n in qs if guardian.notifications.passes_kind_checks(n))


def get_notification_or_404(guardian: Guardian, notification_id: int) -> Notification:
    """One of the member's own notifications (anyone else's answers 404, like a missing one)."""
    found = Notification.objects.select_related("space", "actor").filter(pk=notification_id).first()
    if found is None or not guardian.notifications.act_on.can(found):
        raise NotFound("No such notification")
    return found


# --- choices ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    channel: str
    channel_label: str
    default: bool
    enabled: bool  # what holds now: the member's choice, or the kind's default

    @property
    def chosen(self) -> bool:
        return self.enabled != self.default


@dataclass(frozen=True)
class KindRow:
    kind: Kind
    cells: list[Cell]


def ordered_kinds() -> list[Kind]:
    return sorted(kinds, key=lambda k: (k.order, k.label, k.key))


def preference_rows(guardian: Guardian) -> list[KindRow]:
    """Every registered kind and channel, with its default and what holds for this member (one query)."""
    chosen: dict[tuple[str, str], bool] = {}
    if guardian.user_id is not None:
        rows = Preference.objects.filter(user_id=guardian.user_id).values_list("kind", "channel", "enabled")
        chosen = {(kind, channel): enabled for kind, channel, enabled in rows}
    table = []
    for kind in ordered_kinds():
        cells = []
        for channel, label in CHANNELS:
            default = channel in kind.channels
            cells.append(Cell(channel, label, default, chosen.get((kind.key, channel), default)))
        table.append(KindRow(kind, cells))
    return table


def settings_of(guardian: Guardian) -> Settings:
    """The member's settings (unsaved defaults when they never changed any)."""
    user_id = guardian.user_id or 0
    found = Settings.objects.filter(user_id=user_id).first()
    return found if found is not None else Settings(user_id=user_id)


def zone_of(guardian: Guardian) -> tzinfo:
    """The member's time zone (User.time_zone), or the site's: quiet hours are read in it."""
    name = getattr(guardian.user, "time_zone", "") if guardian.user is not None else ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def zone_name(guardian: Guardian) -> str:
    return str(getattr(zone_of(guardian), "key", None) or zone_of(guardian))


def paused(settings: Settings, *, now: datetime | None = None) -> bool:
    return settings.paused_until is not None and settings.paused_until > (now or timezone.now())


def as_api(notification_item: Item) -> dict[str, Any]:
    """One notification for the API (plain text: JSON is not HTML)."""
    n = notification_item.notification
    actor = n.actor
    return {
        "id": n.pk,
        "kind": n.kind,
        "icon": notification_item.kind.icon,
        "text": notification_item.text,
        "url": n.url,
        "unread": n.read_at is None,
        "actor": {"username": actor.username, "name": actor.name} if actor is not None else None,
        "actor_count": n.actor_count,
        "space": n.space.slug if n.space is not None else None,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
        "read_at": n.read_at,
    }
