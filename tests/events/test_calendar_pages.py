"""The calendar pages (upcoming list, month grid, week list, past events, my events, a space's and a
group's calendar) for each persona: what is listed and what is hidden, time zones, filters, bad input."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from events_testing import first_date, make_event

import factories as testing
from townhall.events import actions
from townhall.events.models import Event, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

MARCH = "2027-03"  # the month most tests look at (in the future: RSVPs stay open)


def at(day: int, hour: int = 19, month: int = 3, year: int = 2027, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute)


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.fixture(autouse=True)
def _fast_creates(settings: Any) -> None:
    settings.EVENTS_CREATE_RATE = "10000/m"


@pytest.fixture
def secret_calendar(owner: Any) -> Space:
    return testing.make_space("Board room", kind="events", visibility=Space.SECRET, members=[owner])


@pytest.fixture
def world(
    space_moderator: Any, calendar: Any, open_calendar: Any, secret_calendar: Any, owner: Any, host: Any
) -> dict[str, Event]:
    """A members-only, a public and a secret calendar with one event each, plus a pending one."""
    return {
        "members": make_event(space_moderator, calendar, title="Members meetup", starts_local=at(10)),
        "public": make_event(space_moderator, open_calendar, title="Public star party", starts_local=at(11)),
        "secret": make_event(owner, secret_calendar, title="Board meeting", starts_local=at(12)),
        "pending": make_event(host, calendar, title="Hana's proposal", starts_local=at(13)),
    }


VIEWS = ["/events/", f"/events/month/?month={MARCH}", "/events/week/?week=2027-W10"]


@pytest.mark.parametrize("url", VIEWS)
@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("anonymous", {"public"}),
        ("outsider", {"public"}),
        ("newcomer", {"public", "members"}),
        ("member", {"public", "members"}),
        ("host", {"public", "members", "pending"}),
        ("space_moderator", {"public", "members", "pending"}),
        ("owner", {"public", "members", "secret", "pending"}),
    ],
)
def test_each_persona_sees_what_it_may(
    request: Any, client_for: Any, world: dict[str, Event], url: str, persona: str, shown: set[str]
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    body = page(client_for(user), url)
    for key, event in world.items():
        assert (escape(event.title) in body) == (key in shown), (persona, key, url)
    assert ("Waiting for approval" in body) == ("pending" in shown)


def test_a_declined_event_is_on_no_calendar(
    world: dict[str, Event], space_moderator: Any, client_for: Any
) -> None:
    actions.review_event(Guardian(space_moderator), world["pending"], approve=False, note="Not this month")
    body = page(client_for(space_moderator), f"/events/month/?month={MARCH}")
    assert "Hana's proposal" not in body and "Members meetup" in body


def test_the_sidebar_links_the_calendar(client_for: Any, member: Any, world: dict[str, Event]) -> None:
    body = page(client_for(member), "/events/")
    assert 'href="/events/"' in body and ">Events<" in body


def test_the_home_page_lists_the_next_dates(client_for: Any, member: Any, world: dict[str, Event]) -> None:
    body = page(client_for(member), "/home/")
    assert "Upcoming events" in body
    assert "Members meetup" in body and "Board meeting" not in body and "Hana&#x27;s proposal" not in body


def test_no_home_section_without_dates(client_for: Any, member: Any) -> None:
    assert "Upcoming events" not in page(client_for(member), "/home/")


# --- time zones --------------------------------------------------------------------------------------
def test_a_new_york_viewer_sees_a_berlin_event_at_her_time(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    """17 March 2027: New York has moved to summer time (UTC-4), Berlin not yet (UTC+1): 5 hours apart."""
    make_event(
        space_moderator, calendar, title="Berlin talk", starts_local=at(17, 19), time_zone="Europe/Berlin"
    )
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    c = client_for(member)
    for url in ["/events/", "/events/week/?week=2027-W11"]:
        body = page(c, url)
        assert "14:00 \u2013 16:00" in body, url
        assert "19:00 \u2013 21:00 Europe/Berlin" in body, url
        assert "Times are in America/New_York" in body
    month = page(c, f"/events/month/?month={MARCH}")
    assert ">14:00</time>" in month and 'datetime="2027-03-17T18:00:00+00:00"' in month


def test_the_events_own_zone_is_not_repeated_when_it_matches(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    make_event(
        space_moderator, calendar, title="Berlin talk", starts_local=at(17, 19), time_zone="Europe/Berlin"
    )
    member.time_zone = "Europe/Berlin"
    member.save(update_fields=["time_zone"])
    body = page(client_for(member), "/events/")
    assert "19:00 \u2013 21:00" in body and "Europe/Berlin</span>" not in body


def test_a_late_event_lands_on_the_viewers_next_day(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    """22:00 in New York on the 9th is 04:00 on the 10th in Berlin: a Berlin viewer's grid says the 10th."""
    make_event(
        space_moderator, calendar, title="Late call", starts_local=at(9, 22), time_zone="America/New_York"
    )
    member.time_zone = "Europe/Berlin"
    member.save(update_fields=["time_zone"])
    body = page(client_for(member), "/events/week/?week=2027-W10")
    tuesday, wednesday = body.index("Tuesday 9 March 2027"), body.index("Wednesday 10 March 2027")
    assert body.index("Late call") > wednesday > tuesday
    assert "04:00 \u2013 06:00" in body and "22:00 \u2013 00:00 America/New_York" in body


