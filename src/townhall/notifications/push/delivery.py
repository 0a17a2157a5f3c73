"""Delivering PENDING push notifications: the "push" channel's schedule(ids) and its tasks.

For each notification: hold it while the member paused (skipped: a snooze means nothing by push) or is
in quiet hours (deferred to their end); claim it (PENDING -> SENDING, once); recheck at this moment that
the member may still see it (active account, not banned, may read its space, the kind's own check);
then send one short encrypted payload to every device at once, each with its own timeout, so a slow
push service never holds back another device. Per device: 2xx delivered; 404/410 the subscription is
gone and is removed; 429, 5xx and network errors are retried with backoff (honouring Retry-After);
any other answer is that device's failure. The row ends SENT when some device got it, FAILED when
none did after the retries, CANCELLED when nothing was due (seen already, no longer permitted, no
device, paused).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.tasks import default_task_backend, task
from django.utils import timezone
from pywebpush import WebPushException, webpush

from townhall.community.models import Community
from townhall.core.effects import enqueue_on_commit
from townhall.notifications.kinds import kinds
from townhall.notifications.models import (
    CANCELLED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    Notification,
    PushSubscription,
)
from townhall.notifications.models import Settings as NotificationSettings
from townhall.notifications.push import actions, vapid
from townhall.notifications.push.hold import hold_until, is_paused
from townhall.notifications.push.payload import payload_for
from townhall.policy import Guardian

logger = logging.getLogger(__name__)

BATCH = 100  # notification ids per task
MAX_ATTEMPTS = 5  # per device: the first send and four retries
BACKOFF_SECONDS = 30  # 30 s, 2 min, 8 min, 32 min (x4 each time, +-20 %)
RETRY_AFTER_MAX = 3600
TTL_SECONDS = 12 * 3600  # a device offline for longer gets nothing: the centre has it


# --- the channel ---------------------------------------------------------------------------------------
def schedule(notification_ids: list[int]) -> None:
    """The "push" channel's entry (channels.Channel.schedule): deliver these PENDING rows in tasks."""
    ids = list(dict.fromkeys(int(i) for i in notification_ids))
    for start in range(0, len(ids), BATCH):
        enqueue_on_commit(send_pushes, ids[start : start + BATCH])


def _enqueue_at(fn: Any, when: datetime, *args: Any) -> bool:
    """Enqueue `fn(*args)` to run at `when`; False when the task backend cannot defer (tests' inline
    backend), where a retry runs at once and a hold is left PENDING."""
    if default_task_backend.supports_defer:
        fn.using(run_after=when).enqueue(*args)
        return True
    return False


def backoff(attempt: int, retry_after: str | None = None) -> timedelta:
    """How long to wait before attempt `attempt + 1`: the push service's Retry-After (seconds, capped)
    when it gave one, else exponential with jitter."""
    if retry_after and retry_after.strip().isdigit():
        return timedelta(seconds=min(int(retry_after.strip()), RETRY_AFTER_MAX))
    base = BACKOFF_SECONDS * 4 ** (attempt - 1)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


# --- permission at delivery ----------------------------------------------------------------------------
def still_permitted(notification: Notification) -> bool:
    """May the recipient still be told about this, now? (Rechecked at every delivery attempt.)"""
    recipient = notification.recipient
    if not recipient.is_active:
        return False
    guardian = Guardian(recipient)
    if guardian.is_banned:
        return False
    if notification.space is not None and not guardian.spaces.read.can(notification.space):
        return False
    kind = kinds.get(notification.kind)
    if kind is None:
        return False
    return kind.still_visible is None or bool(kind.still_visible(guardian, notification))


def _load(notification_id: int) -> Notification | None:
    return (
        Notification.objects.select_related("recipient", "space", "actor").filter(pk=notification_id).first()
    )


def _payload(notification: Notification) -> bytes:
    kind = kinds[notification.kind]
    name = Community.objects.filter(pk=1).values_list("name", flat=True).first() or "Townhall"
    return payload_for(notification, kind, community_name=name)


