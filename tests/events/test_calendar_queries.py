"""The calendar pages, the home section and the API run a fixed number of queries whatever the number of
events, dates and RSVPs (issue 11, "Speed"); and the window arithmetic they rest on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from events_testing import make_event

import factories as testing
from townhall.events import actions
from townhall.events import calendar_queries as cq
from townhall.events.models import Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import SpaceMembership

pytestmark = pytest.mark.django_db

# What each page costs a signed-in member (session, user, membership, sidebar, ... plus the page's own
# reads: the dates with their event, space and group; the member's RSVPs; the filters' groups and spaces).
MONTH_QUERIES = 10
WEEK_QUERIES = 10
LIST_QUERIES = 10
PAST_QUERIES = 10
SPACE_PAGE_QUERIES = 9
HOME_QUERIES = 11
API_QUERIES = 6


@pytest.fixture(autouse=True)
def _rates(settings: Any) -> None:
    settings.EVENTS_CREATE_RATE = settings.EVENTS_RSVP_RATE = "100000/m"


def _fill(size: int, moderator: Any, calendar: Any, member: Any) -> None:
    """`size` dates in March 2027: single events, plus for the big case a daily series and RSVPs by a crowd."""
    singles = size if size < 10 else size // 2
    for n in range(singles):
        make_event(moderator, calendar, title=f"Single {n}", starts_local=datetime(2027, 3, 1 + n % 28, 19))
    if size >= 10:
        make_event(moderator, calendar, title="Daily", starts_local=datetime(2027, 3, 1, 8),
                   rrule=f"FREQ=DAILY;COUNT={size - singles}")  # fmt: skip
    over = timezone.now() - timedelta(days=3)
    for n in range(2 if size < 10 else 10):
        start = over.replace(tzinfo=None, microsecond=0) - timedelta(hours=n)
        make_event(moderator, calendar, title=f"Past {n}", starts_local=start, time_zone="UTC")
    crowd = [testing.make_member(f"fan{n}") for n in range(3 if size >= 10 else 1)]
    SpaceMembership.objects.bulk_create([SpaceMembership(space=calendar, user=p) for p in crowd])
    dates = list(
        Occurrence.objects.filter(event__space=calendar, starts_at__gt=timezone.now()).order_by("starts_at")
    )
    for person in [member, *crowd]:
        for occurrence in dates[: len(dates) if size >= 10 else 2]:
            actions.set_rsvp(Guardian(person), occurrence, state=Rsvp.GOING)


PAGES = [
    ("/events/month/?month=2027-03", MONTH_QUERIES),
    ("/events/week/?week=2027-W09", WEEK_QUERIES),
    ("/events/", LIST_QUERIES),
    ("/events/past/", PAST_QUERIES),
    ("/events/mine/", LIST_QUERIES),
]


@pytest.mark.parametrize(("url", "expected"), PAGES)
@pytest.mark.parametrize("size", [5, 60])
def test_calendar_pages_run_a_fixed_number_of_queries(
    client_for: Any,
    member: Any,
    space_moderator: Any,
    calendar: Any,
    django_assert_num_queries: Any,
    url: str,
    expected: int,
    size: int,
) -> None:
    _fill(size, space_moderator, calendar, member)
    c = client_for(member)
    c.get(url)  # the first request of a session warms per-process caches (routes, templates)
    with django_assert_num_queries(expected):
        response = c.get(url)
    assert response.status_code == 200
    if "month" in url and size == 60:
        assert response.content.decode().count('<a class="cal-chip') == 60


@pytest.mark.parametrize("size", [5, 60])
def test_the_space_page_runs_a_fixed_number_of_queries(
    client_for: Any,
    member: Any,
    space_moderator: Any,
    calendar: Any,
    django_assert_num_queries: Any,
    size: int,
) -> None:
    _fill(size, space_moderator, calendar, member)
    c = client_for(member)
    c.get(f"/s/{calendar.slug}/")
    with django_assert_num_queries(SPACE_PAGE_QUERIES):
        assert c.get(f"/s/{calendar.slug}/").status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_the_home_section_runs_a_fixed_number_of_queries(
    client_for: Any,
    member: Any,
    space_moderator: Any,
    calendar: Any,
    django_assert_num_queries: Any,
    size: int,
) -> None:
    _fill(size, space_moderator, calendar, member)
    c = client_for(member)
    c.get("/home/")
    with django_assert_num_queries(HOME_QUERIES):
        body = c.get("/home/").content.decode()
    assert body.count('class="cal-home-item"') == cq.HOME_DATES


@pytest.mark.parametrize("size", [5, 60])
def test_the_api_runs_a_fixed_number_of_queries(
    client_for: Any,
    member: Any,
    space_moderator: Any,
    calendar: Any,
    django_assert_num_queries: Any,
    size: int,
) -> None:
    _fill(size, space_moderator, calendar, member)
    c = client_for(member)
    url = "/api/v1/events/occurrences?start=2027-03-01T00:00:00Z&end=2027-04-01T00:00:00Z&limit=500"
    c.get(url)
    with django_assert_num_queries(API_QUERIES):
        body = c.get(url).json()
    assert len(body["items"]) == size


# --- windows ----------------------------------------------------------------------------------------------
TODAY = date(2027, 3, 17)


@pytest.mark.parametrize(
    ("value", "first", "bad"),
    [
        (None, date(2027, 3, 1), False),
        ("", date(2027, 3, 1), False),
        ("2027-12", date(2027, 12, 1), False),
        ("2027-1", date(2027, 1, 1), False),
        (" 2027-02 ", date(2027, 2, 1), False),
        ("2027-00", date(2027, 3, 1), True),
        ("2027-13", date(2027, 3, 1), True),
        ("1969-12", date(2027, 3, 1), True),
        ("3000-01", date(2027, 3, 1), True),
        ("2027/03", date(2027, 3, 1), True),
        ("2027-03-01", date(2027, 3, 1), True),
    ],
)
def test_parse_month(value: str | None, first: date, bad: bool) -> None:
    parsed, note = cq.parse_month(value, today=TODAY)
    assert parsed == first and (note is not None) == bad


@pytest.mark.parametrize(
    ("value", "monday", "bad"),
    [
        (None, date(2027, 3, 15), False),
        ("2027-W01", date(2027, 1, 4), False),
        ("2026-W53", date(2026, 12, 28), False),
        ("2027w10", date(2027, 3, 8), False),
        ("2027-W53", date(2027, 3, 15), True),
        ("2027-W00", date(2027, 3, 15), True),
        ("2027-10", date(2027, 3, 15), True),
        ("9999-W01", date(2027, 3, 15), True),
    ],
)
def test_parse_week(value: str | None, monday: date, bad: bool) -> None:
    parsed, note = cq.parse_week(value, today=TODAY)
    assert parsed == monday and (note is not None) == bad


def test_a_month_grid_covers_whole_weeks() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    window = cq.month_window(date(2027, 3, 1), berlin, today=TODAY)
    assert (window.first_day, window.last_day) == (date(2027, 3, 1), date(2027, 4, 4))
    assert window.start == datetime(2027, 3, 1, tzinfo=berlin)
    assert window.end.astimezone(UTC) - window.start.astimezone(UTC) == timedelta(
        days=35, hours=-1
    )  # one hour lost on 28 March
    assert (window.prev_param, window.next_param, window.today_param) == ("2027-02", "2027-04", "2027-03")
    february = cq.month_window(date(2027, 2, 1), berlin, today=TODAY)
    assert (february.last_day - february.first_day).days + 1 == 28  # 1 February 2027 is a Monday


def test_a_week_across_a_dst_change_is_167_hours() -> None:
    new_york = ZoneInfo("America/New_York")
    window = cq.week_window(date(2027, 3, 8), new_york, today=TODAY)
    assert window.end.astimezone(UTC) - window.start.astimezone(UTC) == timedelta(hours=167)
    assert window.label == "Week 10, 8\u201314 March 2027"
    autumn = cq.week_window(date(2027, 11, 1), new_york, today=TODAY)
    assert autumn.end.astimezone(UTC) - autumn.start.astimezone(UTC) == timedelta(hours=169)


def test_a_skipped_midnight_starts_the_day_at_its_first_instant() -> None:
    """Santiago de Chile skipped midnight on 8 September 2019: that day began at 01:00 (UTC-3)."""
    santiago = ZoneInfo("America/Santiago")
    start = cq.local_midnight(date(2019, 9, 8), santiago)
    assert start.hour == 1 and start.utcoffset() == timedelta(hours=-3)
