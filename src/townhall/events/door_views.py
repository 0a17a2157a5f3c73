"""Pages around a date for its hosts: the attendee list and its CSV, check-in at the door (a phone-width
list, QR tickets) — and each attendee's own ticket page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.chat.queries import zone_of
from townhall.core.errors import NotFound, PermissionDenied
from townhall.core.htmx import is_htmx
from townhall.events import attendees, queries
from townhall.events.actions import door
from townhall.events.models import Occurrence, Rsvp
from townhall.policy.request import guardian_of

ATTENDEES = "events/attendees.html"
DOOR = "events/door.html"
DOOR_TICKET = "events/door_ticket.html"
TICKET = "events/ticket.html"
LIST_TARGET = "door-list"


def _occurrence(request: HttpRequest, occurrence_id: int) -> Occurrence:
    return queries.get_occurrence_or_404(guardian_of(request), occurrence_id)


@login_required
@require_GET
def attendee_page(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """Going (with guests and answers), maybe, the waitlist in order, not going, and check-ins."""
    guardian = guardian_of(request)
    occurrence = _occurrence(request, occurrence_id)
    people = attendees.attendee_list(guardian, occurrence)
    context = {
        "occurrence": occurrence, "event": occurrence.event, "people": people, "zone": zone_of(guardian),
        "can_check_in": guardian.events.check_in.can(occurrence),
    }  # fmt: skip
    return render(request, ATTENDEES, context)


@login_required
@require_GET
def attendee_csv(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    occurrence = _occurrence(request, occurrence_id)
    body = attendees.attendees_csv(guardian, occurrence, zone=zone_of(guardian))
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = occurrence.starts_at.strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="attendees-{occurrence.event_id}-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _door_context(request: HttpRequest, occurrence: Occurrence, search: str) -> dict[str, Any]:
    guardian = guardian_of(request)
    people = attendees.door_list(guardian, occurrence, search=search)
    return {"occurrence": occurrence, "event": occurrence.event, "people": people, "q": search,
            "zone": zone_of(guardian)}  # fmt: skip


@login_required
@require_GET
def door_page(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """The check-in list on a phone: search by name (?q=, live with htmx), a big button per person."""
    occurrence = _occurrence(request, occurrence_id)
    search = attendees.clean_search(request.GET.get("q"))
    context = _door_context(request, occurrence, search)
    if is_htmx(request) and request.headers.get("HX-Target") == LIST_TARGET:
        return render(request, f"{DOOR}#list", context)
    return render(request, DOOR, context)


def _back_to_door(occurrence: Occurrence, search: str, rsvp: Rsvp | None = None) -> str:
    url = reverse("events:door", args=[occurrence.pk])
    url += f"?{urlencode({'q': search})}" if search else ""
    return url + (f"#p-{rsvp.pk}" if rsvp is not None else "")


def _door_answer(request: HttpRequest, occurrence_id: int, rsvp_id: int, *, undo: bool) -> HttpResponse:
    guardian = guardian_of(request)
    occurrence = _occurrence(request, occurrence_id)
    rsvp = attendees.door_rsvp(guardian, occurrence, rsvp_id)
    search = attendees.clean_search(request.POST.get("q"))
    error = ""
    try:
        rsvp = door.undo_check_in(guardian, rsvp) if undo else door.check_in(guardian, rsvp)
    except PermissionDenied as exc:
        error = exc.reason
    if is_htmx(request):
        occurrence.refresh_from_db(fields=["checked_in_count", "going_count"])
        context = {"occurrence": occurrence, "event": occurrence.event, "person": rsvp, "q": search,
                   "error": error, "zone": zone_of(guardian), "oob": True}  # fmt: skip
        return render(request, f"{DOOR}#answer", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{rsvp.user.name}: {'check-in undone' if undo else 'checked in'}.")
    return redirect(_back_to_door(occurrence, search, rsvp))


@login_required
@require_POST
def door_check_in(request: HttpRequest, occurrence_id: int, rsvp_id: int) -> HttpResponse:
    return _door_answer(request, occurrence_id, rsvp_id, undo=False)


@login_required
@require_POST
def door_undo(request: HttpRequest, occurrence_id: int, rsvp_id: int) -> HttpResponse:
    return _door_answer(request, occurrence_id, rsvp_id, undo=True)


@login_required
@require_http_methods(["GET", "POST"])
def door_ticket(request: HttpRequest, occurrence_id: int, ticket: str) -> HttpResponse:
    """Where a scanned QR ticket lands: the person and a "Check in" button, for the date's hosts only
    (others: 404 when the event is unseen, 403 with the reason otherwise)."""
    guardian = guardian_of(request)
    occurrence = _occurrence(request, occurrence_id)
    guardian.events.manage_attendees.ensure(occurrence.event)
    try:
        rsvp = door.rsvp_for_ticket(occurrence, ticket)
    except PermissionDenied as exc:
        context = {"occurrence": occurrence, "event": occurrence.event, "wrong_date": exc.reason,
                   "zone": zone_of(guardian)}  # fmt: skip
        return render(request, DOOR_TICKET, context, status=409)
    error = ""
    if request.method == "POST":
        try:
            rsvp = door.check_in(guardian, rsvp)
        except PermissionDenied as exc:
            error = exc.reason
        else:
            messages.success(request, f"{rsvp.user.name} is checked in.")
            return redirect(reverse("events:door-ticket", args=[occurrence.pk, rsvp.ticket]))
    context = {
        "occurrence": occurrence, "event": occurrence.event, "person": rsvp, "error": error,
        "zone": zone_of(guardian), "check_in_refusal": guardian.events.check_in.reason(occurrence),
    }  # fmt: skip
    return render(request, DOOR_TICKET, context, status=403 if error else 200)


SCAN = "events/door_scan.html"
CODE_MIN = 6  # the ticket page shows the first 8 characters of the ticket: enough within one date


@login_required
@require_GET
def door_scan(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """Scanning tickets: a phone's camera app opens a ticket's URL by itself; this page adds a scanner
    in the browser where it has BarcodeDetector (progressive, never required), and a box for the
    ticket code printed under the QR code (?code=), which opens that person's ticket."""
    guardian = guardian_of(request)
    occurrence = _occurrence(request, occurrence_id)
    guardian.events.check_in.ensure(occurrence)
    code = "".join(request.GET.get("code", "").split())[:40]
    error = ""
    if code:
        found = list(
            Rsvp.objects.filter(occurrence_id=occurrence.pk, ticket__startswith=code).values_list(
                "ticket", flat=True
            )[:2]
        )
        if len(code) < CODE_MIN:
            error = f"Type at least {CODE_MIN} characters of the ticket code."
        elif len(found) != 1:
            error = "No ticket for this date starts with that code."
        else:
            return redirect(reverse("events:door-ticket", args=[occurrence.pk, found[0]]))
    context = {"occurrence": occurrence, "event": occurrence.event, "code": code, "error": error,
               "zone": zone_of(guardian)}  # fmt: skip
    return render(request, SCAN, context, status=400 if error else 200)


