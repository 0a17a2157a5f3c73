"""Calendar feeds: one event, a space, a group, and the personal feed at a secret URL; the calendar
settings page and its API. Feeds parse with `icalendar`, keep the instant of every date whatever the
reader's zone, never show what the reader may not see, and run a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from events_testing import first_date, local_in, make_event
from icalendar import Calendar

import factories as testing
from townhall.events import actions, feeds
from townhall.events.actions import feeds as feed_actions
from townhall.events.models import Event, FeedToken, ReminderSettings, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _parse(response: Any) -> Calendar:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _vevents(cal: Calendar) -> list[Any]:
    return [c for c in cal.walk() if c.name == "VEVENT"]


def _titles(cal: Calendar) -> set[str]:
    return {str(v["SUMMARY"]) for v in _vevents(cal)}


def _token(user: Any) -> str:
    return feed_actions.feed_token(Guardian(user)).token


# --- one event -----------------------------------------------------------------------------------------
def test_an_event_ics_has_the_right_instant_in_two_zones(
    space_moderator: Any, member: Any, open_calendar: Space, client: Any, client_for: Any
) -> None:
    event = make_event(space_moderator, open_calendar, starts_local=local_in(days=5, hour=21))
    response = client.get(f"/events/{event.pk}/calendar.ics")
    cal = _parse(response)
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}.ics"'
    assert response["ETag"] and response["Last-Modified"]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    [vevent] = _vevents(cal)
    start = vevent.decoded("DTSTART")
    assert start == event.starts_at
    assert start.astimezone(BERLIN).hour == 21
    assert start.astimezone(NEW_YORK) == event.starts_at.astimezone(NEW_YORK)
    assert start.astimezone(NEW_YORK).hour == 15
    assert (str(vevent["UID"]), int(vevent["SEQUENCE"])) == (event.uid, 0)
    assert str(vevent["URL"]).endswith(f"/events/{event.pk}/")
    again = client.get(f"/events/{event.pk}/calendar.ics", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_an_event_ics_follows_the_read_rule(
    space_moderator: Any, member: Any, calendar: Space, client: Any, client_for: Any, outsider: Any
) -> None:
    event = make_event(space_moderator, calendar)
    assert client.get(f"/events/{event.pk}/calendar.ics").status_code == 404  # members-only space
    assert client_for(member).get(f"/events/{event.pk}/calendar.ics").status_code == 200
    pending = make_event(member, calendar)  # waits for approval: only its host and the moderators
    assert (
        client_for(testing.make_member("other")).get(f"/events/{pending.pk}/calendar.ics").status_code == 404
    )
    assert client.get("/events/999999/calendar.ics").status_code == 404


def test_an_online_event_never_writes_its_join_link(
    space_moderator: Any, open_calendar: Space, client: Any
) -> None:
    event = make_event(space_moderator, open_calendar, location_kind=Event.ONLINE,
                       online_url="https://meet.example.org/secret-room", venue="", address="")  # fmt: skip
    body = client.get(f"/events/{event.pk}/calendar.ics").content.decode()
    assert "secret-room" not in body and "LOCATION:Online" in body


def test_a_series_writes_its_rule_cancelled_dates_and_moved_dates(
    space_moderator: Any, open_calendar: Space, client: Any
) -> None:
    series = make_event(space_moderator, open_calendar, title="Weekly call", rrule="FREQ=WEEKLY;COUNT=4",
                        starts_local=local_in(days=2, hour=18))  # fmt: skip
    dates = list(series.occurrences.order_by("starts_at"))
    dates[1].cancelled_at = dates[1].starts_at
    dates[1].save()
    dates[2].starts_at += timedelta(hours=2)
    dates[2].ends_at += timedelta(hours=2)
    dates[2].moved = True
    dates[2].save()
    cal = _parse(client.get(f"/events/{series.pk}/calendar.ics"))
    master, moved = _vevents(cal)
    assert "FREQ=WEEKLY" in master["RRULE"].to_ical().decode()
    assert [d.dt for d in master["EXDATE"].dts] == [dates[1].recurrence_id.astimezone(BERLIN)]
    assert (str(moved["UID"]), moved.decoded("RECURRENCE-ID")) == (series.uid, dates[2].recurrence_id)
    assert moved.decoded("DTSTART") == dates[2].starts_at


# --- space and group feeds -----------------------------------------------------------------------------
def test_a_public_space_feed_shows_published_events_only(
    space_moderator: Any, member: Any, open_calendar: Space, client: Any
) -> None:
    make_event(space_moderator, open_calendar, title="Public star party")
    open_calendar.kind_settings = {"member_events": "approval"}
    open_calendar.save(update_fields=["kind_settings"])
    make_event(member, open_calendar, title="Waiting for approval")
    response = client.get(f"/events/space/{open_calendar.slug}/calendar.ics")
    cal = _parse(response)
    assert _titles(cal) == {"Public star party"}
    assert str(cal["X-WR-CALNAME"]) == open_calendar.name
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_members_only_space_has_no_public_feed(
    space_moderator: Any, member: Any, calendar: Space, client: Any, client_for: Any
) -> None:
    make_event(space_moderator, calendar, title="Members' meetup")
    assert client.get(f"/events/space/{calendar.slug}/calendar.ics").status_code == 404
    assert client.get("/events/space/no-such-space/calendar.ics").status_code == 404
    cal = _parse(client_for(member).get(f"/events/space/{calendar.slug}/calendar.ics"))
    assert _titles(cal) == {"Members' meetup"}


def test_a_group_feed_shows_the_public_events_of_the_group_without_a_session(
    space_moderator: Any, member: Any, calendar: Space, open_calendar: Space, client: Any, client_for: Any
) -> None:
    chapter = testing.make_group("Berlin chapter", members=[member])
    make_event(space_moderator, open_calendar, title="Chapter picnic", group_id=chapter.pk)
    make_event(space_moderator, calendar, title="Chapter planning", group_id=chapter.pk)
    make_event(space_moderator, open_calendar, title="Not the chapter's")
    assert _titles(_parse(client.get(f"/events/group/{chapter.slug}/calendar.ics"))) == {"Chapter picnic"}
    signed_in = _parse(client_for(member).get(f"/events/group/{chapter.slug}/calendar.ics"))
    assert _titles(signed_in) == {"Chapter picnic", "Chapter planning"}
    assert client.get("/events/group/nope/calendar.ics").status_code == 404


def test_feeds_are_bounded_in_time_and_size(
    space_moderator: Any, open_calendar: Space, monkeypatch: pytest.MonkeyPatch
) -> None:
    for days in (3, 4, 5, 400):
        make_event(space_moderator, open_calendar, title=f"In {days} days", starts_local=local_in(days=days))
    cal = Calendar.from_ical(feeds.space_feed(Guardian(None), open_calendar).content)
    assert _titles(cal) == {"In 3 days", "In 4 days", "In 5 days"}
    monkeypatch.setattr(feeds, "FEED_MAX", 2)
    cal = Calendar.from_ical(feeds.space_feed(Guardian(None), open_calendar).content)
    assert _titles(cal) == {"In 3 days", "In 4 days"}


def test_a_space_feed_runs_a_fixed_number_of_queries(
    space_moderator: Any, open_calendar: Space, client: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/events/space/{open_calendar.slug}/calendar.ics").status_code == 200
        return len(queries)

    make_event(space_moderator, open_calendar, title="One")
    make_event(space_moderator, open_calendar, title="Series", rrule="FREQ=WEEKLY;COUNT=5")
    few = count()
    for n in range(6):
        make_event(
            space_moderator, open_calendar, title=f"More {n}", rrule="FREQ=DAILY;COUNT=3" if n % 2 else ""
        )
    assert count() == few
    assert few == 3  # the space; its events; their dates that matter (the guardian's checks are in SQL)


# --- the personal feed ---------------------------------------------------------------------------------
@pytest.fixture
def going_member(space_moderator: Any, member: Any, calendar: Space, open_calendar: Space) -> Any:
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    going = make_event(space_moderator, calendar, title="Going", starts_local=local_in(days=4, hour=20))
    maybe = make_event(space_moderator, open_calendar, title="Maybe")
    nope = make_event(space_moderator, calendar, title="Not going")
    actions.set_rsvp(Guardian(member), first_date(going), state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), first_date(maybe), state=Rsvp.MAYBE)
    actions.set_rsvp(Guardian(member), first_date(nope), state=Rsvp.NOT_GOING)
    return member


def test_the_personal_feed_has_my_dates_at_the_right_instant(going_member: Any, client: Any) -> None:
    response = client.get(f"/events/feed/{_token(going_member)}.ics")
    cal = _parse(response)
    assert response["Cache-Control"] == "private, max-age=300"
    assert _titles(cal) == {"Going", "Maybe"}
    going = next(v for v in _vevents(cal) if str(v["SUMMARY"]) == "Going")
    statuses = {str(v["SUMMARY"]): str(v["STATUS"]) for v in _vevents(cal)}
    assert statuses == {"Going": "CONFIRMED", "Maybe": "TENTATIVE"}
    start = going.decoded("DTSTART")
    assert start.astimezone(BERLIN).hour == 20
    assert start.astimezone(NEW_YORK).hour == 14
    assert start.astimezone(UTC) == Event.objects.get(title="Going").starts_at


def test_the_personal_feed_leaves_out_what_i_can_no_longer_read(
    going_member: Any, calendar: Space, client: Any
) -> None:
    token = _token(going_member)
    calendar.visibility = Space.PRIVATE
    calendar.save(update_fields=["visibility"])
    calendar.memberships.filter(user=going_member).delete()
    assert _titles(_parse(client.get(f"/events/feed/{token}.ics"))) == {"Maybe"}


def test_resetting_the_feed_makes_the_old_url_404(going_member: Any, client: Any, client_for: Any) -> None:
    old = _token(going_member)
    response = client_for(going_member).post("/settings/calendar/feed/reset/")
    assert response.status_code == 302
    new = FeedToken.objects.get(user=going_member).token
    assert new != old
    assert client.get(f"/events/feed/{old}.ics").status_code == 404
    assert client.get(f"/events/feed/{new}.ics").status_code == 200
    assert client.get("/events/feed/nonsense.ics").status_code == 404


def test_a_suspended_or_departed_member_feed_is_gone(going_member: Any, client: Any) -> None:
    token = _token(going_member)
    going_member.is_active = False
    going_member.save(update_fields=["is_active"])
    assert client.get(f"/events/feed/{token}.ics").status_code == 404


def test_the_personal_feed_runs_a_fixed_number_of_queries(
    going_member: Any, space_moderator: Any, open_calendar: Space, client: Any
) -> None:
    url = f"/events/feed/{_token(going_member)}.ics"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        event = make_event(
            space_moderator, open_calendar, title=f"Extra {n}", starts_local=local_in(days=6 + n)
        )
        actions.set_rsvp(Guardian(going_member), first_date(event), state=Rsvp.GOING)
    assert count() == few
    assert few == 6  # the token and its member; their standing; their dates with events; ...


# --- settings page and API -----------------------------------------------------------------------------
def test_the_settings_page_shows_the_feed_and_saves_reminders(
    member: Any, client_for: Any, client: Any
) -> None:
    c = client_for(member)
    page = c.get("/settings/calendar/")
    assert page.status_code == 200
    html = page.content.decode()
    token = FeedToken.objects.get(user=member).token
    assert f"webcal://testserver/events/feed/{token}.ics" in html or f"/events/feed/{token}.ics" in html
    response = c.post("/settings/calendar/reminders/", {"offsets": ["10080", "15"], "follow_up": "on"})
    assert response.status_code == 302
    row = ReminderSettings.objects.get(user=member)
    assert (row.offsets, row.starting_now, row.follow_up) == ([10080, 15], False, True)
    bad = c.post("/settings/calendar/reminders/", {"offsets": ["7"]})
    assert bad.status_code == 400 and "7 minutes is not one of them" in bad.content.decode()
    assert client.get("/settings/calendar/").status_code == 302  # sign in first


def test_the_reminder_settings_api(member: Any, client_for: Any, client: Any) -> None:
    c = client_for(member)
    body = c.get("/api/v1/events/reminder-settings").json()
    assert (body["offsets"], body["starting_now"], body["follow_up"]) == ([1440, 60], True, True)
    assert body["choices"] == [10080, 1440, 180, 60, 15]
    saved = c.put("/api/v1/events/reminder-settings", {"offsets": [180], "starting_now": False, "follow_up": False},
                  content_type="application/json")  # fmt: skip
    assert saved.status_code == 200 and saved.json()["offsets"] == [180]
    bad = c.put("/api/v1/events/reminder-settings", {"offsets": [5]}, content_type="application/json")
    assert bad.status_code == 422 and "offsets" in bad.json()["errors"]
    assert client.get("/api/v1/events/reminder-settings").status_code == 401


def test_the_feed_token_reset_api(member: Any, client_for: Any, client: Any) -> None:
    c = client_for(member)
    old = c.get("/api/v1/events/feed").json()["url"]
    new = c.post("/api/v1/events/feed-token/reset", {}, content_type="application/json").json()
    assert new["url"] != old and new["webcal"].startswith("webcal://")
    assert client.get(old.split("testserver", 1)[-1]).status_code == 404
    assert client.post("/api/v1/events/feed-token/reset").status_code == 401


def test_outsiders_have_no_feed(outsider: Any, client_for: Any) -> None:
    assert client_for(outsider).post("/api/v1/events/feed-token/reset", {}, content_type="application/json").status_code == 403  # fmt: skip
