"""The event page and the host's pages: create, edit, cancel, delete, approve, co-hosts, RSVP, cover.

Every form posts to a real URL: a plain POST redirects with a message, an htmx POST (the RSVP form)
gets its partial back. An event's page is /events/<id>/; one date of a series is /events/date/<id>/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.community.models import Group
from townhall.content.uploads import file_response
from townhall.core.confirm import ask_first, confirmed
from townhall.core.errors import Invalid, NotFound
from townhall.core.htmx import done, is_htmx
from townhall.events import actions, queries, recurrence
from townhall.events.forms import (
    CancelForm,
    EventForm,
    HostForm,
    RsvpForm,
    describe_rule,
    initial_of,
    place_invalid,
)
from townhall.events.live_views import live_context
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space
from townhall.spaces.queries import get_space_or_404

NEXT_DATES = 8
DASH = "\u2013"  # an en dash between two times
REVIEW_MAX = 100

# The same escapes as Django's json_script: the JSON cannot close its <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def event_url(event: Event) -> str:
    return reverse("events:event", args=[event.pk])


def date_url(occurrence: Occurrence) -> str:
    return reverse("events:date", args=[occurrence.pk])


def zone_of(guardian: Guardian) -> tzinfo:
    """The viewer's time zone (User.time_zone), or the site's."""
    name = getattr(guardian.user, "time_zone", "") if guardian.user is not None else ""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


# --- when ------------------------------------------------------------------------------------------
@dataclass
class When:
    """A date's time as the viewer reads it, and in the event's own zone when that differs."""

    text: str
    zone: str
    own_text: str = ""  # in the event's zone, when it is not the viewer's
    own_zone: str = ""


def _span(start: datetime, end: datetime, *, all_day: bool) -> str:
    if all_day:
        last = end - timedelta(days=1)
        if last.date() == start.date():
            return f"{start:%a %-d %B %Y}, all day"
        return f"{start:%a %-d %B} {DASH} {last:%a %-d %B %Y}, all day"
    if end.date() == start.date():
        return f"{start:%a %-d %B %Y}, {start:%H:%M}{DASH}{end:%H:%M}"
    return f"{start:%a %-d %B %Y, %H:%M} {DASH} {end:%a %-d %B %Y, %H:%M}"


def when_of(occurrence: Occurrence, event: Event, viewer: tzinfo) -> When:
    own = ZoneInfo(event.time_zone)
    if event.all_day:  # a day is a day wherever one reads it: shown in the event's zone
        start, end = (
            timezone.localtime(occurrence.starts_at, own),
            timezone.localtime(occurrence.ends_at, own),
        )
        return When(_span(start, end, all_day=True), event.time_zone)
    start, end = (
        timezone.localtime(occurrence.starts_at, viewer),
        timezone.localtime(occurrence.ends_at, viewer),
    )
    when = When(_span(start, end, all_day=False), zone_name(viewer))
    if zone_name(viewer) != event.time_zone:
        own_start, own_end = (
            timezone.localtime(occurrence.starts_at, own),
            timezone.localtime(occurrence.ends_at, own),
        )
        when.own_text, when.own_zone = _span(own_start, own_end, all_day=False), event.time_zone
    return when


def rule_text(event: Event) -> str:
    """ "Every week on Tuesday…" for a series (recurrence.describe when the engine has it)."""
    if not event.rrule:
        return ""
    day = timezone.localtime(event.starts_at, ZoneInfo(event.time_zone)).date()
    describe = getattr(recurrence, "describe", None)  # the recurrence engine's, once it is merged
    if describe is not None:
        start = timezone.localtime(event.starts_at, ZoneInfo(event.time_zone)).replace(tzinfo=None)
        return str(describe(event.rrule, start_local=start, zone_name=event.time_zone))
    return describe_rule(event.rrule, day)


# --- schema.org ------------------------------------------------------------------------------------
def json_ld(request: HttpRequest, event: Event, occurrence: Occurrence) -> SafeString:
    """schema.org `Event` for search engines (data, not script: it runs nothing)."""
    own = ZoneInfo(event.time_zone)
    if event.all_day:
        start = timezone.localtime(occurrence.starts_at, own).date().isoformat()
        end = (timezone.localtime(occurrence.ends_at, own) - timedelta(days=1)).date().isoformat()
    else:
        start = timezone.localtime(occurrence.starts_at, own).isoformat()
        end = timezone.localtime(occurrence.ends_at, own).isoformat()
    if event.state == Event.CANCELLED or occurrence.cancelled:
        status = "https://schema.org/EventCancelled"
    elif occurrence.moved:
        status = "https://schema.org/EventRescheduled"
    else:
        status = "https://schema.org/EventScheduled"
    mode = {
        Event.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
        Event.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
        Event.HYBRID: "https://schema.org/MixedEventAttendanceMode",
    }[event.location_kind]
    page = request.build_absolute_uri(date_url(occurrence))
    places: list[dict[str, Any]] = []
    if event.in_person:
        place: dict[str, Any] = {"@type": "Place", "name": event.venue or event.address}
        if event.address:
            place["address"] = {"@type": "PostalAddress", "streetAddress": event.address}
        places.append(place)
    if event.online:
        places.append({"@type": "VirtualLocation", "url": page})  # the join link itself stays private
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": start,
        "endDate": end,
        "eventStatus": status,
        "eventAttendanceMode": mode,
        "location": places[0] if len(places) == 1 else places,
        "organizer": [
            {
                "@type": "Person",
                "name": host.user.name,
                "url": request.build_absolute_uri(reverse("accounts:profile", args=[host.user.username])),
            }
            for host in event.hosts.all()
        ],
        "description": " ".join(event.description.split())[:500],
        "url": page,
    }
    if event.cover_id:
        data["image"] = [request.build_absolute_uri(cover_url(event))]
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES))  # noqa: S308 - escaped above


def cover_url(event: Event) -> str:
    assert event.cover is not None
    return reverse("events:cover", args=[event.pk, event.cover.name])


# --- the event page --------------------------------------------------------------------------------
def waitlist_position(rsvp: Rsvp | None) -> int | None:
    """Where a waitlisted person stands (1 is next); one query, only when they are waiting."""
    if rsvp is None or rsvp.state != Rsvp.WAITLISTED or rsvp.waitlisted_at is None:
        return None
    ahead = Rsvp.objects.filter(occurrence_id=rsvp.occurrence_id, state=Rsvp.WAITLISTED).filter(
        Q(waitlisted_at__lt=rsvp.waitlisted_at) | Q(waitlisted_at=rsvp.waitlisted_at, id__lt=rsvp.pk)
    )
    return ahead.count() + 1


def _pick(dates: list[Occurrence], now: datetime) -> Occurrence | None:
    """The date a series' page is about: the next one not over (not cancelled if possible)."""
    coming = [o for o in dates if o.ends_at > now]
    for occurrence in coming:
        if not occurrence.cancelled:
            return occurrence
    return coming[0] if coming else (dates[-1] if dates else None)


