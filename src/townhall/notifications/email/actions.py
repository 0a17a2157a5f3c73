"""The email channel's writes that come from outside a session: unsubscribing, and suppressing an
address after a permanent bounce or a complaint."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notifications.email import tokens
from townhall.notifications.models import (
    BOUNCED,
    DIGEST_OFF,
    EMAIL,
    EmailSuppression,
    Notification,
    Preference,
    Settings,
)

BOUNCED_KIND = "email_bounced"


def turn_off(*, user_id: int, kind: str) -> None:
    """Stop one kind of email (or the digest) for a member; doing it twice changes nothing."""
    if kind == tokens.DIGEST:
        Settings.objects.update_or_create(user_id=user_id, defaults={"digest": DIGEST_OFF})
        return
    Preference.objects.update_or_create(
        user_id=user_id, kind=kind, channel=EMAIL, defaults={"enabled": False}
    )


def suppress(user: User, *, reason: str, detail: str) -> EmailSuppression:
    """Stop notification email to the member's address and tell them in the page, once per address.

    The notice is an in-page notification of the kind "email_bounced" (never emailed: the address is
    what failed), linking to the page where they change their address.
    """
    address = user.email.strip().lower()
    with transaction.atomic():
        row, created = EmailSuppression.objects.get_or_create(
            email=address, defaults={"reason": reason, "detail": detail[:300]}
        )
        if created:
            now = timezone.now()
            Notification.objects.get_or_create(
                recipient=user,
                source_key=f"{BOUNCED_KIND}:{row.pk}",
                defaults={
                    "kind": BOUNCED_KIND,
                    "url": reverse("account_email"),
                    "data": {
                        "address": address,
                        "reason": "bounced" if row.reason == BOUNCED else "was reported as spam",
                    },
                    "created_at": now,
                    "updated_at": now,
                },
            )
    return row
