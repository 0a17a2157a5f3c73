"""How a notification email looks and threads: HTML and plain text from templates, in the community's
identity, with the headers mail clients and providers read.

Threading: every email about one topic, chat thread or conversation refers (`In-Reply-To`, `References`)
to one stable id made from the notification's thread_key, so a mail client shows them as one
conversation even though that root message was never sent (the way Discourse threads its topic mail).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from townhall.community.models import Community
from townhall.notifications.email import tokens
from townhall.notifications.kinds import Kind, repliers
from townhall.notifications.models import Notification

SUBJECT_MAX = 150


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def mail_domain() -> str:
    """The domain of our Message-IDs: the reply domain, else the site's host."""
    return tokens.reply_domain() or (urlsplit(settings.BASE_URL).hostname or "localhost")


@dataclass(frozen=True)
class Identity:
    """The community as its emails show it."""

    name: str
    accent: str
    logo_url: str
    home_url: str


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def identity() -> Identity:
    community = Community.objects.filter(pk=1).first()
    name = community.name if community else "Townhall"
    accent = community.accent_color if community and HEX_COLOUR.match(community.accent_color) else "#3b5bdb"
    logo = absolute(community.logo.url) if community and community.logo else ""
    return Identity(name=name, accent=accent, logo_url=logo, home_url=absolute("/"))


class _Lenient(string.Formatter):
    """Kind texts name values of Notification.data; one missing (an older row) reads as empty."""

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        if isinstance(key, str):
            return kwargs.get(key, "")
        return super().get_value(key, args, kwargs)


def notification_text(kind: Kind, notification: Notification) -> str:
    """The kind's sentence for this notification ("Ana and 4 others reacted to …")."""
    actor = notification.actor
    others = notification.actor_count - 1
    values = {key: value for key, value in notification.data.items() if isinstance(value, str | int | float)}
    values["actor"] = actor.name if actor is not None else "Someone"
    values["others"] = f" and {others} other{'s' if others != 1 else ''}" if others > 0 else ""
    return " ".join(_Lenient().format(kind.text, **values).split())


def thread_message_id(thread_key: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", ".", thread_key.lower()).strip(".") or "general"
    return f"<{slug}@{mail_domain()}>"


def message_id(notification: Notification) -> str:
    return f"<notification.{notification.pk}.{notification.recipient_id}@{mail_domain()}>"


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = tokens.unsubscribe_token(user_id=user_id, kind=kind)
    return absolute(reverse("notification_email:unsubscribe", args=[token]))


def list_headers(*, user_id: int, kind: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058: one-click unsubscribe by HTTPS POST, and by mail where we receive mail."""
    token = tokens.unsubscribe_token(user_id=user_id, kind=kind)
    links = [f"<{absolute(reverse('notification_email:one-click', args=[token]))}>"]
    mailto = tokens.unsubscribe_address(user_id=user_id, kind=kind)
    if mailto:
        links.append(f"<mailto:{mailto}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{identity().name} notifications <notifications.{mail_domain()}>",
        "Auto-Submitted": "auto-generated",  # RFC 3834: vacation responders leave it alone
        "X-Auto-Response-Suppress": "All",  # Exchange's own way of saying so
    }


def sender(name: str) -> str:
    """The From header: the community's name in front of the configured address."""
    _display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if "@" not in address:
        return settings.DEFAULT_FROM_EMAIL
    local, domain = address.rsplit("@", 1)
    return str(Address(display_name=name, username=local, domain=domain))


def notification_email(*, kind: Kind, notification: Notification, to: str) -> EmailMultiAlternatives:
    """The email for one notification to `to` (the recipient's address)."""
    who = identity()
    text = notification_text(kind, notification)
    reply_to = tokens.reply_address(notification_id=notification.pk, recipient_id=notification.recipient_id)
    can_reply = bool(reply_to) and notification.thread_key.split(":", 1)[0] in _replier_prefixes()
    context = {
        "community": who,
        "kind": kind,
        "text": text,
        "title": str(notification.data.get("title", "")),
        "excerpt": str(notification.data.get("excerpt", "")),
        "url": absolute(notification.url),
        "can_reply": can_reply,
        "unsubscribe_url": unsubscribe_url(user_id=notification.recipient_id, kind=kind.key),
        "kind_label": kind.label,
    }
    subject = " ".join(f"[{who.name}] {text}".split())[:SUBJECT_MAX]
    body = render_to_string("notifications/email/notification.txt", context)
    html = render_to_string("notifications/email/notification.html", context)
    headers = {
        "From": sender(who.name),
        "Message-ID": message_id(notification),
        **list_headers(user_id=notification.recipient_id, kind=kind.key),
    }
    if notification.thread_key:
        root = thread_message_id(notification.thread_key)
        headers["In-Reply-To"] = root
        headers["References"] = root
    envelope = (
        tokens.bounce_address(user_id=notification.recipient_id, email=to) or settings.DEFAULT_FROM_EMAIL
    )
    message = EmailMultiAlternatives(
        subject,
        body,
        envelope,
        [to],
        reply_to=[reply_to] if can_reply and reply_to else [],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    if kind.attachments is not None:
        for filename, content, mimetype in kind.attachments(notification):
            message.attach(filename, content, mimetype)
    return message


def _replier_prefixes() -> set[str]:
    return set(repliers.keys())