def attend_context(
    request: HttpRequest,
    guardian: Guardian,
    event: Event,
    occurrence: Occurrence,
    *,
    form: RsvpForm | None = None,
) -> dict[str, Any]:
    """What the attend box shows: counts, my answer, the form (or why not), the join link (or why not)."""
    occurrence.event = event
    rsvp = queries.my_rsvps(guardian, [occurrence.pk]).get(occurrence.pk)
    refusal = guardian.events.rsvp(occurrence)
    join = guardian.events.see_join_link(occurrence, rsvp)
    if form is None and refusal is None:
        initial: dict[str, Any] = {
            "state": rsvp.state if rsvp and rsvp.state != Rsvp.WAITLISTED else Rsvp.GOING
        }
        if rsvp is not None:
            initial["guests"] = rsvp.guests
            initial.update({f"answer_{key}": value for key, value in rsvp.answers.items()})
        form = RsvpForm(initial=initial, event=event)
    spots = None if event.capacity is None else max(0, event.capacity - occurrence.going_count)
    return {
        "event": event,
        "occurrence": occurrence,
        "rsvp": rsvp,
        "position": waitlist_position(rsvp),
        "rsvp_refusal": refusal.reason if refusal is not None else "",
        "rsvp_form": form if refusal is None else None,
        "join_url": event.online_url if join is None else "",
        "join_reason": join.reason if join is not None and event.online else "",
        "spots": spots,
        "login_url": f"{reverse('account_login')}?next={request.path}",
    }