def test_a_week_across_the_dst_change(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    """Berlin moves to summer time on Sunday 28 March 2027: that week is 167 hours long, and a date at
    00:30 on Monday the 29th (22:30 UTC on the 28th) belongs to the next week."""
    member.time_zone = "Europe/Berlin"
    member.save(update_fields=["time_zone"])
    for title, start in [("Before the change", at(28, 1, minute=30)), ("After the change", at(28, 23)),
                         ("Monday small hours", at(29, 0, minute=30))]:  # fmt: skip
        make_event(
            space_moderator,
            calendar,
            title=title,
            starts_local=start,
            ends_local=start + timedelta(minutes=20),
        )
    c = client_for(member)
    week12 = page(c, "/events/week/?week=2027-W12")
    assert "Before the change" in week12 and "After the change" in week12
    assert "Monday small hours" not in week12
    assert "01:30 \u2013 01:50" in week12 and "23:00 \u2013 23:20" in week12
    week13 = page(c, "/events/week/?week=2027-W13")
    assert "Monday small hours" in week13 and "After the change" not in week13


# --- month grid ----------------------------------------------------------------------------------------
def test_the_month_grid_spans_multi_day_and_all_day_events(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    make_event(space_moderator, calendar, title="Weekend camp", starts_local=at(5, 18), ends_local=at(7, 12))
    make_event(
        space_moderator,
        calendar,
        title="Festival",
        all_day=True,
        starts_local=at(20, 0),
        ends_local=at(22, 0),
    )
    body = page(client_for(member), f"/events/month/?month={MARCH}")
    assert body.count("Weekend camp") == 3  # Friday, Saturday, Sunday
    assert body.count("Festival") == 3 and body.count("All day</span>") == 3
    assert "March 2027" in body and "Monday 1 March 2027" in body and "Sunday 4 April 2027" in body
    assert "Sunday 28 February 2027" not in body  # the grid starts on the Monday on or before the 1st


def test_an_all_day_event_keeps_its_days_in_every_zone(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    make_event(space_moderator, calendar, title="Open day", all_day=True, starts_local=at(9, 0), ends_local=at(9, 0),
               time_zone="Asia/Tokyo")  # fmt: skip
    member.time_zone = "America/Los_Angeles"
    member.save(update_fields=["time_zone"])
    body = page(client_for(member), "/events/week/?week=2027-W10")
    assert body.index("Open day") > body.index("Tuesday 9 March 2027")
    assert body.index("Open day") < body.index("Wednesday 10 March 2027")
    assert "All day" in body


def test_cancelled_dates_are_marked(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    event = make_event(space_moderator, calendar, title="Rained off", starts_local=at(15))
    actions.cancel_event(Guardian(space_moderator), event, reason="Storm")
    for url in ["/events/", f"/events/month/?month={MARCH}", "/events/week/?week=2027-W11"]:
        body = page(client_for(member), url)
        assert "Rained off" in body and "Cancelled" in body and "is-cancelled" in body, url


def test_month_navigation_links(client_for: Any, member: Any) -> None:
    body = page(client_for(member), f"/events/month/?month={MARCH}&where=online")
    assert 'href="/events/month/?where=online&amp;month=2027-02"' in body
    assert 'href="/events/month/?where=online&amp;month=2027-04"' in body
    this_month = timezone.localtime(timezone.now(), timezone.get_current_timezone()).strftime("%Y-%m")
    assert f"month={this_month}" in body
    december = page(client_for(member), "/events/month/?month=2027-12")
    assert "month=2028-01" in december and "month=2027-11" in december


def test_week_navigation_crosses_the_year(client_for: Any, member: Any) -> None:
    body = page(client_for(member), "/events/week/?week=2026-W53")
    assert "week=2027-W01" in body and "week=2026-W52" in body
    assert "Monday 28 December 2026" in body and "Sunday 3 January 2027" in body


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/events/month/?month=2027-13", "is not a month"),
        ("/events/month/?month=march", "is not a month"),
        ("/events/month/?month=0001-01", "Months from 1970"),
        ("/events/month/?month=99999-01", "is not a month"),
        ("/events/week/?week=2027-W60", "has no week 60"),
        ("/events/week/?week=2021-W53", "has no week 53"),
        ("/events/week/?week=last", "is not a week"),
        ("/events/?where=moon", "is not a place filter"),
        ("/events/?group=nope", "There is no group"),
        ("/events/?space=board-room", "There is no space"),  # exists, but secret
        ("/events/?cursor=garbage", "page link is not valid"),
        ("/events/past/?cursor=" + "x" * 300, "page link is not valid"),
        (
            "/events/?cursor=" + base64.urlsafe_b64encode(json.dumps(["soon", "x"]).encode()).decode(),
            "not valid",
        ),
        (
            "/events/?cursor="
            + base64.urlsafe_b64encode(json.dumps(["2027-01-01T00:00:00", 1]).encode()).decode(),
            "not valid",
        ),
        (
            "/events/?cursor="
            + base64.urlsafe_b64encode(json.dumps(["2027-01-01T00:00:00+00:00", 2**70]).encode()).decode(),
            "not valid",
        ),
    ],
)
def test_bad_parameters_fall_back_with_a_reason(
    client_for: Any, member: Any, world: dict[str, Event], url: str, message: str
) -> None:
    body = page(client_for(member), url)
    assert message in body
    assert "Members meetup" in body or "/events/?" not in url
    assert "Board meeting" not in body


def test_nul_and_odd_characters_in_parameters(client_for: Any, member: Any) -> None:
    body = page(client_for(member), "/events/month/?month=%00%3Cscript%3E&where=%00&group=%00x")
    assert "<script>" not in body and "is not a month" in body


# --- filters -------------------------------------------------------------------------------------------
@pytest.fixture
def mixed(space_moderator: Any, calendar: Any, open_calendar: Any, member: Any) -> dict[str, Event]:
    chapter = testing.make_group("Lisbon chapter", members=[member])
    return {
        "online": make_event(space_moderator, calendar, title="Online call", starts_local=at(3),
                             location_kind=Event.ONLINE, online_url="https://meet.example.org/a", venue="", address=""),
        "in_person": make_event(space_moderator, calendar, title="Picnic", starts_local=at(4)),
        "hybrid": make_event(space_moderator, open_calendar, title="Hybrid talk", starts_local=at(5),
                             location_kind=Event.HYBRID, online_url="https://meet.example.org/b"),
        "group": make_event(space_moderator, calendar, title="Chapter walk", starts_local=at(6), group_id=chapter.pk),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", {"online", "in_person", "hybrid", "group"}),
        ("where=online", {"online", "hybrid"}),
        ("where=in_person", {"in_person", "hybrid", "group"}),
        ("group=lisbon-chapter", {"group"}),
        ("space=open-calendar", {"hybrid"}),
        ("space=open-calendar&where=in_person", {"hybrid"}),
        ("group=lisbon-chapter&where=online", set()),
    ],
)
@pytest.mark.parametrize(
    "base", ["/events/", f"/events/month/?month={MARCH}&", "/events/week/?week=2027-W09&"]
)
def test_filters(
    client_for: Any, member: Any, mixed: dict[str, Event], base: str, query: str, shown: set[str]
) -> None:
    url = base + ("?" if base == "/events/" and query else "") + query
    body = page(client_for(member), url)
    for key, event in mixed.items():
        assert (event.title in body) == (key in shown), (url, key)


def test_filter_choices_list_only_what_the_viewer_may_see(
    client_for: Any, member: Any, mixed: dict[str, Event], secret_calendar: Any, owner: Any
) -> None:
    hidden = testing.make_group("Board")
    make_event(owner, secret_calendar, title="Board meeting", starts_local=at(8), group_id=hidden.pk)
    body = page(client_for(member), "/events/")
    assert '<option value="lisbon-chapter"' in body and '<option value="board"' not in body
    assert '<option value="open-calendar"' in body and '<option value="board-room"' not in body


def test_htmx_gets_the_body_only(client_for: Any, member: Any, mixed: dict[str, Event]) -> None:
    response = client_for(member).get("/events/?where=online", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="cal-body"')
    assert "Online call" in body and "Picnic" not in body and "<html" not in body


# --- my events, past events ------------------------------------------------------------------------------
def test_my_events(
    client_for: Any, member: Any, host: Any, space_moderator: Any, calendar: Any, open_calendar: Any
) -> None:
    going = make_event(space_moderator, calendar, title="Going one", starts_local=at(3))
    maybe = make_event(space_moderator, calendar, title="Maybe one", starts_local=at(4))
    full = make_event(space_moderator, calendar, title="Full one", starts_local=at(5), capacity=1)
    declined = make_event(space_moderator, calendar, title="Not going one", starts_local=at(6))
    make_event(space_moderator, calendar, title="Unanswered one", starts_local=at(7))
    make_event(member, open_calendar, title="Hosting one", starts_local=at(7, 10))
    actions.set_rsvp(Guardian(member), first_date(going), state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), first_date(maybe), state=Rsvp.MAYBE)
    actions.set_rsvp(Guardian(host), first_date(full), state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), first_date(full), state=Rsvp.GOING)  # waitlisted
    actions.set_rsvp(Guardian(member), first_date(declined), state=Rsvp.NOT_GOING)
    c = client_for(member)
    for url in ["/events/mine/", f"/events/mine/month/?month={MARCH}", "/events/mine/week/?week=2027-W09"]:
        body = page(c, url)
        for title in ["Going one", "Maybe one", "Full one", "Hosting one"]:
            assert title in body, (url, title)
        assert "Not going one" not in body and "Unanswered one" not in body
    body = page(c, "/events/mine/")
    assert "Waitlisted" in body and ">Going<" in body and ">Maybe<" in body


