"""API twins of the "Devices for push" page: /api/v1/notifications/push-subscriptions and the key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from townhall.core.api import API_ERRORS, ApiUnauthorized, caller, ensure_write
from townhall.core.ids import Id
from townhall.notifications.models import URL_MAX, PushSubscription
from townhall.notifications.push import actions, queries, vapid
from townhall.policy.request import guardian_of

router = Router(tags=["notifications"])


class KeysIn(Schema):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class SubscriptionIn(Schema):
    """What the browser's PushSubscription.toJSON() gives (expirationTime is ignored)."""

    endpoint: str = Field(max_length=URL_MAX)
    keys: KeysIn


class SubscriptionOut(Schema):
    id: int
    label: str
    endpoint: str
    created_at: datetime
    last_success_at: datetime | None


class PushKeyOut(Schema):
    public_key: str  # base64url: pushManager.subscribe({applicationServerKey: <these bytes>})


def _signed_in(request: HttpRequest) -> None:
    if caller(request).user is None:
        raise ApiUnauthorized("Sign in or send an access token to do that.")


def subscription_out(subscription: PushSubscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "label": subscription.label,
        "endpoint": subscription.endpoint,
        "created_at": subscription.created_at,
        "last_success_at": subscription.last_success_at,
    }


@router.get(
    "/notifications/push-key", response={200: PushKeyOut, **API_ERRORS}, summary="The VAPID public key"
)
def get_push_key(request: HttpRequest) -> dict[str, str]:
    return {"public_key": vapid.public_key()}


@router.get(
    "/notifications/push-subscriptions",
    response={200: list[SubscriptionOut], **API_ERRORS},
    summary="Your devices for web push",
)
def list_push_subscriptions(request: HttpRequest) -> list[dict[str, Any]]:
    _signed_in(request)
    return [subscription_out(s) for s in queries.list_devices(guardian_of(request))]


@router.post(
    "/notifications/push-subscriptions",
    response={201: SubscriptionOut, **API_ERRORS},
    summary="Add a device for web push (the browser's PushSubscription; the same endpoint again updates it)",
)
def create_push_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status:
    _signed_in(request)
    ensure_write(request)
    subscription = actions.add_device(
        guardian_of(request),
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),  # the device's label
    )
    return Status(201, subscription_out(subscription))


@router.delete(
    "/notifications/push-subscriptions/{subscription_id}",
    response={204: None, **API_ERRORS},
    summary="Remove one of your devices",
)
def delete_push_subscription(request: HttpRequest, subscription_id: Id) -> HttpResponse:
    _signed_in(request)
    ensure_write(request)
    guardian = guardian_of(request)
    actions.remove_device(guardian, queries.get_device_or_404(guardian, subscription_id))
    return HttpResponse(status=204)