def _page(request: HttpRequest, event: Event, occurrence: Occurrence | None, *, status: int = 200,
          rsvp_form: RsvpForm | None = None) -> HttpResponse:  # fmt: skip
    guardian = guardian_of(request)
    now = timezone.now()
    viewer = zone_of(guardian)
    dates = list(Occurrence.objects.filter(event=event).order_by("starts_at", "id"))
    if occurrence is None:
        occurrence = _pick(dates, now)
    if occurrence is None:  # an event always has a date; one without is only half made
        raise NotFound("No such event")
    occurrence.event = event
    upcoming = [o for o in dates if o.ends_at > now and o.pk != occurrence.pk][:NEXT_DATES]
    for row in upcoming:
        row.event = event
    context: dict[str, Any] = {
        "event": event,
        "occurrence": occurrence,
        "when": when_of(occurrence, event, viewer),
        "rule": rule_text(event),
        "next_dates": [(row, when_of(row, event, viewer)) for row in upcoming],
        "hosts": list(event.hosts.all()),
        "json_ld": json_ld(request, event, occurrence)
        if event.live or event.state == Event.CANCELLED
        else "",
        "can_edit": guardian.events.edit.can(event),
        "can_cancel": guardian.events.cancel.can(event),
        "can_delete": guardian.events.delete.can(event),
        "can_review": guardian.events.review.can(event),
        "can_attendees": guardian.events.manage_attendees.can(event),
        "group_first": event.group is not None
        and event.group_only_until is not None
        and now < event.group_only_until,
        "group_until": timezone.localtime(event.group_only_until, viewer) if event.group_only_until else None,
        "host_form": HostForm(),
        "past": occurrence.ends_at <= now,
    }
    context.update(attend_context(request, guardian, event, occurrence, form=rsvp_form))
    context.update(live_context(request, occurrence))
    return render(request, "events/event.html", context, status=status)


@require_GET
def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    """An event: its next date (or the one asked for), place, hosts, description, RSVP."""
    event = queries.get_event_or_404(guardian_of(request), event_id)
    return _page(request, event, None)