# --- sending -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    subscription_id: int
    status: int | None  # the push service's HTTP status; None: no answer
    detail: str = ""
    retry_after: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)

    @property
    def transient(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


def _send_one(subscription: PushSubscription, data: bytes, signer: Any, subject: str) -> Outcome:
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        response = webpush(
            info,
            data=data.decode(),
            vapid_private_key=signer,
            vapid_claims={"sub": subject},  # a fresh dict: webpush adds aud and exp to it
            content_encoding="aes128gcm",
            timeout=settings.PUSH_TIMEOUT,
            ttl=TTL_SECONDS,
            headers={"Urgency": "normal"},
        )
    except WebPushException as exc:
        status = exc.status_code
        if status is None:
            return Outcome(subscription.pk, 0, detail=exc.message[:200])  # our side: bad keys, never retried
        return Outcome(subscription.pk, status, detail=exc.message[:200], retry_after=exc.retry_after)
    except requests.Timeout:
        return Outcome(subscription.pk, None, detail=f"no answer within {settings.PUSH_TIMEOUT} s")
    except requests.RequestException as exc:
        return Outcome(subscription.pk, None, detail=f"{type(exc).__name__}: {str(exc)[:160]}")
    assert not isinstance(response, str)
    return Outcome(subscription.pk, response.status_code)


def send_to_devices(subscriptions: Sequence[PushSubscription], data: bytes) -> list[Outcome]:
    """One POST per device, all at once (at most MAX_DEVICES threads), each bounded by PUSH_TIMEOUT."""
    if not subscriptions:
        return []
    signer, subject = vapid.keys(), vapid.subject()
    with ThreadPoolExecutor(max_workers=min(len(subscriptions), actions.MAX_DEVICES)) as pool:
        return list(pool.map(lambda s: _send_one(s, data, signer, subject), subscriptions))


def _record(notification_id: int, outcomes: list[Outcome]) -> tuple[bool, list[Outcome]]:
    """Write each device's outcome; (anything delivered, the outcomes worth another try)."""
    delivered, again = False, []
    for outcome in outcomes:
        if outcome.delivered:
            delivered = True
            actions.device_delivered(outcome.subscription_id)
        elif outcome.gone:
            actions.device_gone(outcome.subscription_id, status=outcome.status or 0)
        else:
            actions.device_failed(outcome.subscription_id)
            logger.warning(
                "push: notification %s to device %s failed: %s %s",
                notification_id,
                outcome.subscription_id,
                outcome.status if outcome.status is not None else "no answer",
                outcome.detail,
            )
            if outcome.transient:
                again.append(outcome)
    return delivered, again


def _send_and_follow_up(
    notification: Notification, subscriptions: Sequence[PushSubscription], *, attempt: int, delivered: bool
) -> str:
    outcomes = send_to_devices(subscriptions, _payload(notification))
    got_it, again = _record(notification.pk, outcomes)
    delivered = delivered or got_it
    if again and attempt < MAX_ATTEMPTS:
        wait = max(backoff(attempt, o.retry_after) for o in again)
        ids = [o.subscription_id for o in again]
        if not _enqueue_at(retry_pushes, timezone.now() + wait, notification.pk, ids, attempt + 1, delivered):
            retry_pushes.call(notification.pk, ids, attempt + 1, delivered)
        return SENDING
    state = SENT if delivered else FAILED
    actions.finish(notification.pk, state)
    if state == FAILED:
        logger.warning(
            "push: notification %s reached no device after %s attempt(s)", notification.pk, attempt
        )
    return state


def deliver(notification_id: int, *, now: datetime | None = None) -> str:
    """Deliver one PENDING notification by push; returns the state it is left in."""
    now = now or timezone.now()
    notification = _load(notification_id)
    if notification is None:
        return "missing"
    choices = (
        NotificationSettings.objects.select_related("user").filter(user_id=notification.recipient_id).first()
    )
    if choices is not None and notification.push_state == PENDING:
        if is_paused(choices, now):
            if actions.cancel_pending(notification_id):
                logger.info(
                    "push: notification %s skipped: member %s paused notifications",
                    notification_id,
                    notification.recipient_id,
                )
            return CANCELLED
        until = hold_until(choices, now)
        if until is not None:
            _enqueue_at(send_pushes, until, [notification_id])
            return "held"
    if not actions.claim(notification_id):
        return "not pending"
    reason = ""
    if notification.read_at is not None:
        reason = "already read in the page"
    elif not still_permitted(notification):
        reason = "the member may no longer see it"
    subscriptions = [] if reason else list(PushSubscription.objects.filter(user_id=notification.recipient_id))
    if not reason and not subscriptions:
        reason = "the member has no device for push"
    if reason:
        actions.finish(notification_id, CANCELLED)
        logger.info("push: notification %s cancelled: %s", notification_id, reason)
        return CANCELLED
    return _send_and_follow_up(notification, subscriptions, attempt=1, delivered=False)


# --- tasks (they take ids and tolerate deleted rows) -------------------------------------------------
@task()
def send_pushes(notification_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of PENDING notifications; counts of the states they were left in."""
    counts: dict[str, int] = {}
    for notification_id in notification_ids:
        state = deliver(notification_id)
        counts[state] = counts.get(state, 0) + 1
    return counts


@task()
def retry_pushes(notification_id: int, subscription_ids: list[int], attempt: int, delivered: bool) -> str:
    """Send a claimed notification again to the devices whose push service asked us to retry."""
    notification = _load(notification_id)
    if notification is None or notification.push_state != SENDING:
        return "missing"
    if not still_permitted(notification):
        actions.finish(notification_id, SENT if delivered else CANCELLED)
        logger.info(
            "push: retry of notification %s dropped: the member may no longer see it", notification_id
        )
        return CANCELLED
    subscriptions = list(
        PushSubscription.objects.filter(pk__in=subscription_ids, user_id=notification.recipient_id)
    )
    if not subscriptions:
        actions.finish(notification_id, SENT if delivered else FAILED)
        return SENT if delivered else FAILED
    return _send_and_follow_up(notification, subscriptions, attempt=attempt, delivered=delivered)
