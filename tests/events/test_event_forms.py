"""The host's pages: create and edit (every error on its field, nothing typed lost), cancel, delete,
the approval queue, co-hosts and the cover image."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from events_testing import local_in, make_event
from PIL import Image

import factories as testing
from townhall.events import recurrence
from townhall.events.forms import compose_rrule, describe_rule, preset_of
from townhall.events.models import Event, EventHost, Occurrence

pytestmark = pytest.mark.django_db


def form_data(**fields: Any) -> dict[str, Any]:
    start = local_in(7, 19)
    data = {
        "title": "Chapter meetup",
        "description": "We meet at the **café**.",
        "date": f"{start:%Y-%m-%d}",
        "start_time": "19:00",
        "end_time": "21:00",
        "time_zone": "Europe/Berlin",
        "repeat": "",
        "ends": "never",
        "location_kind": "in_person",
        "venue": "Café Kosmos",
        "address": "Hauptstraße 1, Berlin",
        "guests_allowed": "0",
    }
    data.update(fields)
    return data


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_member_proposes_an_event_that_waits(client_for: Any, host: Any, calendar: Any) -> None:
    c = client_for(host)
    page = c.get(f"/events/new/?space={calendar.slug}")
    assert page.status_code == 200 and "approves events here" in page.content.decode()
    response = c.post(f"/events/new/?space={calendar.slug}", form_data(), follow=True)
    event = Event.objects.get()
    assert event.state == Event.PENDING and event.title == "Chapter meetup"
    assert "Sent to the moderators for approval" in response.content.decode()
    assert "<strong>café</strong>" in event.description_html


def test_a_moderator_creates_a_weekly_series_with_questions_and_a_group(
    client_for: Any, space_moderator: Any, calendar: Any
) -> None:
    chapter = testing.make_group("Berlin chapter", members=[space_moderator])
    start = local_in(7, 19)
    until = start.date() + timedelta(days=28)
    response = client_for(space_moderator).post(
        f"/events/new/?space={calendar.slug}",
        form_data(
            repeat="weekly", ends="until", until=f"{until:%Y-%m-%d}", capacity="12", guests_allowed="1",
            question_1="Your telescope?", question_1_required="on", question_3="Diet?",
            group=str(chapter.pk), group_only_until=f"{start - timedelta(days=2):%Y-%m-%dT%H:%M}",
            rsvp_deadline_minutes="60",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    event = Event.objects.get()
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][start.weekday()]
    assert event.state == Event.PUBLISHED
    # The engine keeps the end of the last day in the event's zone, written in UTC.
    last_moment = recurrence.to_utc(datetime.combine(until, time(23, 59, 59)), event.time_zone)
    assert event.rrule == f"FREQ=WEEKLY;UNTIL={last_moment:%Y%m%dT%H%M%SZ};BYDAY={weekday}"
    assert Occurrence.objects.filter(event=event).count() == 5
    assert event.questions == [
        {"id": "q1", "text": "Your telescope?", "required": True},
        {"id": "q3", "text": "Diet?", "required": False},
    ]
    assert (event.capacity, event.guests_allowed, event.rsvp_deadline_minutes) == (12, 1, 60)
    assert event.group == chapter and event.group_only_until is not None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"end_time": "18:00"}, "end_time", "ends before it starts"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"capacity": "0"}, "capacity", "between 1 and"),
        ({"guests_allowed": "-1"}, "guests_allowed", "between 0 and 20"),
        ({"location_kind": "online", "online_url": ""}, "online_url", "needs a join link"),
        ({"location_kind": "online", "online_url": "javascript:alert(1)"}, "online_url", "https://"),
        ({"venue": "", "address": ""}, "venue", "Say where"),
        ({"repeat": "weekly", "ends": "count", "count": "0"}, "count", "between 1 and 500"),
        ({"repeat": "weekly", "ends": "until", "until": ""}, "until", "last date"),
        ({"repeat": "custom", "custom_rrule": "FREQ=SOMETIMES"}, "repeat", "Unknown FREQ"),
        ({"repeat": "custom", "custom_rrule": "FREQ=HOURLY"}, "repeat", "at most daily"),
        ({"date": "tomorrow"}, "date", "Enter a date."),
        ({"start_time": ""}, "start_time", "Give a start time"),
        ({"question_2": "q" * 201}, "question_1", "at most 200 characters"),
        ({"group_only_until": "2030-01-01T10:00"}, "group_only_until", "Choose a group"),
    ],
)
def test_each_error_shows_on_its_field_and_keeps_what_was_typed(
    client_for: Any, space_moderator: Any, calendar: Any, fields: dict[str, str], field: str, message: str
) -> None:
    data = form_data(**fields)
    response = client_for(space_moderator).post(f"/events/new/?space={calendar.slug}", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert any(message in error for error in form.errors[field]), form.errors[field]
    html = response.content.decode()
    assert 'value="Café Kosmos"' in html or fields.get("venue") == ""  # typed text kept
    assert not Event.objects.exists()


def test_a_time_in_the_dst_gap_is_refused_on_the_start_time(
    client_for: Any, space_moderator: Any, calendar: Any
) -> None:
    year = date.today().year + 1
    last_sunday = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    response = client_for(space_moderator).post(
        f"/events/new/?space={calendar.slug}",
        form_data(date=f"{last_sunday:%Y-%m-%d}", start_time="02:30", end_time="04:00"),
    )
    assert response.status_code == 400
    assert "does not exist in Europe/Berlin" in response.context["form"].errors["start_time"][0]


def test_all_day_events_need_no_times(client_for: Any, space_moderator: Any, calendar: Any) -> None:
    start = local_in(7)
    response = client_for(space_moderator).post(
        f"/events/new/?space={calendar.slug}",
        form_data(all_day="on", start_time="", end_time="", end_date=f"{start + timedelta(days=1):%Y-%m-%d}"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.all_day and event.ends_at - event.starts_at == timedelta(days=2)


def test_those_who_may_not_create_are_told_why(
    client: Any, client_for: Any, outsider: Any, member: Any, calendar: Any, open_calendar: Any
) -> None:
    assert client_for(outsider).get(f"/events/new/?space={calendar.slug}").status_code == 404
    calendar.kind_settings = {"member_events": "off"}
    calendar.save(update_fields=["kind_settings"])
    refused = client_for(member).get(f"/events/new/?space={calendar.slug}")
    assert refused.status_code == 403 and "Only this space" in refused.content.decode()
    assert client.get(f"/events/new/?space={calendar.slug}").status_code == 302  # to sign in


def test_the_space_picker_lists_spaces_where_one_may_create(
    client_for: Any, member: Any, calendar: Any, open_calendar: Any
) -> None:
    html = client_for(member).get("/events/new/").content.decode()
    assert calendar.name in html and open_calendar.name in html
    calendar.kind_settings = {"member_events": "off"}
    calendar.save(update_fields=["kind_settings"])
    only = client_for(member).get("/events/new/")  # one calendar left: straight to its form
    assert only.status_code == 302 and only["Location"] == f"/events/new/?space={open_calendar.slug}"


def test_edit_keeps_the_event_and_prefills_the_form(client_for: Any, host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=MONTHLY;BYDAY=+2TU", questions=["Diet?"])
    c = client_for(host)
    form = c.get(f"/events/{event.pk}/edit/").context["form"]
    assert form.initial["title"] == event.title
    assert form.initial["repeat"] in ("monthly_nth", "custom") and form.initial["question_1"] == "Diet?"
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(form_data(title="Renamed"))
    response = c.post(f"/events/{event.pk}/edit/", data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed" and event.rrule == ""


def test_edit_is_for_hosts_and_moderators(
    client_for: Any, host: Any, member: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar)
    refused = client_for(member).get(f"/events/{event.pk}/edit/")
    assert refused.status_code == 403 and "Only the event" in refused.content.decode()


def test_a_cover_image_is_uploaded_served_and_removed(
    client_for: Any, host: Any, client: Any, open_calendar: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(host)
    response = c.post(
        f"/events/new/?space={open_calendar.slug}",
        {**form_data(), "cover": SimpleUploadedFile("sky.png", png(), content_type="image/png")},
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.cover is not None and event.cover.width == 40
    url = f"/events/{event.pk}/cover/{event.cover.name}"
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert url in client.get(f"/events/{event.pk}/").content.decode()
    data = {**form_data(), "remove_cover": "on"}
    assert c.post(f"/events/{event.pk}/edit/", data).status_code == 302
    event.refresh_from_db()
    assert event.cover is None and client.get(url).status_code == 404


def test_a_cover_that_is_not_an_image_is_refused_before_anything_is_written(
    client_for: Any, host: Any, open_calendar: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(host).post(
        f"/events/new/?space={open_calendar.slug}",
        {**form_data(), "cover": SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")},
    )
    assert response.status_code == 400
    assert "must be an image" in response.context["form"].errors["cover"][0]
    assert not Event.objects.exists()


def test_cancel_with_a_reason(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    c = client_for(host)
    assert "Cancel “Star party on the hill”?" in c.get(f"/events/{event.pk}/cancel/").content.decode()
    too_long = c.post(f"/events/{event.pk}/cancel/", {"reason": "x" * 501})
    assert too_long.status_code == 400 and "at most 500" in too_long.content.decode()
    assert c.post(f"/events/{event.pk}/cancel/", {"reason": "Clouds."}).status_code == 302
    event.refresh_from_db()
    assert event.state == Event.CANCELLED and event.cancel_reason == "Clouds."
    again = c.post(f"/events/{event.pk}/cancel/", {"reason": ""})
    assert again.status_code == 403 and "cancelled" in again.content.decode()
    assert client_for(member).post(f"/events/{event.pk}/cancel/").status_code == 403


def test_delete_asks_first(client_for: Any, host: Any, space_moderator: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    refused = client_for(host).post(f"/events/{event.pk}/delete/", {"confirm": "yes"})
    assert refused.status_code == 403 and "cancel it instead" in refused.content.decode()
    c = client_for(space_moderator)
    ask = c.post(f"/events/{event.pk}/delete/")
    assert ask.status_code == 200 and "Delete this event?" in ask.content.decode()
    assert Event.objects.filter(pk=event.pk).exists()
    assert c.post(f"/events/{event.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()


def test_the_review_queue_approves_and_declines(
    client_for: Any, host: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    first = make_event(host, calendar, title="Star party")
    second = make_event(host, calendar, title="Lens cleaning")
    c = client_for(space_moderator)
    html = c.get("/events/review/").content.decode()
    assert "Star party" in html and "Lens cleaning" in html and "proposed by Hana Host" in html
    approved = c.post(f"/events/{first.pk}/review/", {"decision": "approve", "next": "queue"})
    assert approved.status_code == 302 and approved["Location"] == "/events/review/"
    c.post(f"/events/{second.pk}/review/", {"decision": "decline", "note": "Not this month."})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Event.PUBLISHED and second.state == Event.DECLINED
    assert second.review_note == "Not this month."
    assert "Nothing is waiting" in c.get("/events/review/").content.decode()
    again = c.post(f"/events/{first.pk}/review/", {"decision": "approve"})
    assert again.status_code == 403 and "not waiting" in again.content.decode()
    assert c.post(f"/events/{first.pk}/review/", {"decision": "maybe"}).status_code == 400


def test_members_see_an_empty_queue_and_cannot_review(
    client_for: Any, host: Any, member: Any, calendar: Any
) -> None:
    event = make_event(host, calendar)
    assert "Nothing is waiting" in client_for(member).get("/events/review/").content.decode()
    assert client_for(member).post(f"/events/{event.pk}/review/", {"decision": "approve"}).status_code == 404
    refused = client_for(host).post(f"/events/{event.pk}/review/", {"decision": "approve"})
    assert refused.status_code == 403 and "moderators approve" in refused.content.decode()


def test_the_review_queue_runs_a_fixed_number_of_queries(
    client_for: Any, host: Any, space_moderator: Any, calendar: Any
) -> None:
    c = client_for(space_moderator)

    def count() -> int:
        c.get("/events/review/")
        with CaptureQueriesContext(connection) as captured:
            assert c.get("/events/review/").status_code == 200
        return len(captured)

    make_event(host, calendar)
    one = count()
    chapter = testing.make_group("Chapter")
    for n in range(6):
        make_event(host, calendar, title=f"Meetup {n}", rrule="FREQ=WEEKLY;COUNT=3", group_id=chapter.pk)
    assert count() == one


def test_co_hosts_are_added_and_removed(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    c = client_for(host)
    assert c.post(f"/events/{event.pk}/hosts/", {"username": "@max"}).status_code == 302
    assert EventHost.objects.filter(event=event, user=member, role=EventHost.COHOST).exists()
    unknown = c.post(f"/events/{event.pk}/hosts/", {"username": "nobody"}, follow=True)
    assert "There is nobody called" in unknown.content.decode()
    assert c.post(f"/events/{event.pk}/hosts/remove/", {"username": "max"}).status_code == 302
    assert not EventHost.objects.filter(event=event, user=member).exists()
    last = c.post(f"/events/{event.pk}/hosts/remove/", {"username": host.username}, follow=True)
    assert "keeps at least one host" in last.content.decode()
    assert client_for(member).post(f"/events/{event.pk}/hosts/", {"username": "max"}).status_code == 403


def test_presets_compose_and_read_back() -> None:
    tuesday = date(2027, 3, 9)  # the second Tuesday of March 2027
    assert compose_rrule("weekly", tuesday, ends="never", until=None, count=None) == "FREQ=WEEKLY;BYDAY=TU"
    assert compose_rrule("biweekly", tuesday, ends="count", until=None, count=4) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=4"  # fmt: skip
    assert compose_rrule("monthly_nth", tuesday, ends="never", until=None, count=None) == "FREQ=MONTHLY;BYDAY=+2TU"  # fmt: skip
    assert compose_rrule("monthly_nth", date(2027, 3, 30), ends="never", until=None, count=None) == "FREQ=MONTHLY;BYDAY=-1TU"  # fmt: skip
    assert compose_rrule("monthly_day", tuesday, ends="until", until=date(2027, 6, 1), count=None) == "FREQ=MONTHLY;BYMONTHDAY=9;UNTIL=20270601T235959"  # fmt: skip
    assert preset_of("FREQ=MONTHLY;BYDAY=+2TU", tuesday)["repeat"] == "monthly_nth"
    assert preset_of("FREQ=DAILY", tuesday) == {
        "repeat": "custom",
        "custom_rrule": "FREQ=DAILY",
        "ends": "never",
    }
    assert (
        describe_rule("FREQ=MONTHLY;BYDAY=+2TU;COUNT=3", tuesday) == "Monthly on the second Tuesday, 3 times"
    )
