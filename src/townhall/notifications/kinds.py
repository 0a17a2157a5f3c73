"""Notification kinds: declared once each, by the app whose actions cause them, in its ready().

A kind says how a notification reads, where it links, which channels it uses by default, how it groups,
who may still receive it, and (optionally) what a reply by email does. The notifications app turns the
domain events named in `on(...)` into Notice objects (the kind's handler decides recipients) and fans
them out in tasks after commit.

    notifications.kinds.register(Kind(key="reply", label="Replies to you", icon="↩️", ...))
    notifications.kinds.on(PostCreated, discussions.notices.post_created)

Nothing here imports a domain app: the handlers and checks are functions the apps hand over.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import strip_tags

from townhall.core.effects import DomainEvent
from townhall.core.registries import Registry
from townhall.notifications.models import EMAIL, PUSH, WEB


@dataclass(frozen=True)
class Kind:
    """One kind of notification.

    key:        stored in Notification.kind ("reply", "mention", "reaction", ...);
    label:      what the settings page calls it ("Replies to your posts");
    icon:       an emoji shown beside it;
    text:       a format string for the centre, email subject and push body. Fields: {actor} (the last
                actor's name), {others} (" and 4 others" or ""), and any key of Notification.data
                ("{actor} replied to {title}");
    channels:   the channels on by default (WEB is always among them);
    group:      True: unread notifications with the same group_key merge into one row that counts
                actors ("Ana and 4 others reacted to …");
    still_visible: (guardian, notification) -> bool, asked at delivery in every channel: False and the
                notification is not shown, emailed or pushed (lost access, blocked sender, banned).
                The notifications app already checks that the recipient may read `notification.space`;
                this adds the kind's own checks (the post still exists, the sender is not blocked...);
    digest:     True: included in the daily or weekly digest of members who chose one;
    order:      position on the settings page;
    attachments: (notification) -> [(filename, content, mimetype)], files added to the notification's
                email for its recipient (an event's updated `.ics`), computed when the email is sent.
    """

    key: str
    label: str
    icon: str
    text: str
    channels: frozenset[str] = frozenset({WEB})
    group: bool = False
    still_visible: Callable[[Any, Any], bool] | None = None
    digest: bool = False
    order: int = 100
    attachments: Callable[[Any], list[tuple[str, bytes, str]]] | None = None


@dataclass(frozen=True)
class Notice:
    """What a kind's handler returns for one domain event: tell these people about this thing.

    source_key must be stable for the same event (delivering it twice stores nothing twice); url is the
    exact post or message; data holds the small values the text needs (title, excerpt) and, for
    notices inside a thread, "position": where in `thread_key` the thing sits (a post's position in its
    topic, a message's id in its channel or thread), so that reading the thread up to there marks the
    notification read (see `on_seen`).
    """

    kind: str
    recipient_ids: Iterable[int]
    source_key: str
    url: str
    actor_id: int | None = None
    space_id: int | None = None
    target: str = ""
    thread_key: str = ""
    group_key: str = ""
    data: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Any], Iterable[Notice]]


@dataclass(frozen=True)
class Seen:
    """A member read `thread_key` ("topic:12", "thread:99", "space:5") up to `position` (see Notice)."""

    user_id: int
    thread_key: str
    position: int


# Reply by email: the app that owns a kind of thread (Notification.thread_key "topic:12", "thread:99",
# "space:5") posts a reply in it as the member: replier(guardian, thread_id, markdown, notification).
# It raises the policy's refusal (core.errors) when they may no longer reply there.
Replier = Callable[[Any, int, str, Any], None]

kinds: Registry[Kind] = Registry("notification kind")
handlers: Registry[tuple[type[DomainEvent], Handler]] = Registry("notification handler")
repliers: Registry[Replier] = Registry("reply-by-email handler")
seen_handlers: Registry[tuple[type[DomainEvent], Callable[[Any], Seen | None]]] = Registry("seen handler")


def register(kind: Kind) -> Kind:
    if WEB not in kind.channels:
        raise ValueError(f"kind {kind.key!r} must use the in-page channel")
    if not kind.channels <= {WEB, EMAIL, PUSH}:
        raise ValueError(f"kind {kind.key!r} names an unknown channel")
    return kinds.register(kind.key, kind)


def on[E: DomainEvent](event_type: type[E], handler: Callable[[E], Iterable[Notice]], *, name: str) -> None:
    """Turn every `event_type` into notices with `handler(event)` (run in a task after commit).
    `name` identifies the handler ("discussions.post_created"); registering it again replaces it."""
    handlers.register(name, (event_type, handler))


def on_seen[E: DomainEvent](event_type: type[E], seen: Callable[[E], Seen | None], *, name: str) -> None:
    """Keep read state in step with what members saw: `seen(event)` says who read which thread up to
    where (an app's "read up to" event: TopicSeen, ChannelSeen...); their notifications in that thread
    up to there are marked read, and their pending email and push cancelled. Called after commit."""
    seen_handlers.register(name, (event_type, seen))


def register_replier(thread_prefix: str, replier: Replier) -> None:
    """Let members answer notification emails about `thread_prefix` threads ("topic") by replying."""
    repliers.register(thread_prefix, replier)


EXCERPT_MAX = 140


def excerpt(text: str, limit: int = EXCERPT_MAX) -> str:
    """Plain text of at most `limit` characters for Notice.data: tags dropped (rendered HTML is fine),
    entities decoded, whitespace folded, an ellipsis when cut."""
    flat = " ".join(html.unescape(strip_tags(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
