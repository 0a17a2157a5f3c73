"""Sending notification emails: scheduled at the member's delay, claimed once, rechecked at delivery,
retried with backoff while SMTP is down.

The fan-out stores each notification with `email_state=PENDING` and `email_due_at` (now plus the
member's delay) and calls `schedule(ids)`. `schedule` enqueues `send_notification_emails` per batch,
to run after the due time (the database queue's `run_after`). At the due time each row is claimed with
one UPDATE (PENDING -> SENDING, only if still PENDING and due): two workers, a retried task or the
periodic sweep can never send it twice. Then, before anything is sent:

- seen on the site in the meantime (read_at set)         -> CANCELLED
- the member may no longer see it (space, kind's check)  -> CANCELLED
- email turned off for the kind, no address              -> CANCELLED
- the address bounced or complained                      -> FAILED
- quiet hours or a pause                                 -> PENDING again, due when they end

An SMTP error puts the row back to PENDING, due after an exponential backoff (1, 2, 4 … 128 minutes),
with a warning in the log; after MAX_ATTEMPTS it is FAILED. A worker killed after the SMTP hand-off but
before the row became SENT leaves it SENDING: the sweep marks such rows FAILED after an hour rather than
risk a second email (at most one email per notification).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core import mail
from django.core.mail import EmailMessage
from django.db.models import Q
from django.tasks import Task
from django.utils import timezone

from townhall.notifications.email import choices, compose
from townhall.notifications.models import (
    CANCELLED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    EmailSuppression,
    Notification,
    Settings,
)
from townhall.notifications.preferences import hold_until
from townhall.policy import Guardian

logger = logging.getLogger("townhall.notifications.email")

BATCH = 50
MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 60
STALE_SENDING = dt.timedelta(hours=1)
ATTEMPTS_KEY = "email_attempts"  # kept in Notification.data: the count survives a lost task


def backoff(attempt: int) -> dt.timedelta:
    """Wait before attempt number `attempt + 1` (attempt counts the failures so far, from 1)."""
    return dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))


def enqueue_at(task: Task, ids: list[int], when: dt.datetime | None) -> None:
    """Enqueue `task(ids)` to run at `when`. A queue that cannot wait (the inline backend of tests)
    gets only what is due now; the rest stays PENDING for the periodic sweep."""
    if when is not None and when > timezone.now():
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=when)
    try:
        task.enqueue(ids)
    except Exception as exc:  # the sweep finds the rows: nothing is lost
        logger.warning(
            "email task for %d notifications not enqueued (%s); the sweep will send them", len(ids), exc
        )


def schedule(ids: list[int]) -> None:
    """The email channel's `schedule`: send each PENDING notification of `ids` at its due time."""
    from townhall.notifications.email import tasks

    rows = Notification.objects.filter(pk__in=ids, email_state=PENDING).values_list("pk", "email_due_at")
    by_minute: dict[dt.datetime | None, list[int]] = defaultdict(list)
    for pk, due in rows:
        by_minute[due.replace(second=0, microsecond=0) + dt.timedelta(minutes=1) if due else None].append(pk)
    for due, batch in by_minute.items():
        for start in range(0, len(batch), BATCH):
            enqueue_at(tasks.send_notification_emails, batch[start : start + BATCH], due)
    tasks.kick()


def _claim(pk: int, now: dt.datetime) -> bool:
    """PENDING and due -> SENDING in one UPDATE; email_due_at then records when it was claimed."""
    due = Q(email_due_at__isnull=True) | Q(email_due_at__lte=now)
    return bool(
        Notification.objects.filter(due, pk=pk, email_state=PENDING).update(
            email_state=SENDING, email_due_at=now
        )
    )


def _finish(pk: int, state: str, **changes: object) -> None:
    Notification.objects.filter(pk=pk, email_state=SENDING).update(email_state=state, **changes)


def _verdict(notification: Notification, now: dt.datetime) -> tuple[str, str | dt.datetime]:
    """("send", ""), ("cancel", why), ("fail", why) or ("defer", until)."""
    user = notification.recipient
    if notification.read_at is not None:
        return "cancel", "seen on the site"
    if not user.is_active or not user.email:
        return "cancel", "no active address"
    kind = choices.kind_of(notification.kind)
    if kind is None:
        return "cancel", f"kind {notification.kind!r} is not registered"
    guardian = Guardian(user)
    if guardian.is_banned or not guardian.can_read_as_member:
        return "cancel", "no longer a member"
    if notification.space is not None and not guardian.spaces.read.can(notification.space):
        return "cancel", "may no longer read the space"
    if kind.still_visible is not None and not kind.still_visible(guardian, notification):
        return "cancel", "no longer visible to the member"
    if not choices.email_enabled(user_id=user.pk, kind=kind):
        return "cancel", "email turned off for this kind"
    if EmailSuppression.objects.filter(email__iexact=user.email).exists():
        return "fail", "the address bounced or complained"
    prefs = Settings.objects.filter(user=user).first()
    if prefs is not None:
        until = hold_until(prefs, now, time_zone=getattr(user, "time_zone", ""))
        if until is not None and until > now:
            return "defer", until
    return "send", ""