def test_my_events_needs_signing_in(client: Client) -> None:
    response = client.get("/events/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_past_events_with_recap_and_cover(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any, settings: Any, tmp_path: Any
) -> None:
    from townhall.discussions import actions as discussions
    from townhall.discussions.models import Upload

    discussion = testing.make_space("Recaps", members=[member, space_moderator])
    topic = discussions.create_topic(
        Guardian(space_moderator), discussion, title="Recap", body="What we saw."
    )
    yesterday = timezone.localtime(timezone.now(), timezone.get_current_timezone()) - timedelta(days=2)
    start = yesterday.replace(tzinfo=None, hour=19, minute=0, second=0, microsecond=0)
    event = make_event(
        space_moderator, calendar, title="Last comet watch", starts_local=start, time_zone="UTC"
    )
    cover = Upload.objects.create(uploader=space_moderator, space=calendar, kind=Upload.IMAGE, path="x/cover.png",
                                  name="cover.png", content_type="image/png", size=10, width=16, height=9)  # fmt: skip
    Event.objects.filter(pk=event.pk).update(
        recap_topic=topic, cover=cover
    )  # as the live area's promotion leaves it
    make_event(space_moderator, calendar, title="Next one", starts_local=at(3))
    c = client_for(member)
    past = page(c, "/events/past/")
    assert "Last comet watch" in past and "Next one" not in past
    assert f'href="/t/{topic.pk}/"' in past and "Read the recap" in past
    assert cover.get_absolute_url() in past
    upcoming = page(c, "/events/")
    assert "Last comet watch" not in upcoming and "Next one" in upcoming


