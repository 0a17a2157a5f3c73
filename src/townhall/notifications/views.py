"""The notification centre, its badge, opening a notification, and the member's notification settings.

Everything works without JavaScript (plain POSTs redirect with a message); htmx swaps the changed part.
An open centre re-fetches its list (`?part=list`) when a `notifications` broadcast reaches the page, and
the sidebar's badge re-fetches its figure the same way: nothing is pushed pre-rendered over the stream.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.core.errors import Invalid
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors, is_htmx
from townhall.core.pagination import BadCursor
from townhall.notifications import actions, queries
from townhall.notifications.forms import DeliveryForm, PauseForm
from townhall.notifications.models import CHANNELS
from townhall.policy.request import guardian_of

CENTRE = "notifications/centre.html"
SETTINGS = "notifications/settings.html"


def _centre_url(filter: str) -> str:
    url = reverse("notifications:centre")
    return url if filter == queries.ALL else f"{url}?filter={filter}"


def _centre_context(request: HttpRequest, filter: str, cursor: str | None) -> dict[str, Any]:
    guardian = guardian_of(request)
    page = queries.list_notifications(guardian, filter=filter, cursor=cursor)
    return {
        "page": page,
        "filter": page.filter,
        "filters": queries.FILTERS,
        "unread": queries.unread_count(guardian),
        "count_cap": queries.COUNT_CAP,
    }


@login_required
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    """All, unread or mentions, newest first. htmx: `?part=list` (the live refresh) or `?part=more`
    (the next page, after `cursor`)."""
    error = None
    try:
        filter = queries.check_filter(request.GET.get("filter"))
        context = _centre_context(request, filter, request.GET.get("cursor") or None)
    except (Invalid, BadCursor) as exc:
        error = exc.message if isinstance(exc, Invalid) else str(exc)
        context = _centre_context(request, queries.ALL, None)
    context["error"] = error
    part = request.GET.get("part")
    if is_htmx(request) and part in ("list", "more") and error is None:
        return render(request, f"{CENTRE}#{part}", context)
    return render(request, CENTRE, context, status=400 if error else 200)


@require_GET
def count(request: HttpRequest) -> HttpResponse:
    """The figure beside "Notifications" in the sidebar (empty when nothing is unread, and for visitors)."""
    guardian = guardian_of(request)
    total = queries.unread_count(guardian) if guardian.user is not None else 0
    return render(request, "notifications/count.html", {"total": total, "cap": queries.COUNT_CAP})


@login_required
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link: it is marked read, then the browser lands on the post or message."""
    guardian = guardian_of(request)
    notification = queries.get_notification_or_404(guardian, notification_id)
    return redirect(actions.open_notification(guardian, notification))


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    notification = queries.get_notification_or_404(guardian, notification_id)
    actions.mark_read(guardian, notification)
    filter = request.POST.get("filter", queries.ALL)
    filter = filter if filter in dict(queries.FILTERS) else queries.ALL
    partial = (f"{CENTRE}#item", {"entry": queries.item(notification), "filter": filter})
    return done(request, redirect_to=_centre_url(filter), message="Marked as read.", partial=partial)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    try:
        filter = queries.check_filter(request.POST.get("filter"))
    except Invalid as exc:
        context = _centre_context(request, queries.ALL, None)
        context["error"] = exc.message
        return render(request, CENTRE, context, status=400)
    changed = actions.mark_all_read(guardian, filter=filter)
    message = "Everything is marked as read." if changed else "Nothing was unread."
    if is_htmx(request):
        return render(request, f"{CENTRE}#list", _centre_context(request, filter, None))
    return done(request, redirect_to=_centre_url(filter), message=message)


# --- settings ---------------------------------------------------------------------------------------
def _settings_context(request: HttpRequest, **forms: Any) -> dict[str, Any]:
    guardian = guardian_of(request)
    row = queries.settings_of(guardian)
    zone = queries.zone_of(guardian)
    delivery = forms.get("delivery_form") or DeliveryForm(
        current_delay=row.email_delay_minutes,
        initial={
            "email_delay_minutes": row.email_delay_minutes,
            "digest": row.digest,
            "quiet_from": row.quiet_from,
            "quiet_until": row.quiet_until,
        },
    )
    paused = queries.paused(row)
    return {
        "rows": queries.preference_rows(guardian),
        "channels": CHANNELS,
        "delivery_form": delivery,
        "pause_form": forms.get("pause_form") or PauseForm(),
        "settings_row": row,
        "paused": paused,
        "paused_forever": paused and row.paused_until is not None and row.paused_until >= actions.FOREVER,
        "paused_until_local": timezone.localtime(row.paused_until, zone)
        if paused and row.paused_until
        else None,
        "zone_name": queries.zone_name(guardian),
        "zone_set": bool(getattr(guardian.user, "time_zone", "")),
        "choices_error": forms.get("choices_error"),
    }


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    """Everything about how the member is told: kinds and channels, email delay, digest, quiet hours,
    pause."""
    return render(request, SETTINGS, _settings_context(request))


@login_required
@require_POST
def save_choices(request: HttpRequest) -> HttpResponse:
    """The table: a checkbox per kind and channel (`<kind>:<channel>`); unticked means off. Only the
    kinds the form listed (`kinds`) are saved, so a kind added since the page loaded keeps its default."""
    guardian = guardian_of(request)
    listed = request.POST.getlist("kinds")
    choices = [
        (kind, channel, f"{kind}:{channel}" in request.POST)
        for kind in listed
        for channel, _label in CHANNELS
    ]
    try:
        actions.set_preferences(guardian, choices=choices)
    except Invalid as exc:
        context = _settings_context(request, choices_error=exc.message)
        return form_errors(request, SETTINGS, context, partial="choices", retarget=None)
    back = reverse("notifications:settings")
    partial = (f"{SETTINGS}#choices", {**_settings_context(request), "saved": True})
    return done(request, redirect_to=back, message="Your choices are saved.", partial=partial)


@login_required
@require_POST
def save_delivery(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    current = queries.settings_of(guardian).email_delay_minutes
    form = DeliveryForm(request.POST, current_delay=current)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_settings(
                guardian,
                email_delay_minutes=data["email_delay_minutes"],
                digest=data["digest"],
                quiet_from=data["quiet_from"],
                quiet_until=data["quiet_until"],
            )
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            back = reverse("notifications:settings")
            partial = (f"{SETTINGS}#delivery", {**_settings_context(request), "saved": True})
            return done(request, redirect_to=back, message="Your email settings are saved.", partial=partial)
    context = _settings_context(request, delivery_form=form)
    return form_errors(request, SETTINGS, context, partial="delivery", retarget=None)


@login_required
@require_http_methods(["POST"])
def pause(request: HttpRequest) -> HttpResponse:
    """Pause email and push for a day, a week or until resumed; `resume` ends a pause."""
    guardian = guardian_of(request)
    back = reverse("notifications:settings")
    if "resume" in request.POST:
        actions.unsnooze(guardian)
        message = "Notifications by email and push are on again."
    else:
        form = PauseForm(request.POST)
        if not form.is_valid():
            context = _settings_context(request, pause_form=form)
            return form_errors(request, SETTINGS, context, partial="pause", retarget=None)
        length = form.cleaned_data["pause"]
        now = timezone.now()
        until = {"day": now + timedelta(days=1), "week": now + timedelta(days=7)}.get(length, actions.FOREVER)
        actions.snooze(guardian, until=until)
        message = "Notifications by email and push are paused."
    partial = (f"{SETTINGS}#pause", {**_settings_context(request), "saved": True})
    return done(request, redirect_to=back, message=message, partial=partial)
