"""Writes about web push: a member adds or removes a device, and delivery records its progress.

A device is the Push API's subscription of one browser: its endpoint at the browser's push service and
the two keys that encrypt what we send it (RFC 8291). The endpoint is unique: a browser that a second
person signs in on and subscribes moves to that person, so the first one's pushes never reach it again.
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from ua_parser import parse as parse_user_agent

from townhall.accounts.models import User
from townhall.core.errors import Invalid
from townhall.notifications.models import (
    CANCELLED,
    PENDING,
    SENDING,
    URL_MAX,
    Notification,
    PushSubscription,
)
from townhall.policy import Guardian

logger = logging.getLogger(__name__)

MAX_DEVICES = 10
LABEL_MAX = 120
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


# --- input ------------------------------------------------------------------------------------------
def _b64url(value: str, *, field: str, length: int) -> bytes:
    text = (value or "").strip()
    if not text or len(text) > 200:
        raise Invalid(f"The {field} key is missing or too long.", field_errors={field: ["Give the key."]})
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length:
        message = f"The {field} key must be {length} bytes in base64url."
        raise Invalid(message, field_errors={field: [message]})
    return raw


def clean_keys(*, p256dh: str, auth: str) -> tuple[str, str]:
    """The subscription's keys as base64url without padding, checked: p256dh is a P-256 public point
    (65 bytes, uncompressed), auth a 16-byte secret."""
    point = _b64url(p256dh, field="p256dh", length=65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        message = "The p256dh key is not a P-256 public key."
        raise Invalid(message, field_errors={"p256dh": [message]}) from None
    secret = _b64url(auth, field="auth", length=16)

    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return encode(point), encode(secret)


def clean_endpoint(endpoint: str) -> str:
    """An https URL of a push service. Plain http only to this machine, and only in debug mode or under
    tests (settings.PUSH_ALLOW_LOCAL_ENDPOINTS), for a local test endpoint."""
    text = (endpoint or "").strip()

    def bad(message: str) -> Invalid:
        return Invalid(message, field_errors={"endpoint": [message]})

    if not text:
        raise bad("The endpoint is missing.")
    if len(text) > URL_MAX:
        raise bad(f"The endpoint is longer than {URL_MAX} characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise bad("The endpoint is not a valid URL.") from None
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password or any(c.isspace() for c in text):
        raise bad("The endpoint is not a valid URL.")
    if parts.scheme == "https":
        return text
    local = parts.scheme == "http" and host in LOCAL_HOSTS and port is not None
    if local and settings.PUSH_ALLOW_LOCAL_ENDPOINTS:
        return text
    raise bad("The endpoint must be an https URL of a push service.")


def label_for(user_agent: str) -> str:
    """ "Firefox on Android" from the browser's User-Agent header ("A browser" when it says nothing)."""
    if not user_agent:
        return "A browser"
    found = parse_user_agent(user_agent[:1000])
    browser = found.user_agent.family if found.user_agent else ""
    system = found.os.family if found.os else ""
    browser = "" if browser == "Other" else browser.replace("HeadlessChrome", "Chrome (headless)")
    system = "" if system == "Other" else system
    if browser and system:
        return f"{browser} on {system}"[:LABEL_MAX]
    return (browser or system or "A browser")[:LABEL_MAX]


# --- a member's devices ------------------------------------------------------------------------------
def add_device(
    guardian: Guardian, *, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Register this browser's subscription for the guardian's member.

    Subscribing the same browser again refreshes its keys. An endpoint another member registered moves
    to this one (logged). At most MAX_DEVICES per member: the member's row is locked while counting, so
    two browsers subscribing at once cannot pass the limit together. Raises Invalid with the field.
    """
    guardian.push.subscribe.ensure()
    endpoint = clean_endpoint(endpoint)
    p256dh, auth = clean_keys(p256dh=p256dh, auth=auth)
    label = label_for(user_agent)
    user = guardian.user
    assert user is not None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if existing is not None and existing.user_id == user.pk:
            existing.p256dh, existing.auth, existing.label, existing.failures = p256dh, auth, label, 0
            existing.save(update_fields=["p256dh", "auth", "label", "failures"])
            return existing
        if PushSubscription.objects.filter(user_id=user.pk).count() >= MAX_DEVICES:
            message = f"You already receive push on {MAX_DEVICES} devices; remove one to add this one."
            raise Invalid(message, field_errors={"endpoint": [message]})
        if existing is not None:
            logger.info(
                "push: device %s moved from member %s to member %s", existing.pk, existing.user_id, user.pk
            )
            existing.user_id = user.pk
            existing.p256dh, existing.auth, existing.label = p256dh, auth, label
            existing.created_at, existing.last_success_at, existing.failures = timezone.now(), None, 0
            existing.save()
            return existing
        return PushSubscription.objects.create(
            user_id=user.pk, endpoint=endpoint, p256dh=p256dh, auth=auth, label=label
        )


def remove_device(guardian: Guardian, subscription: PushSubscription) -> None:
    """Stop pushes to one of the member's devices (someone else's is unseen: NotFound)."""
    guardian.push.manage_subscription.ensure(subscription)
    PushSubscription.objects.filter(pk=subscription.pk).delete()


# --- delivery's progress (the channel itself, not a person) ------------------------------------------
def claim(notification_id: int) -> bool:
    """PENDING -> SENDING in one UPDATE: of two workers handed the same row, exactly one gets True."""
    return Notification.objects.filter(pk=notification_id, push_state=PENDING).update(push_state=SENDING) == 1


def cancel_pending(notification_id: int) -> bool:
    """PENDING -> CANCELLED (paused), unless a worker claimed it meanwhile."""
    return (
        Notification.objects.filter(pk=notification_id, push_state=PENDING).update(push_state=CANCELLED) == 1
    )


def finish(notification_id: int, state: str) -> None:
    """SENDING -> SENT, CANCELLED or FAILED (only a claimed row is finished)."""
    Notification.objects.filter(pk=notification_id, push_state=SENDING).update(push_state=state)


def device_delivered(subscription_id: int) -> None:
    PushSubscription.objects.filter(pk=subscription_id).update(last_success_at=timezone.now(), failures=0)


def device_failed(subscription_id: int) -> None:
    PushSubscription.objects.filter(pk=subscription_id).update(failures=F("failures") + 1)


def device_gone(subscription_id: int, *, status: int) -> None:
    """The push service says the subscription no longer exists (404/410): forget the device."""
    deleted, _ = PushSubscription.objects.filter(pk=subscription_id).delete()
    if deleted:
        logger.warning(
            "push: device %s removed: its push service answered %s (subscription gone)",
            subscription_id,
            status,
        )
