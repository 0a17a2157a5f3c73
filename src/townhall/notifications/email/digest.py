"""The daily or weekly digest: what happened in the spaces a member follows since their last one.

Apps add sections (discussions: new topics, busy topics) with `register_section` in their ready(); a
section builds its items for one member under their Guardian, so a digest never names what they may not
read. Notifications of kinds marked `digest=True` that are still unread come first ("For you").

Idempotent: a digest is claimed by moving `Settings.last_digest_at` from the value read to now in one
UPDATE, so two ticks (or two workers) never send two digests for one period; an SMTP failure moves it
back, and the next tick tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from townhall.core.registries import Registry
from townhall.notifications.email import choices, compose, tokens
from townhall.notifications.models import (
    DIGEST_DAILY,
    DIGEST_WEEKLY,
    EmailSuppression,
    Notification,
    Settings,
)
from townhall.notifications.preferences import hold_until
from townhall.policy import Guardian

logger = logging.getLogger("townhall.notifications.email")

PERIODS = {DIGEST_DAILY: dt.timedelta(days=1), DIGEST_WEEKLY: dt.timedelta(days=7)}
EARLY = dt.timedelta(minutes=30)  # a tick a little early still sends today's digest
PER_TICK = 500
FOR_YOU_MAX = 10


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str  # a path on the site or an absolute URL
    detail: str = ""  # "in Gear talk · 12 new replies"


@dataclass(frozen=True)
class DigestSection:
    """key: unique; title: the heading; order: position; build(guardian, since, until) -> items."""

    key: str
    title: str
    order: int
    build: Callable[[Guardian, dt.datetime, dt.datetime], list[DigestItem]]


@dataclass
class Digest:
    since: dt.datetime
    until: dt.datetime
    sections: list[tuple[str, list[DigestItem]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(items for _title, items in self.sections)


sections: Registry[DigestSection] = Registry("digest section")


def register_section(section: DigestSection) -> DigestSection:
    return sections.register(section.key, section)


def build_digest(user: Any, *, since: dt.datetime, until: dt.datetime) -> Digest:
    guardian = Guardian(user)
    digest = Digest(since=since, until=until)
    for_you = []
    unread = (
        Notification.objects.select_related("actor", "space")
        .filter(recipient=user, read_at__isnull=True, created_at__gte=since, created_at__lt=until)
        .order_by("-id")
    )
    for notification in unread[: FOR_YOU_MAX * 3]:
        kind = choices.kind_of(notification.kind)
        if kind is None or not kind.digest:
            continue
        if notification.space is not None and not guardian.spaces.read.can(notification.space):
            continue
        if kind.still_visible is not None and not kind.still_visible(guardian, notification):
            continue
        for_you.append(DigestItem(title=compose.notification_text(kind, notification), url=notification.url))
        if len(for_you) >= FOR_YOU_MAX:
            break
    digest.sections.append(("For you", for_you))
    for section in sorted(sections, key=lambda s: s.order):
        try:
            items = section.build(guardian, since, until)
        except Exception:  # one broken section must not stop everyone's digest
            logger.exception("digest section %s failed for user %s", section.key, user.pk)
            continue
        digest.sections.append((section.title, items))
    return digest


def digest_email(user: Any, digest: Digest, *, period: str) -> EmailMultiAlternatives:
    who = compose.identity()
    unsubscribe = compose.unsubscribe_url(user_id=user.pk, kind=tokens.DIGEST)
    context = {
        "community": who,
        "person": user,
        "period": "daily" if period == DIGEST_DAILY else "weekly",
        "sections": [
            (title, [DigestItem(i.title, compose.absolute(i.url), i.detail) for i in items])
            for title, items in digest.sections
            if items
        ],
        "unsubscribe_url": unsubscribe,
        "kind_label": "the digest",
    }
    label = "Your daily digest" if period == DIGEST_DAILY else "Your weekly digest"
    subject = f"[{who.name}] {label}"
    headers = {"From": compose.sender(who.name), **compose.list_headers(user_id=user.pk, kind=tokens.DIGEST)}
    envelope = tokens.bounce_address(user_id=user.pk, email=user.email)
    message = EmailMultiAlternatives(
        subject,
        render_to_string("notifications/email/digest.txt", context),
        envelope or None,
        [user.email],
        headers=headers,
    )
    message.attach_alternative(render_to_string("notifications/email/digest.html", context), "text/html")
    return message


def _due(now: dt.datetime) -> Q:
    due = Q(last_digest_at__isnull=True)
    for choice, period in PERIODS.items():
        due |= Q(digest=choice, last_digest_at__lte=now - period + EARLY)
    return Q(digest__in=list(PERIODS)) & due


def send_due_digests(*, now: dt.datetime | None = None) -> int:
    """Send every digest that is due; returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for row in Settings.objects.filter(_due(now)).select_related("user").order_by("pk")[:PER_TICK]:
        if send_digest(row, now=now):
            sent += 1
    return sent


def send_digest(row: Settings, *, now: dt.datetime) -> bool:
    """Claim this period's digest, build it and send it; whether an email went out."""
    period = PERIODS.get(row.digest)
    if period is None:
        return False
    user = row.user
    previous = row.last_digest_at
    claimed = (
        Settings.objects.filter(pk=row.pk, last_digest_at=previous)
        if previous
        else Settings.objects.filter(pk=row.pk, last_digest_at__isnull=True)
    )
    if not claimed.update(last_digest_at=now):
        return False  # another worker took this period
    guardian = Guardian(user)
    if not user.is_active or not user.email or guardian.is_banned or not guardian.can_read_as_member:
        return False
    if EmailSuppression.objects.filter(email__iexact=user.email).exists():
        return False
    until = hold_until(row, now, time_zone=getattr(user, "time_zone", ""))
    if until is not None and until > now:
        Settings.objects.filter(pk=row.pk, last_digest_at=now).update(last_digest_at=previous)
        return False  # quiet hours or a pause: a later tick sends it
    digest = build_digest(user, since=previous or now - period, until=now)
    if digest.empty:
        return False
    try:
        digest_email(user, digest, period=row.digest).send()
    except (smtplib.SMTPException, OSError) as exc:
        Settings.objects.filter(pk=row.pk, last_digest_at=now).update(last_digest_at=previous)
        logger.warning("SMTP failed for the digest of user %s (%s); the next tick tries again", user.pk, exc)
        return False
    return True
