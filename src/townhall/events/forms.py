"""Forms parse what a host typed into an `EventInput`; the actions own the rules and the real checks.

The repeat choice is a handful of presets composed into an RRULE (plus "custom", which keeps a rule the
presets cannot say, such as an imported one). Every Invalid from the actions lands on the field it is
about (`place_invalid`), and the form is shown again with everything typed.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from townhall.core.errors import Invalid
from townhall.events.actions import EventInput
from townhall.events.models import (
    ADDRESS_MAX,
    CANCEL_REASON_MAX,
    DESCRIPTION_MAX,
    QUESTION_MAX,
    QUESTIONS_MAX,
    RRULE_MAX,
    TITLE_MAX,
    URL_MAX,
    VENUE_MAX,
    ZONE_MAX,
    Event,
)

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
COUNT_MAX = 500

NONE, WEEKLY, BIWEEKLY, MONTHLY_NTH, MONTHLY_DAY, CUSTOM = (
    "", "weekly", "biweekly", "monthly_nth", "monthly_day", "custom",
)  # fmt: skip
REPEATS = [
    (NONE, "Does not repeat"),
    (WEEKLY, "Every week on the same day"),
    (BIWEEKLY, "Every 2 weeks on the same day"),
    (MONTHLY_NTH, "Monthly on the same weekday (for example the 2nd Tuesday)"),
    (MONTHLY_DAY, "Monthly on the same day of the month"),
    (CUSTOM, "Custom rule (RRULE)"),
]
NEVER, ON_DATE, AFTER = "never", "until", "count"
ENDS = [(NEVER, "Never"), (ON_DATE, "On a date"), (AFTER, "After a number of times")]
DEADLINES = [
    ("", "Until the start"),
    ("60", "1 hour before"),
    ("180", "3 hours before"),
    ("1440", "1 day before"),
    ("2880", "2 days before"),
    ("10080", "1 week before"),
]

# Where an action's Invalid belongs on this form (the action's field name -> the form's).
FIELD_OF = {
    "starts_at": "start_time",
    "ends_at": "end_time",
    "rrule": "repeat",
    "questions": "question_1",
    "group": "group",
    "group_id": "group",
    "group_only_until": "group_only_until",
}


@cache
def zone_names() -> list[str]:
    return sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")


def nth_weekday(day: date) -> int:
    """Which of its weekday in its month the day is: 1..4, or -1 for the last (a 5th is always last)."""
    n = (day.day - 1) // 7 + 1
    return -1 if n >= 5 else n


def compose_rrule(repeat: str, day: date, *, ends: str, until: date | None, count: int | None) -> str:
    """The RRULE for a preset, starting on `day` (the rule repeats that day's weekday or date)."""
    weekday = WEEKDAYS[day.weekday()]
    if repeat == WEEKLY:
        rule = f"FREQ=WEEKLY;BYDAY={weekday}"
    elif repeat == BIWEEKLY:
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
    elif repeat == MONTHLY_NTH:
        rule = f"FREQ=MONTHLY;BYDAY={nth_weekday(day):+d}{weekday}"
    elif repeat == MONTHLY_DAY:
        rule = f"FREQ=MONTHLY;BYMONTHDAY={day.day}"
    else:
        return ""
    if ends == ON_DATE and until is not None:
        rule += f";UNTIL={until:%Y%m%d}T235959"
    elif ends == AFTER and count is not None:
        rule += f";COUNT={count}"
    return rule


def preset_of(rrule: str, day: date) -> dict[str, Any]:
    """The form's repeat fields for a stored rule: a preset when it is one, else "custom"."""
    if not rrule:
        return {"repeat": NONE, "ends": NEVER}
    parts = dict(part.split("=", 1) for part in rrule.split(";") if "=" in part)
    ends, until, count = NEVER, None, None
    if "UNTIL" in parts:
        ends = ON_DATE
        try:
            until = datetime.strptime(parts.pop("UNTIL")[:8], "%Y%m%d").date()
        except ValueError:
            return {"repeat": CUSTOM, "custom_rrule": rrule, "ends": NEVER}
    elif "COUNT" in parts:
        ends, count = AFTER, int(parts.pop("COUNT")) if parts["COUNT"].isdigit() else None
    # A rule without BYDAY / BYMONTHDAY repeats the first date's weekday or day (RFC 5545).
    if parts.get("FREQ") == "WEEKLY" and "BYDAY" not in parts:
        parts["BYDAY"] = WEEKDAYS[day.weekday()]
    if parts.get("FREQ") == "MONTHLY" and "BYDAY" not in parts and "BYMONTHDAY" not in parts:
        parts["BYMONTHDAY"] = str(day.day)
    if parts.get("INTERVAL") == "1":
        del parts["INTERVAL"]
    for preset, _label in REPEATS[1:5]:
        base = compose_rrule(preset, day, ends=NEVER, until=None, count=None)
        if dict(part.split("=", 1) for part in base.split(";")) == parts:
            return {"repeat": preset, "ends": ends, "until": until, "count": count}
    return {"repeat": CUSTOM, "custom_rrule": rrule, "ends": NEVER}


def describe_rule(rrule: str, day: date) -> str:
    """A sentence for a rule the presets say ("Every week on Tuesday"); the rule itself otherwise."""
    preset = preset_of(rrule, day)
    weekday = DAY_NAMES[day.weekday()]
    text = {
        WEEKLY: f"Every week on {weekday}",
        BIWEEKLY: f"Every 2 weeks on {weekday}",
        MONTHLY_NTH: f"Monthly on the {ORDINALS.get(nth_weekday(day), '')} {weekday}",
        MONTHLY_DAY: f"Monthly on day {day.day}",
    }.get(preset["repeat"])
    if text is None:
        return f"Repeats: {rrule}"
    if preset["ends"] == ON_DATE and preset.get("until"):
        text += f", until {preset['until']:%-d %B %Y}"
    elif preset["ends"] == AFTER and preset.get("count"):
        text += f", {preset['count']} times"
    return text


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _optional_int(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        required=False, label=label, help_text=help_text, error_messages={"invalid": "Enter a whole number."}
    )


class EventForm(forms.Form):
    """Create or edit an event. Sections (What, When, Where, Attending, Group, Cover) are fieldsets in
    the template; field order here is the page's order."""

    title = forms.CharField(max_length=TITLE_MAX + 1000, label="Title")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=DESCRIPTION_MAX + 1000,
        label="Description",
        help_text="Markdown: **bold**, _italic_, lists, links. Up to 20,000 characters.",
    )
    date = forms.DateField(widget=DateInput(), label="Date", error_messages={"invalid": "Enter a date."})
    start_time = forms.TimeField(
        widget=TimeInput(), required=False, label="Starts at", error_messages={"invalid": "Enter a time."}
    )
    end_time = forms.TimeField(
        widget=TimeInput(), required=False, label="Ends at", error_messages={"invalid": "Enter a time."}
    )
    end_date = forms.DateField(
        widget=DateInput(),
        required=False,
        label="Ends on another day",
        help_text="Leave empty when it ends the same day.",
        error_messages={"invalid": "Enter a date."},
    )
    all_day = forms.BooleanField(required=False, label="All day")
    time_zone = forms.CharField(max_length=ZONE_MAX + 100, label="Time zone")
    repeat = forms.ChoiceField(choices=REPEATS, required=False, label="Repeat")
    custom_rrule = forms.CharField(
        max_length=RRULE_MAX + 100,
        required=False,
        label="Custom rule",
        help_text="An iCalendar RRULE, for example FREQ=MONTHLY;BYDAY=+2TU (only with “Custom rule”).",
    )
    ends = forms.ChoiceField(
        choices=ENDS, required=False, initial=NEVER, label="Ends", widget=forms.RadioSelect
    )
    until = forms.DateField(
        widget=DateInput(), required=False, label="Last date", error_messages={"invalid": "Enter a date."}
    )
    count = _optional_int("Number of times")
    location_kind = forms.ChoiceField(
        choices=Event.LOCATION_KINDS,
        initial=Event.IN_PERSON,
        label="How people attend",
        widget=forms.RadioSelect,
    )
    online_url = forms.CharField(
        max_length=URL_MAX + 100,
        required=False,
        label="Join link",
        help_text="Shown to people going, 15 minutes before the start.",
    )
    venue = forms.CharField(max_length=VENUE_MAX + 100, required=False, label="Venue")
    address = forms.CharField(max_length=ADDRESS_MAX + 100, required=False, label="Address")
    map_url = forms.CharField(max_length=URL_MAX + 100, required=False, label="Map link")
    capacity = _optional_int("Capacity", "How many people fit, guests included. Leave empty for no limit.")
    guests_allowed = forms.IntegerField(
        initial=0,
        label="Guests per RSVP",
        help_text="How many guests (+N) one person may bring; 0 for none.",
        error_messages={"invalid": "Enter a whole number.", "required": "Enter a number (0 for none)."},
    )
    rsvp_deadline_minutes = forms.ChoiceField(choices=DEADLINES, required=False, label="RSVPs close")
    question_1 = forms.CharField(max_length=QUESTION_MAX + 100, required=False, label="Question 1")
    question_1_required = forms.BooleanField(required=False, label="Answer required")
    question_2 = forms.CharField(max_length=QUESTION_MAX + 100, required=False, label="Question 2")
    question_2_required = forms.BooleanField(required=False, label="Answer required")
    question_3 = forms.CharField(max_length=QUESTION_MAX + 100, required=False, label="Question 3")
    question_3_required = forms.BooleanField(required=False, label="Answer required")
    question_4 = forms.CharField(max_length=QUESTION_MAX + 100, required=False, label="Question 4")
    question_4_required = forms.BooleanField(required=False, label="Answer required")
    question_5 = forms.CharField(max_length=QUESTION_MAX + 100, required=False, label="Question 5")
    question_5_required = forms.BooleanField(required=False, label="Answer required")
    group = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Offer it first to")
    group_only_until = forms.DateTimeField(
        widget=DateTimeInput(),
        required=False,
        label="Only the group's members may RSVP until",
        help_text="After this time everyone may RSVP. In the event's time zone.",
        error_messages={"invalid": "Enter a date and a time."},
    )
    cover = forms.FileField(
        required=False,
        label="Cover image",
        help_text="JPEG, PNG, GIF or WebP, up to 8 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_cover = forms.BooleanField(required=False, label="Remove the cover")

    def __init__(self, *args: Any, groups: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Everyone (no group)"), *(groups or [])]  # type: ignore[attr-defined]
        # The browser's own maxlength would cut a paste short without a word: the action counts instead.
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)
        self.fields["time_zone"].widget.attrs.update({"list": "zone-names", "autocomplete": "off"})
        for name in ("capacity", "guests_allowed", "count"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})

    def question_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"question_{n}"], self[f"question_{n}_required"]) for n in range(1, QUESTIONS_MAX + 1)]

    def to_input(self) -> EventInput:
        """The cleaned form as an EventInput; Invalid for what only the combination of fields can say."""
        data = self.cleaned_data
        day: date = data["date"]
        all_day = bool(data.get("all_day"))
        start_time: time | None = data.get("start_time")
        end_time: time | None = data.get("end_time")
        if not all_day and start_time is None:
            raise field_invalid("start_time", "Give a start time (or tick “All day”).")
        if not all_day and end_time is None:
            raise field_invalid("end_time", "Give an end time (or tick “All day”).")
        last_day: date = data.get("end_date") or day
        if all_day:
            starts, ends = datetime.combine(day, time()), datetime.combine(last_day, time())
        else:
            assert start_time is not None and end_time is not None
            starts = datetime.combine(day, start_time)
            ends = datetime.combine(last_day, end_time)
        repeat = data.get("repeat") or NONE
        ends_choice = data.get("ends") or NEVER
        if repeat == CUSTOM:
            rrule = (data.get("custom_rrule") or "").strip()
            if not rrule:
                raise field_invalid("custom_rrule", "Write the rule, or choose one of the repeat choices.")
        else:
            count = data.get("count")
            if repeat and ends_choice == ON_DATE and data.get("until") is None:
                raise field_invalid("until", "Give the last date of the series.")
            if repeat and ends_choice == AFTER and (count is None or not 1 <= count <= COUNT_MAX):
                raise field_invalid("count", f"Give a number of times between 1 and {COUNT_MAX}.")
            if repeat and ends_choice == ON_DATE and data["until"] < day:
                raise field_invalid("until", "The last date is before the first one.")
            rrule = compose_rrule(repeat, day, ends=ends_choice, until=data.get("until"), count=count)
        deadline = data.get("rsvp_deadline_minutes")
        questions = []
        for n in range(1, QUESTIONS_MAX + 1):
            text = (data.get(f"question_{n}") or "").strip()
            if text:
                questions.append({"id": f"q{n}", "text": text, "required": bool(data.get(f"question_{n}_required"))})  # fmt: skip
        group_id = data.get("group")
        return EventInput(
            title=data["title"],
            description=data.get("description") or "",
            starts_local=starts,
            ends_local=ends,
            time_zone=(data.get("time_zone") or "").strip(),
            all_day=all_day,
            rrule=rrule,
            location_kind=data["location_kind"],
            online_url=data.get("online_url") or "",
            venue=data.get("venue") or "",
            address=data.get("address") or "",
            map_url=data.get("map_url") or "",
            capacity=data.get("capacity"),
            guests_allowed=data.get("guests_allowed") or 0,
            rsvp_deadline_minutes=int(deadline) if deadline else None,
            questions=questions,
            group_id=group_id,
            # Django's DateTimeField gives the typed wall time made aware in the site's zone: keep the wall time.
            group_only_until_local=until.replace(tzinfo=None)
            if (until := data.get("group_only_until"))
            else None,
        )