@require_GET
def date_page(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """One date of an event (a series' page for that date)."""
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    event = queries.get_event_or_404(guardian, occurrence.event_id)
    return _page(request, event, occurrence)


@require_POST
def rsvp(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """Answer for one date; an htmx POST gets the attend box back, a plain one the page."""
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    event = queries.get_event_or_404(guardian, occurrence.event_id)
    occurrence.event = event
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={date_url(occurrence)}")
    guardian.events.rsvp.ensure(occurrence)
    form = RsvpForm(request.POST, event=event)
    if form.is_valid():
        try:
            answer = actions.set_rsvp(
                guardian, occurrence, state=form.cleaned_data["state"],
                guests=form.cleaned_data.get("guests") or 0, answers=form.answers(),
            )  # fmt: skip
        except Invalid as exc:
            form.place(exc)
        else:
            message = {
                Rsvp.GOING: "You're going.",
                Rsvp.MAYBE: "You said maybe.",
                Rsvp.NOT_GOING: "You're not going.",
                Rsvp.WAITLISTED: "It's full: you're on the waitlist.",
            }[answer.state]
            if is_htmx(request):
                occurrence.refresh_from_db()
                context = attend_context(request, guardian, event, occurrence)
                context["saved"] = message
                return render(request, "events/event.html#attend", context)
            return done(request, redirect_to=date_url(occurrence), message=message)
    if is_htmx(request):
        context = attend_context(request, guardian, event, occurrence, form=form)
        response = render(request, "events/event.html#attend", context, status=422)
        return response
    return _page(request, event, occurrence, status=400, rsvp_form=form)


@require_GET
def cover(request: HttpRequest, event_id: int, name: str) -> HttpResponseBase:
    """The event's cover image, to whoever may see the event."""
    event = queries.get_event_or_404(guardian_of(request), event_id)
    if event.cover is None or event.cover.name != name:
        raise NotFound("No such file")
    public = event.space.visibility == Space.PUBLIC and event.state in (Event.PUBLISHED, Event.CANCELLED)
    return file_response(event.cover, public=public)


# --- creating and editing --------------------------------------------------------------------------
def _groups(guardian: Guardian) -> list[tuple[int, str]]:
    """The groups an event may be offered to first: the person's own, or every group for moderators."""
    rows = Group.objects.order_by("name")
    if not guardian.is_moderator:
        rows = rows.filter(pk__in=list(guardian.group_ids))
    return [(group.pk, group.name) for group in rows[:200]]


def _form_page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    from townhall.events.forms import zone_names

    context.setdefault("zones", zone_names())
    return render(request, "events/form.html", context, status=status)


def _save_cover(guardian: Guardian, event: Event, form: EventForm, prepared: Any) -> None:
    if prepared is not None:
        actions.set_cover(guardian, event, cover=prepared)
    elif form.cleaned_data.get("remove_cover") and event.cover_id:
        actions.set_cover(guardian, event, cover=None)


def _prepared_cover(request: HttpRequest) -> Any:
    sent = request.FILES.get("cover")
    return actions.prepare_cover(sent, sent.name or "cover") if sent is not None else None


@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    """/events/new/?space=<slug>: the new-event form (a space picker when no space is given)."""
    guardian = guardian_of(request)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    slug = request.GET.get("space") or request.POST.get("space") or ""
    if not slug:
        spaces = [s for s in Space.objects.filter(kind="events", archived_at__isnull=True).order_by("name")[:200]
                  if guardian.events.create.can(s)]  # fmt: skip
        if len(spaces) == 1:
            return redirect(f"{reverse('events:create')}?space={spaces[0].slug}")
        return render(request, "events/form_space.html", {"spaces": spaces})
    space = get_space_or_404(guardian, slug)
    guardian.events.create.ensure(space)
    groups = _groups(guardian)
    needs_approval = guardian.events.needs_approval(space)
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES, groups=groups)
        if form.is_valid():
            try:
                data = form.to_input()
                prepared = _prepared_cover(request)
                event = actions.create_event(guardian, space, data=data)
                _save_cover(guardian, event, form, prepared)
            except Invalid as exc:
                place_invalid(form, exc)
            else:
                if event.state == Event.PENDING:
                    message = "Sent to the moderators for approval. You'll hear when they have looked at it."
                else:
                    message = "Your event is on the calendar."
                return done(request, redirect_to=event_url(event), message=message)
        context = {"form": form, "space": space, "needs_approval": needs_approval, "event": None}
        return _form_page(request, context, status=400)
    zone = zone_name(zone_of(guardian))
    start = (timezone.localtime(timezone.now(), zone_of(guardian)) + timedelta(days=7)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    initial = {"time_zone": zone, "date": start.date(), "start_time": start.time(),
               "end_time": (start + timedelta(hours=2)).time(), "guests_allowed": 0, "ends": "never"}  # fmt: skip
    form = EventForm(initial=initial, groups=groups)
    return _form_page(
        request, {"form": form, "space": space, "needs_approval": needs_approval, "event": None}
    )


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    guardian.events.edit.ensure(event)
    groups = _groups(guardian)
    if event.group_id is not None and event.group is not None and event.group_id not in dict(groups):
        groups.append((event.group_id, event.group.name))
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES, groups=groups)
        if form.is_valid():
            try:
                data = form.to_input()
                prepared = _prepared_cover(request)
                event = actions.update_event(guardian, event, data=data)
                _save_cover(guardian, event, form, prepared)
            except Invalid as exc:
                place_invalid(form, exc)
            else:
                return done(request, redirect_to=event_url(event), message="Saved.")
        return _form_page(request, {"form": form, "space": event.space, "event": event}, status=400)
    form = EventForm(initial=initial_of(event), groups=groups)
    return _form_page(request, {"form": form, "space": event.space, "event": event})


# --- cancelling, deleting, reviewing ---------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    guardian.events.cancel.ensure(event)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.cancel_event(guardian, event, reason=form.cleaned_data["reason"])
        except Invalid as exc:
            form.add_error("reason", exc.message)
        else:
            return done(
                request, redirect_to=event_url(event), message="The event is cancelled; attendees are told."
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "events/event_cancel.html", {"event": event, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def event_delete(request: HttpRequest, event_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    guardian.events.delete.ensure(event)
    if not confirmed(request):
        return ask_first(
            request,
            title="Delete this event?",
            question=f"“{event.title}”, every date of it and everyone's answers will be gone. This cannot be undone.",
            button="Delete event",
            cancel_url=event_url(event),
        )
    space = event.space
    actions.delete_event(guardian, event)
    return done(
        request, redirect_to=reverse("spaces:detail", args=[space.slug]), message="The event is deleted."
    )


def _reviewable(guardian: Guardian) -> list[Event]:
    """Events waiting for this person's approval, oldest first (one query)."""
    qs = guardian.events.reviewable(Event.objects.select_related("space", "created_by", "group"))
    return list(qs.order_by("created_at", "id")[:REVIEW_MAX])


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """/events/review/: the events waiting for a moderator, with approve and decline buttons."""
    guardian = guardian_of(request)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    viewer = zone_of(guardian)
    rows = []
    for event in _reviewable(guardian):
        first = Occurrence(starts_at=event.starts_at, ends_at=event.ends_at, event=event)
        rows.append((event, when_of(first, event, viewer), rule_text(event)))
    return render(request, "events/review.html", {"rows": rows})


@require_POST
def event_review(request: HttpRequest, event_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        raise Invalid("Choose approve or decline.")
    approve = decision == "approve"
    actions.review_event(guardian, event, approve=approve, note=request.POST.get("note", ""))
    back = request.POST.get("next") or ""
    target = reverse("events:review-queue") if back == "queue" else event_url(event)
    message = (
        f"“{event.title}” is published." if approve else f"“{event.title}” is declined; the host is told."
    )
    return done(request, redirect_to=target, message=message)


# --- hosts -----------------------------------------------------------------------------------------
@require_POST
def host_add(request: HttpRequest, event_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    guardian.events.edit.ensure(event)
    username = (request.POST.get("username") or "").strip().lstrip("@")
    user = get_user_model().objects.filter(username__iexact=username).first() if username else None
    try:
        if user is None:
            raise Invalid(f"There is nobody called {username!r}." if username else "Give a username.")
        actions.add_host(guardian, event, user=user)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect(event_url(event) + "#hosts")
    return done(request, redirect_to=event_url(event) + "#hosts", message=f"{user.name} is a co-host now.")


@require_POST
def host_remove(request: HttpRequest, event_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    event = queries.get_event_or_404(guardian, event_id)
    guardian.events.edit.ensure(event)
    user = get_user_model().objects.filter(username=request.POST.get("username", "")).first()
    try:
        if user is None:
            raise Invalid("This person is not a host of the event.")
        actions.remove_host(guardian, event, user=user)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect(event_url(event) + "#hosts")
    return done(request, redirect_to=event_url(event) + "#hosts", message=f"{user.name} is no longer a host.")


urlpatterns = [
    path("events/new/", event_create, name="create"),
    path("events/review/", review_queue, name="review-queue"),
    path("events/<id:event_id>/", event_page, name="event"),
    path("events/date/<id:occurrence_id>/", date_page, name="date"),
    path("events/date/<id:occurrence_id>/rsvp/", rsvp, name="rsvp"),
    path("events/<id:event_id>/edit/", event_edit, name="edit"),
    path("events/<id:event_id>/cancel/", event_cancel, name="cancel"),
    path("events/<id:event_id>/delete/", event_delete, name="delete"),
    path("events/<id:event_id>/review/", event_review, name="review"),
    path("events/<id:event_id>/hosts/", host_add, name="host-add"),
    path("events/<id:event_id>/hosts/remove/", host_remove, name="host-remove"),
    path("events/<id:event_id>/cover/<str:name>", cover, name="cover"),
]
