"""The "Devices for push" settings page: a member's devices, adding this browser, removing one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from townhall.core.errors import Invalid
from townhall.core.htmx import done
from townhall.core.ratelimit import hit
from townhall.notifications.push import actions, queries, vapid
from townhall.policy.request import guardian_of

WRITE_RATE = "30/m"


def _limit(request: HttpRequest) -> None:
    hit(f"settings:push:{request.user.pk}", WRITE_RATE)


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "devices": list(queries.list_devices(guardian_of(request))),
        "max_devices": actions.MAX_DEVICES,
        "vapid_public_key": vapid.public_key(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def devices(request: HttpRequest) -> HttpResponse:
    """GET lists the devices. POST (sent by push-devices.js once the browser subscribed) adds this one."""
    if request.method == "POST":
        _limit(request)
        try:
            device = actions.add_device(
                guardian_of(request),
                endpoint=request.POST.get("endpoint", ""),
                p256dh=request.POST.get("p256dh", ""),
                auth=request.POST.get("auth", ""),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except Invalid as exc:
            return render(
                request, "notifications/push_devices.html", _context(request, error=exc.message), status=422
            )
        return done(
            request, redirect_to="notifications:push-devices", message=f"Push is on for {device.label}."
        )
    return render(request, "notifications/push_devices.html", _context(request))


@login_required
@require_POST
def remove(request: HttpRequest, device_id: int) -> HttpResponse:
    _limit(request)
    guardian = guardian_of(request)
    device = queries.get_device_or_404(guardian, device_id)
    actions.remove_device(guardian, device)
    return done(
        request, redirect_to="notifications:push-devices", message=f"{device.label} gets no more pushes."
    )