def deliver(ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the due emails of `ids` (see the module docstring) over one SMTP connection; returns
    counts per outcome."""
    now = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    pending = list(ids)
    connection = _Connection()
    try:
        while pending:
            pk = pending.pop(0)
            outcome = _deliver_one(pk, now, connection)
            if outcome == "retry":
                _retry_rest(pk, now, rest=pending)
                counts["retry"] += 1 + len(pending)
                break
            counts[outcome] += 1
    finally:
        connection.close()
    return dict(counts)


class _Connection:
    """One SMTP connection for a batch, opened at the first email that goes out."""

    def __init__(self) -> None:
        self.backend: Any = None

    def send(self, message: EmailMessage) -> None:
        if self.backend is None:
            self.backend = mail.mailers.default
            self.backend.open()
        self.backend.send_messages([message])

    def close(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # already broken: nothing to tidy
                self.backend.close()
            self.backend = None


def _deliver_one(pk: int, now: dt.datetime, connection: _Connection) -> str:
    from townhall.notifications.email import tasks

    if not _claim(pk, now):
        return "skipped"
    notification = Notification.objects.select_related("recipient", "actor", "space").filter(pk=pk).first()
    if notification is None:  # deleted between the claim and the read
        return "skipped"
    verdict, detail = _verdict(notification, now)
    if verdict == "cancel":
        _finish(pk, CANCELLED)
        logger.info("email for notification %s cancelled: %s", pk, detail)
    elif verdict == "fail":
        _finish(pk, FAILED)
        logger.info("email for notification %s not sent: %s", pk, detail)
    elif verdict == "defer":
        assert isinstance(detail, dt.datetime)
        _finish(pk, PENDING, email_due_at=detail)
        enqueue_at(tasks.send_notification_emails, [pk], detail)
    else:
        kind = choices.kind_of(notification.kind)
        assert kind is not None
        message = compose.notification_email(
            kind=kind, notification=notification, to=notification.recipient.email
        )
        try:
            connection.send(message)
        except (smtplib.SMTPException, OSError) as exc:
            connection.close()
            _retry(notification, now, exc)
            return "retry"
        _finish(pk, SENT)
    return verdict


def _retry(notification: Notification, now: dt.datetime, exc: Exception) -> None:
    """SMTP refused or is unreachable: back to PENDING after a backoff (FAILED after the last attempt)."""
    attempt = int(notification.data.get(ATTEMPTS_KEY, 0)) + 1
    data = {**notification.data, ATTEMPTS_KEY: attempt}
    reason = str(exc) or type(exc).__name__
    if attempt >= MAX_ATTEMPTS:
        _finish(notification.pk, FAILED, data=data)
        logger.error(
            "email for notification %s to user %s failed %d times (%s); giving up",
            notification.pk, notification.recipient_id, attempt, reason,
        )  # fmt: skip
    else:
        retry_at = now + backoff(attempt)
        _finish(notification.pk, PENDING, email_due_at=retry_at, data=data)
        logger.warning(
            "SMTP failed for the email of notification %s (%s); attempt %d of %d, retrying at %s",
            notification.pk, reason, attempt, MAX_ATTEMPTS, retry_at.isoformat(),
        )  # fmt: skip


def _retry_rest(pk: int, now: dt.datetime, *, rest: list[int]) -> None:
    """The rest of a batch whose SMTP hand-off failed waits as long as the failed one (they would fail
    the same way), and all of it is enqueued again for then."""
    from townhall.notifications.email import tasks

    row = Notification.objects.filter(pk=pk).values_list("email_state", "email_due_at").first()
    # The failed row's own retry time; a row that just FAILED for good leaves the rest a minute.
    retry_at = row[1] if row is not None and row[0] == PENDING and row[1] is not None else now + backoff(1)
    Notification.objects.filter(pk__in=rest, email_state=PENDING).update(email_due_at=retry_at)
    if rest:
        logger.warning(
            "%d more notification emails of the batch wait until %s", len(rest), retry_at.isoformat()
        )
    enqueue_at(tasks.send_notification_emails, [pk, *rest], retry_at)


def sweep(*, now: dt.datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """What a lost or failed task left behind: due PENDING rows are sent; rows SENDING for over an hour
    (a worker died after handing the email to SMTP, perhaps) become FAILED, never sent again."""
    now = now or timezone.now()
    stale = Notification.objects.filter(email_state=SENDING, email_due_at__lt=now - STALE_SENDING).update(
        email_state=FAILED
    )
    if stale:
        logger.warning(
            "%d notification emails were claimed over an hour ago and never finished: marked failed", stale
        )
    due = list(
        Notification.objects.filter(email_state=PENDING, email_due_at__lte=now)
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(due), BATCH):
        for key, value in deliver(due[start : start + BATCH], now=now).items():
            counts[key] += value
    counts["stale"] = stale
    return dict(counts)
