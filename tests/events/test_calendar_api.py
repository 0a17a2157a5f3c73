"""GET /api/v1/events/occurrences: the dates of a window, as the calendar pages show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from events_testing import first_date, make_event

import factories as testing
from townhall.events import actions
from townhall.events.models import Event, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/occurrences"
MARCH = "start=2027-03-01T00:00:00Z&end=2027-04-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _rates(settings: Any) -> None:
    settings.EVENTS_CREATE_RATE = "10000/m"


@pytest.fixture
def world(space_moderator: Any, calendar: Any, open_calendar: Any, owner: Any, host: Any) -> dict[str, Event]:
    secret = testing.make_space("Board room", kind="events", visibility=Space.SECRET, members=[owner])
    chapter = testing.make_group("Lisbon chapter")
    return {
        "members": make_event(space_moderator, calendar, title="Members meetup", starts_local=datetime(2027, 3, 10, 19)),
        "public": make_event(space_moderator, open_calendar, title="Public party", starts_local=datetime(2027, 3, 11, 19),
                             location_kind=Event.ONLINE, online_url="https://meet.example.org/p", venue="", address=""),
        "secret": make_event(owner, secret, title="Board meeting", starts_local=datetime(2027, 3, 12, 19)),
        "pending": make_event(host, calendar, title="Proposal", starts_local=datetime(2027, 3, 13, 19),
                              group_id=chapter.pk),
    }  # fmt: skip


def titles(body: dict[str, Any]) -> set[str]:
    return {item["title"] for item in body["items"]}


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("anonymous", {"Public party"}),
        ("outsider", {"Public party"}),
        ("member", {"Public party", "Members meetup"}),
        ("host", {"Public party", "Members meetup", "Proposal"}),
        ("owner", {"Public party", "Members meetup", "Board meeting", "Proposal"}),
    ],
)
def test_each_persona_gets_what_it_may_see(
    request: Any, client_for: Any, world: dict[str, Event], persona: str, shown: set[str]
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    response = client_for(user).get(f"{URL}?{MARCH}")
    assert response.status_code == 200
    assert titles(response.json()) == shown


def test_the_fields_of_a_date(client_for: Any, member: Any, world: dict[str, Event]) -> None:
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    actions.set_rsvp(Guardian(member), first_date(world["members"]), state=Rsvp.GOING)
    body = client_for(member).get(f"{URL}?{MARCH}").json()
    item = next(i for i in body["items"] if i["title"] == "Members meetup")
    assert item["starts_at"].startswith("2027-03-10T18:00:00")  # 19:00 in Berlin
    assert item["local_starts_at"] == "2027-03-10T13:00:00-05:00"  # New York is still on winter time
    assert item["time_zone"] == "Europe/Berlin" and body["time_zone"] == "America/New_York"
    assert item["my_rsvp"] == "going" and item["going"] == 1 and item["state"] == "published"
    assert item["space"] == "meetups" and item["url"] == f"/events/{world['members'].pk}/"
    assert item["cancelled"] is False and item["recurring"] is False


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("where=online", {"Public party"}),
        ("where=in_person", {"Members meetup", "Proposal"}),
        ("space=open-calendar", {"Public party"}),
        ("group=lisbon-chapter", {"Proposal"}),
        ("mine=true", {"Proposal"}),
    ],
)
def test_filters(client_for: Any, host: Any, world: dict[str, Event], query: str, shown: set[str]) -> None:
    response = client_for(host).get(f"{URL}?{MARCH}&{query}")
    assert response.status_code == 200, response.json()
    assert titles(response.json()) == shown


def test_naive_times_are_read_in_the_callers_zone(
    client_for: Any, member: Any, world: dict[str, Event]
) -> None:
    """The meetup is at 18:00 UTC; for a caller in Tokyo that is 03:00 on the 11th."""
    member.time_zone = "Asia/Tokyo"
    member.save(update_fields=["time_zone"])
    c = client_for(member)
    assert titles(c.get(f"{URL}?start=2027-03-11T00:00:00&end=2027-03-11T12:00:00").json()) == {
        "Members meetup"
    }
    assert titles(c.get(f"{URL}?start=2027-03-10T00:00:00&end=2027-03-11T00:00:00").json()) == set()


def test_pages_with_a_cursor(client_for: Any, member: Any, world: dict[str, Event]) -> None:
    c = client_for(member)
    first = c.get(f"{URL}?{MARCH}&limit=1").json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = c.get(f"{URL}?{MARCH}&limit=1&cursor={first['next_cursor']}").json()
    assert (
        titles(first) | titles(second) == {"Members meetup", "Public party"} and second["next_cursor"] is None
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=yesterday", "start"),
        ("start=2027-03-10T00:00:00Z&end=2027-03-01T00:00:00Z", "end"),
        ("start=2027-01-01T00:00:00Z&end=2029-01-01T00:00:00Z", "end"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("where=moon", "where"),
        ("group=nope", "group"),
        ("space=board-room", "space"),
        ("cursor=garbage", "cursor"),
        ("mine=perhaps", "mine"),
        ("space=%00", "space"),
        ("start=9999-12-31T23:00:00-12:00", "start"),
    ],
)
def test_bad_parameters_answer_422(
    client_for: Any, member: Any, world: dict[str, Event], query: str, field: str
) -> None:
    response = client_for(member).get(f"{URL}?{query}")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"] and field in body["errors"], body


def test_mine_needs_a_caller(world: dict[str, Event]) -> None:
    response = Client().get(f"{URL}?{MARCH}&mine=true")
    assert response.status_code == 422 and "mine" in response.json()["errors"]