def ticket_qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (segno; no JavaScript, scales with the page)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True)


@login_required
@require_GET
def ticket_page(request: HttpRequest, ticket: str) -> HttpResponse:
    """An attendee's own ticket: a QR code that a host scans with a phone's camera. Only its holder
    (and the date's hosts) see it; anyone else gets the same 404 as a missing ticket."""
    guardian = guardian_of(request)
    rsvp = Rsvp.objects.select_related("user").filter(ticket=ticket[:40]).first()
    if rsvp is None:
        raise NotFound("No such ticket")
    occurrence = queries.get_occurrence_or_404(guardian, rsvp.occurrence_id)
    rsvp.occurrence = occurrence
    if rsvp.user_id != guardian.user_id and not guardian.events.manage_attendees.can(occurrence.event):
        raise NotFound("No such ticket")
    door_url = request.build_absolute_uri(reverse("events:door-ticket", args=[occurrence.pk, rsvp.ticket]))
    context = {
        "occurrence": occurrence, "event": occurrence.event, "rsvp": rsvp, "door_url": door_url,
        "qr": mark_safe(ticket_qr_svg(door_url)),  # noqa: S308 — segno's own markup, from a URL we built
        "zone": zone_of(guardian),
    }  # fmt: skip
    return render(request, TICKET, context)


urlpatterns: list[URLPattern] = [
    path("events/date/<id:occurrence_id>/attendees/", attendee_page, name="attendees"),
    path("events/date/<id:occurrence_id>/attendees.csv", attendee_csv, name="attendees-csv"),
    path("events/date/<id:occurrence_id>/door/", door_page, name="door"),
    path("events/date/<id:occurrence_id>/door/<id:rsvp_id>/check-in/", door_check_in, name="door-check-in"),
    path("events/date/<id:occurrence_id>/door/<id:rsvp_id>/undo/", door_undo, name="door-undo"),
    path("events/date/<id:occurrence_id>/door/ticket/<str:ticket>/", door_ticket, name="door-ticket"),
    path("events/date/<id:occurrence_id>/door/scan/", door_scan, name="door-scan"),
    path("events/ticket/<str:ticket>/", ticket_page, name="ticket"),
]