def test_lists_page_with_a_cursor(client_for: Any, member: Any, space_moderator: Any, calendar: Any) -> None:
    for day in range(1, 36):
        make_event(
            space_moderator, calendar, title=f"Session {day:02d}", starts_local=at(1) + timedelta(days=day)
        )
    c = client_for(member)
    first = page(c, "/events/")
    assert "Session 01" in first and "Session 30" in first and "Session 31" not in first
    more = (
        first.split('class="cal-more"><a class="button secondary" href="')[1]
        .split('"')[0]
        .replace("&amp;", "&")
    )
    second = page(c, more)
    assert "Session 31" in second and "Session 35" in second and "Session 30" not in second
    assert "Later dates" not in second


# --- a space's calendar, a group's calendar ----------------------------------------------------------------
def test_the_space_page_shows_its_dates(
    client_for: Any, member: Any, world: dict[str, Event], calendar: Any, space_moderator: Any
) -> None:
    body = page(client_for(member), f"/s/{calendar.slug}/")
    assert "Members meetup" in body and "Public star party" not in body and "Hana&#x27;s proposal" not in body
    assert f'href="/events/space/{calendar.slug}/month/"' in body
    assert "events/calendar.css" in body
    assert "Hana&#x27;s proposal" in page(client_for(space_moderator), f"/s/{calendar.slug}/")


