"""Calendar feeds over HTTP, and the member's calendar settings page (/settings/calendar/).

Feeds answer `text/calendar; charset=utf-8` with an ETag (a hash of the content) and Last-Modified, and
304 when the calendar app's copy is current. The personal feed's URL is its only credential: it is
`private`, never cached by shared caches, and answers 404 (like any unknown URL) once reset.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.community.models import Group
from townhall.core.errors import Invalid
from townhall.core.htmx import done, form_errors
from townhall.events import feeds, queries
from townhall.events.actions import feeds as feed_actions
from townhall.events.feeds import Feed, feed_urls
from townhall.events.reminders import OFFSET_CHOICES
from townhall.policy import Guardian
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space

SETTINGS = "events/settings_calendar.html"
MAX_AGE = 300


def _respond(request: HttpRequest, feed: Feed, *, private: bool, download: bool = False) -> HttpResponse:
    etag = '"' + hashlib.sha256(feed.content).hexdigest()[:32] + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(feed.content, content_type="text/calendar; charset=utf-8")
        disposition = "attachment" if download else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{feed.filename}"'
    response["ETag"] = etag
    if feed.last_modified is not None:
        response["Last-Modified"] = http_date(feed.last_modified.timestamp())
    response["Cache-Control"] = f"{'private' if private else 'public'}, max-age={MAX_AGE}"
    if not private:
        response["Vary"] = "Cookie"  # a signed-in member may see more than the public copy
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def event_calendar(request: HttpRequest, event_id: int) -> HttpResponse:
    """/events/<id>/calendar.ics: the event (every date of a series), for whoever may read it."""
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    public = guardian.user is None
    return _respond(request, feeds.event_feed(event), private=not public, download=True)


@require_GET
def space_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/space/<slug>/calendar.ics: the space's events the requester may see (public ones only
    without a session)."""
    guardian = guardian_of(request)
    space = Space.objects.filter(slug=slug[:90]).first()
    if space is None or not guardian.spaces.read.can(space):
        raise Http404("No such space")
    return _respond(request, feeds.space_feed(guardian, space), private=guardian.user is not None)


@require_GET
def group_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/group/<slug>/calendar.ics: a group's events the requester may see."""
    guardian = guardian_of(request)
    group = get_object_or_404(Group, slug=slug[:90])
    return _respond(request, feeds.group_feed(guardian, group), private=guardian.user is not None)


@require_GET
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """/events/feed/<token>.ics: the member's dates, read as the member at fetch time."""
    owner = feeds.personal_owner(token)
    if owner is None:
        raise Http404("No such feed")
    return _respond(request, feeds.personal_feed(Guardian(owner)), private=True)


# --- the member's settings page ----------------------------------------------------------------------
def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    guardian = guardian_of(request)
    token = feed_actions.feed_token(guardian)
    chosen = feed_actions.reminder_settings(guardian)
    return {
        "feed": feed_urls(token.token),
        "offset_choices": OFFSET_CHOICES,
        "chosen": set(chosen.offsets),
        "starting_now": chosen.starting_now,
        "follow_up": chosen.follow_up,
        **extra,
    }


@login_required
@require_GET
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Your calendar feed (subscribe, copy, reset) and when reminders come."""
    return render(request, SETTINGS, _context(request))


@login_required
@require_POST
def reset_feed(request: HttpRequest) -> HttpResponse:
    """A new secret URL for the personal feed; the old one stops working."""
    feed_actions.reset_feed_token(guardian_of(request))
    back = reverse("events:calendar-settings")
    message = "Your feed has a new address. Calendars subscribed to the old one stop updating."
    partial = (f"{SETTINGS}#feed", _context(request, reset=True))
    return done(request, redirect_to=back, message=message, partial=partial)


@login_required
@require_http_methods(["POST"])
def save_reminders(request: HttpRequest) -> HttpResponse:
    """The reminder choices: ticked offsets, "starting now", follow-up."""
    guardian = guardian_of(request)
    try:
        feed_actions.set_reminder_settings(
            guardian,
            offsets=request.POST.getlist("offsets")[:10],
            starting_now="starting_now" in request.POST,
            follow_up="follow_up" in request.POST,
        )
    except Invalid as exc:
        context = _context(request, reminders_error=exc.message)
        return form_errors(request, SETTINGS, context, partial="reminders", retarget=None)
    back = reverse("events:calendar-settings")
    partial = (f"{SETTINGS}#reminders", _context(request, saved=True))
    return done(request, redirect_to=back, message="Your reminder choices are saved.", partial=partial)


urlpatterns = [
    path("events/<int:event_id>/calendar.ics", event_calendar, name="event-calendar"),
    path("events/space/<str:slug>/calendar.ics", space_calendar, name="space-calendar"),
    path("events/group/<str:slug>/calendar.ics", group_calendar, name="group-calendar"),
    path("events/feed/<str:token>.ics", personal_feed, name="personal-feed"),
    path("settings/calendar/", calendar_settings, name="calendar-settings"),
    path("settings/calendar/feed/reset/", reset_feed, name="calendar-feed-reset"),
    path("settings/calendar/reminders/", save_reminders, name="calendar-reminders"),
]
