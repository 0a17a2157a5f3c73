"""The page of one date of a series, for its hosts: move it ("only this date"), change it and every
later date ("this and following"), or cancel (and restore) it. The whole series is edited on the event's
own edit page. Every form is a plain POST (works without JavaScript); refused input comes back on the
fields with what was typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from townhall.chat.queries import zone_of
from townhall.core.errors import Invalid
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors
from townhall.events import actions, queries
from townhall.events.models import (
    ADDRESS_MAX,
    CANCEL_REASON_MAX,
    TITLE_MAX,
    URL_MAX,
    VENUE_MAX,
    Event,
    Occurrence,
)
from townhall.policy.request import guardian_of

TEMPLATE = "events/dates_edit.html"
ONE, FOLLOWING = "one", "following"
# Where an action's field errors show on this page's forms.
FIELD_OF = {"starts_at": "starts_time", "ends_at": "ends_time", "reason": "reason"}


class DateForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[(ONE, "Only this date"), (FOLLOWING, "This and following dates")],
        widget=forms.RadioSelect, initial=ONE, label="Change",
    )  # fmt: skip
    starts_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    starts_time = forms.TimeField(label="Starts", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    ends_date = forms.DateField(label="Ends on", widget=forms.DateInput(attrs={"type": "date"}))
    ends_time = forms.TimeField(label="Ends", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    title = forms.CharField(max_length=TITLE_MAX, required=False)
    venue = forms.CharField(max_length=VENUE_MAX, required=False)
    address = forms.CharField(max_length=ADDRESS_MAX, required=False)
    online_url = forms.CharField(max_length=URL_MAX, required=False, label="Join link")
    capacity = forms.IntegerField(required=False, help_text="Empty: no limit.")

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if event.all_day:
            del self.fields["starts_time"], self.fields["ends_time"]
            self.fields["starts_date"].label, self.fields["ends_date"].label = "First day", "Last day"
        if not event.online:
            del self.fields["online_url"]
        if not event.in_person:
            del self.fields["venue"], self.fields["address"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "starts_time" in self.fields:
            for name in ("starts_time", "ends_time"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Give a time.")
        return data

    def local_times(self) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        start_time, end_time = data.get("starts_time"), data.get("ends_time")
        start = datetime.combine(data["starts_date"], start_time) if start_time else datetime.combine(data["starts_date"], datetime.min.time())  # fmt: skip
        end = datetime.combine(data["ends_date"], end_time) if end_time else datetime.combine(data["ends_date"], datetime.min.time())  # fmt: skip
        return start, end


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=CANCEL_REASON_MAX, required=False, label="Reason (attendees see it)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


def _initial(occurrence: Occurrence) -> dict[str, Any]:
    event = occurrence.event
    zone = ZoneInfo(event.time_zone)
    start, end = occurrence.starts_at.astimezone(zone), occurrence.ends_at.astimezone(zone)
    last_day = (end - timedelta(days=1)).date() if event.all_day else end.date()
    return {
        "scope": ONE, "starts_date": start.date(), "starts_time": start.time(), "ends_date": last_day,
        "ends_time": end.time(), "title": event.title, "venue": event.venue, "address": event.address,
        "online_url": event.online_url, "capacity": event.capacity,
    }  # fmt: skip


def _place_errors(form: forms.Form, exc: Invalid) -> None:
    errors = {FIELD_OF.get(name, name): messages for name, messages in exc.field_errors.items()}
    add_invalid_to_form(form, Invalid(exc.message, field_errors=errors))


def _series_url(event: Event) -> str | None:
    """The event's own edit page (built by the event pages), when there is one."""
    return reverse("events:edit", args=[event.pk])


def _back_url(occurrence: Occurrence) -> str:
    return reverse("events:date", args=[occurrence.pk])


def _page(
    request: HttpRequest,
    occurrence: Occurrence,
    *,
    form: DateForm | None = None,
    cancel_form: CancelForm | None = None,
) -> dict[str, Any]:
    event = occurrence.event
    viewer_zone = zone_of(guardian_of(request))
    return {
        "occurrence": occurrence, "event": event,
        "form": form or DateForm(initial=_initial(occurrence), event=event),
        "cancel_form": cancel_form or CancelForm(),
        "series_url": _series_url(event), "back_url": _back_url(occurrence),
        "event_zone": ZoneInfo(event.time_zone),
        "viewer_zone": viewer_zone if str(viewer_zone) != event.time_zone else None,
        "begun": occurrence.starts_at <= timezone.now(),
    }  # fmt: skip


def _editable(request: HttpRequest, occurrence_id: int) -> Occurrence:
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    guardian.events.edit.ensure(occurrence.event)
    return occurrence


def date_edit(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = _editable(request, occurrence_id)
    event = occurrence.event
    if request.method != "POST":
        return render(request, TEMPLATE, _page(request, occurrence))
    form = DateForm(request.POST, event=event)
    guardian = guardian_of(request)
    if form.is_valid():
        start, end = form.local_times()
        data = form.cleaned_data
        try:
            if data["scope"] == ONE:
                actions.move_occurrence(guardian, occurrence, starts_local=start, ends_local=end)
                message = "This date has its own time now."
            else:
                changes: dict[str, Any] = {"starts_local": start, "ends_local": end, "title": data["title"], "capacity": data["capacity"]}  # fmt: skip
                changes.update({name: data[name] for name in ("venue", "address", "online_url") if name in form.fields})  # fmt: skip
                new = actions.update_following(
                    guardian, occurrence, data=actions.following_input(occurrence, **changes)
                )
                message = f"This and the following dates are now “{new.title}”."
        except Invalid as exc:
            _place_errors(form, exc)
        else:
            return done(request, redirect_to=_back_url(occurrence), message=message)
    return form_errors(request, TEMPLATE, _page(request, occurrence, form=form), partial="date-form")


@require_POST
def date_cancel(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = _editable(request, occurrence_id)
    cancel_form = CancelForm(request.POST)
    if cancel_form.is_valid():
        try:
            actions.cancel_occurrence(
                guardian_of(request), occurrence, reason=cancel_form.cleaned_data["reason"]
            )
        except Invalid as exc:
            _place_errors(cancel_form, exc)
        else:
            return done(request, redirect_to=_back_url(occurrence), message="This date is cancelled; attendees are told.")  # fmt: skip
    return form_errors(request, TEMPLATE, _page(request, occurrence, cancel_form=cancel_form), partial="cancel-form")  # fmt: skip


@require_POST
def date_restore(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = _editable(request, occurrence_id)
    cancel_form = CancelForm()
    try:
        actions.restore_occurrence(guardian_of(request), occurrence)
    except Invalid as exc:
        cancel_form.add_error(None, exc.message)
        return form_errors(request, TEMPLATE, _page(request, occurrence, cancel_form=cancel_form), partial="cancel-form")  # fmt: skip
    return done(request, redirect_to=_back_url(occurrence), message="This date is back on the calendar.")


urlpatterns: list[URLPattern] = [
    path("events/date/<int:occurrence_id>/edit/", date_edit, name="date-edit"),
    path("events/date/<int:occurrence_id>/cancel/", date_cancel, name="date-cancel"),
    path("events/date/<int:occurrence_id>/restore/", date_restore, name="date-restore"),
]