@pytest.mark.parametrize("view", ["", "month/", "week/", "past/"])
def test_a_space_calendar(
    client_for: Any, member: Any, world: dict[str, Event], calendar: Any, view: str
) -> None:
    body = page(client_for(member), f"/events/space/{calendar.slug}/{view}?month={MARCH}&week=2027-W10")
    assert ("Members meetup" in body) == (view != "past/")
    assert "Public star party" not in body
    assert 'id="cal-space"' not in body  # a space's own calendar offers no space filter


def test_hidden_space_calendars(
    client_for: Any, member: Any, outsider: Any, world: dict[str, Event], calendar: Any, secret_calendar: Any
) -> None:
    page(client_for(member), f"/events/space/{secret_calendar.slug}/", status=404)
    page(client_for(outsider), f"/events/space/{calendar.slug}/", status=404)
    page(Client(), f"/events/space/{calendar.slug}/month/", status=404)
    page(client_for(member), "/events/space/no-such-space/", status=404)


def test_a_private_space_calendar_says_why(client_for: Any, member: Any, owner: Any) -> None:
    private = testing.make_space("Inner circle", kind="events", visibility=Space.PRIVATE, members=[owner])
    make_event(owner, private, title="Inner meeting", starts_local=at(3))
    response = client_for(member).get(f"/events/space/{private.slug}/")
    assert response.status_code == 403 and "Inner meeting" not in response.content.decode()


def test_a_group_calendar(
    client_for: Any, member: Any, outsider: Any, mixed: dict[str, Event], secret_calendar: Any, owner: Any
) -> None:
    body = page(client_for(member), "/events/group/lisbon-chapter/")
    assert "Chapter walk" in body and "Picnic" not in body and 'id="cal-group"' not in body
    assert "Chapter walk" in page(client_for(member), f"/events/group/lisbon-chapter/month/?month={MARCH}")
    page(
        client_for(outsider), "/events/group/lisbon-chapter/", status=404
    )  # nothing of it is visible to them
    page(client_for(member), "/events/group/nope/", status=404)
    hidden = testing.make_group("Board")
    make_event(owner, secret_calendar, title="Board meeting", starts_local=at(8), group_id=hidden.pk)
    page(client_for(member), "/events/group/board/", status=404)
    assert "Board meeting" in page(client_for(owner), "/events/group/board/")
