"""Reads about a member's devices for web push."""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.core.errors import NotFound
from townhall.notifications.models import PushSubscription
from townhall.policy import Guardian


def list_devices(guardian: Guardian) -> QuerySet[PushSubscription]:
    """The member's own devices, newest first (nobody sees anyone else's)."""
    return guardian.push.visible_subscriptions(PushSubscription.objects.all()).order_by("-created_at", "-id")


def get_device_or_404(guardian: Guardian, subscription_id: int) -> PushSubscription:
    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("Not found")
    guardian.push.manage_subscription.ensure(subscription)
    return subscription
