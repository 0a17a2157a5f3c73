"""The import page: a host uploads a .ics file, sees what would happen, then imports it (all or nothing).

Upload -> preview (a dry run of the same action: what would be created, updated and skipped, and why)
-> import. Between preview and import the file waits in the cache (shared between processes when
Redis is configured) under a random token for 30 minutes, so the host does not upload it twice.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from townhall.core.errors import Invalid
from townhall.events import ics_import
from townhall.events.api_import import MAX_BYTES, parse, read_upload
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_space_or_404

WAIT = 30 * 60
SHOWN = 200  # rows of each list on the page; the API and the command give them all


class IcsUploadForm(forms.Form):
    file = forms.FileField(
        label="Calendar file (.ics)",
        help_text=(
            "An export of Google Calendar, Outlook, Apple Calendar or a Meetup group (at most 10 MB, "
            "1,000 events). Nothing is stored until you confirm."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,.ical,.ifb,.icalendar,text/calendar"}),
    )


def _key(request: HttpRequest, token: str) -> str:
    return f"events-ics-import:{request.user.pk}:{token}"


def _report_view(report: ics_import.ImportReport) -> dict[str, Any]:
    """The report as plain data (it goes through the JSON session after an import)."""
    data = report.as_dict()
    data["created_items"] = [_row(i) for i in report.created[:SHOWN]]
    data["updated_items"] = [_row(i) for i in report.updated[:SHOWN]]
    data["skipped"] = data["skipped"][:SHOWN]
    data["skipped_count"] = len(report.skipped)
    data["more"] = max(len(report.created), len(report.updated), len(report.skipped)) > SHOWN
    return data


def _row(item: ics_import.Item) -> dict[str, Any]:
    """An event of the report, its start said in its own zone (a host reads "19:30 Europe/Berlin")."""
    start = datetime.fromisoformat(item.start)
    when = f"{start:%a %-d %b %Y} (all day)" if item.all_day else f"{start:%a %-d %b %Y, %H:%M} ({item.zone})"
    return {"title": item.title, "when": when, "start": item.start, "event_id": item.event_id}


def _with_times(view: dict[str, Any] | None) -> dict[str, Any] | None:
    """ISO strings back to datetimes, for the template to show in the viewer's zone."""
    if not view:
        return view
    for key in ("first_start", "last_start"):
        view[key] = _when(view.get(key))
    return view


def _when(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the form (or the last import's report). POST step=preview: a dry run. POST step=import: store."""
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    guardian.events.import_calendar.ensure(space)
    zone = getattr(request.user, "time_zone", "") or ""
    context: dict[str, Any] = {"space": space, "form": IcsUploadForm(), "max_mb": MAX_BYTES // 1024 // 1024}
    if request.method == "GET":
        done = request.session.pop(f"events-ics-import-done:{space.pk}", None)
        context["done"] = _with_times(done)
        return render(request, "events/import.html", context)

    if request.POST.get("step") == "import":
        token = request.POST.get("token", "")[:64]
        data = cache.get(_key(request, token)) if token else None
        if data is None:
            context["expired"] = True
            return render(request, "events/import.html", context, status=400)
        report = ics_import.import_calendar(guardian, space, parse(data), default_zone=zone)
        cache.delete(_key(request, token))
        request.session[f"events-ics-import-done:{space.pk}"] = _report_view(report)
        messages.success(
            request,
            f"Imported {len(report.created)} new event{'s' if len(report.created) != 1 else ''}, "
            f"updated {len(report.updated)}; {len(report.skipped)} left out.",
        )
        return redirect("events:import", slug=space.slug)

    form = IcsUploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "events/import.html", context, status=400)
    try:
        data = read_upload(form.cleaned_data["file"])
        result = parse(data)
    except Invalid as exc:
        form.add_error("file", exc.message)
        return render(request, "events/import.html", context, status=400)
    report = ics_import.import_calendar(guardian, space, result, default_zone=zone, dry_run=True)
    token = secrets.token_urlsafe(18)
    cache.set(_key(request, token), data, WAIT)
    context.update(
        preview=_with_times(_report_view(report)), token=token, file_name=form.cleaned_data["file"].name
    )
    return render(request, "events/import.html", context)


urlpatterns = [
    path("events/import/<slug:slug>/", import_page, name="import"),
]