def field_invalid(name: str, message: str) -> Invalid:
    return Invalid(message, field_errors={name: [message]})


def place_invalid(form: forms.BaseForm, exc: Invalid) -> None:
    """Show an action's Invalid on the field it is about (or at the top of the form)."""
    placed = False
    for name, errors in exc.field_errors.items():
        target = FIELD_OF.get(name, name)
        if target == "start_time" and form.data.get("all_day"):
            target = "date"
        if target == "end_time" and form.data.get("all_day"):
            target = "end_date"
        if target.startswith("answers."):
            continue
        if target in form.fields:
            for error in errors:
                form.add_error(target, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def initial_of(event: Event) -> dict[str, Any]:
    """The edit form's starting values: the event as its host typed it (wall-clock, in its zone)."""
    zone = ZoneInfo(event.time_zone)
    start = timezone.localtime(event.starts_at, zone)
    end = timezone.localtime(event.ends_at, zone)
    if event.all_day:
        end = end - timedelta(days=1)
    values: dict[str, Any] = {
        "title": event.title,
        "description": event.description,
        "date": start.date(),
        "start_time": None if event.all_day else start.time(),
        "end_time": None if event.all_day else end.time(),
        "end_date": end.date() if end.date() != start.date() else None,
        "all_day": event.all_day,
        "time_zone": event.time_zone,
        "location_kind": event.location_kind,
        "online_url": event.online_url,
        "venue": event.venue,
        "address": event.address,
        "map_url": event.map_url,
        "capacity": event.capacity,
        "guests_allowed": event.guests_allowed,
        "rsvp_deadline_minutes": str(event.rsvp_deadline_minutes or ""),
        "group": event.group_id,
        "group_only_until": (
            timezone.localtime(event.group_only_until, zone).replace(tzinfo=None)
            if event.group_only_until
            else None
        ),
    }
    values.update(preset_of(event.rrule, start.date()))
    for n, question in enumerate(event.questions[:QUESTIONS_MAX], start=1):
        values[f"question_{n}"] = question.get("text", "")
        values[f"question_{n}_required"] = bool(question.get("required"))
    return values


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=CANCEL_REASON_MAX + 1000,
        label="Reason (shown to attendees)",
    )


class HostForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")


class RsvpForm(forms.Form):
    """An answer for one date; the event's questions are added as answer_<id> fields."""

    state = forms.ChoiceField(
        choices=[("going", "Going"), ("maybe", "Maybe"), ("not_going", "Not going")],
        widget=forms.RadioSelect,
        label="Your answer",
    )
    guests = forms.IntegerField(
        required=False,
        initial=0,
        label="Guests you bring",
        error_messages={"invalid": "Enter a whole number."},
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if event.guests_allowed == 0:
            del self.fields["guests"]
        else:
            self.fields["guests"].help_text = f"Up to {event.guests_allowed}."
            self.fields["guests"].widget.attrs.update({"min": 0, "max": event.guests_allowed})
        for question in event.questions:
            self.fields[f"answer_{question['id']}"] = forms.CharField(
                required=False,
                label=question["text"] + (" (required)" if question.get("required") else ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("answer_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("answer_")
        }

    def place(self, exc: Invalid) -> None:
        placed = False
        for name, errors in exc.field_errors.items():
            target = f"answer_{name.removeprefix('answers.')}" if name.startswith("answers.") else name
            if target in self.fields:
                for error in errors:
                    self.add_error(target, error)
                placed = True
        if not placed:
            self.add_error(None, exc.message)
