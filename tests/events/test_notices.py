"""Who hears about events: approvals to moderators, decisions to hosts, new events to watchers, changes
and cancellations to the people going, a seat from the waitlist; and the checks at delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from events_testing import first_date, input_for, local_in, make_event
from remind_testing import channels_held, told

import factories as testing
from townhall.accounts.models import Block
from townhall.discussions.models import WATCHING, SpaceFollow
from townhall.events import actions, notices
from townhall.events.models import Event, Rsvp
from townhall.notifications.models import NONE, PENDING
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _held() -> Iterator[None]:
    with channels_held():
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _lose_access(space: Any, user: Any) -> None:
    """The space turns private and `user` is no longer in it."""
    space.visibility = Space.PRIVATE
    space.save(update_fields=["visibility"])
    SpaceMembership.objects.filter(space=space, user=user).delete()


def _go(user: Any, occurrence: Any, state: str = Rsvp.GOING) -> Rsvp:
    return actions.set_rsvp(Guardian(user), occurrence, state=state)


def test_a_proposed_event_tells_the_space_and_community_moderators(
    member: Any, space_moderator: Any, moderator: Any, newcomer: Any, calendar: Any, committed: Any
) -> None:
    with committed():
        event = make_event(member, calendar)
    assert event.state == Event.PENDING
    [row] = told(space_moderator)
    assert (row.kind, row.actor_id, row.target) == ("event_submitted", member.pk, f"event:{event.pk}")
    assert row.data["title"] == "Star party on the hill"
    assert [r.kind for r in told(moderator)] == ["event_submitted"]
    assert told(newcomer) == [] and told(member) == []


@pytest.mark.parametrize(("approve", "verdict"), [(True, "approved"), (False, "declined")])
def test_the_decision_tells_the_host(
    member: Any, space_moderator: Any, calendar: Any, committed: Any, approve: bool, verdict: str
) -> None:
    event = make_event(member, calendar)
    with committed():
        actions.review_event(Guardian(space_moderator), event, approve=approve, note="Nice one")
    [row] = told(member)
    assert (row.kind, row.data["verdict"], row.data["note"]) == ("event_reviewed", verdict, "Nice one")
    assert (row.email_state, row.push_state) == (PENDING, PENDING)


def test_a_new_event_tells_watchers_of_the_space_in_the_page_only(
    space_moderator: Any, member: Any, newcomer: Any, calendar: Any, committed: Any
) -> None:
    SpaceFollow.objects.create(user=member, space=calendar, level=WATCHING)
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    with committed():
        event = make_event(space_moderator, calendar, starts_local=local_in(days=10, hour=20))
    [row] = told(member)
    assert row.kind == "event_published" and row.email_state == NONE
    start = first_date(event).starts_at
    assert row.data["when"].endswith(start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M"))
    assert told(newcomer) == []  # not watching


@pytest.fixture
def star_party(space_moderator: Any, calendar: Any) -> Event:
    return make_event(space_moderator, calendar, capacity=2)


def test_a_change_of_time_tells_going_maybe_and_waiting_not_the_others(
    space_moderator: Any,
    member: Any,
    newcomer: Any,
    host: Any,
    calendar: Any,
    star_party: Event,
    committed: Any,
) -> None:
    date = first_date(star_party)
    late = testing.make_member("late")
    gone = testing.make_member("gone")
    SpaceMembership.objects.bulk_create([SpaceMembership(space=calendar, user=u) for u in (late, gone)])
    _go(member, date)
    _go(newcomer, date, Rsvp.MAYBE)
    _go(host, date)
    _go(late, date)  # full: waitlisted
    _go(gone, date, Rsvp.NOT_GOING)
    assert Rsvp.objects.get(user=late).state == Rsvp.WAITLISTED
    for person, zone in ((member, "Europe/Berlin"), (newcomer, "America/New_York")):
        person.time_zone = zone
        person.save(update_fields=["time_zone"])
    later = local_in(days=8, hour=20)
    with committed():
        actions.update_event(Guardian(space_moderator), star_party, data=input_for(star_party, starts_local=later, ends_local=later + timedelta(hours=2)))  # fmt: skip
    start = first_date(star_party).starts_at
    for person in (member, newcomer, host, late):
        [row] = told(person, "event_changed")
        zone = ZoneInfo(person.time_zone or "UTC")
        assert row.data["when"].endswith(f"{start.astimezone(zone):%H:%M}, Observatory hill")
        assert row.email_state == PENDING
    assert told(member)[0].data["when"].endswith("20:00, Observatory hill")
    assert told(gone) == []
    assert told(space_moderator) == []  # the actor


def test_a_blocker_and_someone_who_lost_access_hear_nothing(
    space_moderator: Any, member: Any, newcomer: Any, calendar: Any, star_party: Event, committed: Any
) -> None:
    date = first_date(star_party)
    _go(member, date)
    _go(newcomer, date)
    Block.objects.create(blocker=member, blocked=space_moderator)
    _lose_access(calendar, newcomer)
    with committed():
        actions.cancel_event(Guardian(space_moderator), star_party, reason="Clouds")
    assert told(member) == [] and told(newcomer) == []


def test_cancelling_tells_the_people_going(
    space_moderator: Any, member: Any, newcomer: Any, star_party: Event, committed: Any
) -> None:
    date = first_date(star_party)
    _go(member, date)
    _go(newcomer, date, Rsvp.NOT_GOING)
    with committed():
        actions.cancel_event(Guardian(space_moderator), star_party, reason="Clouds")
    [row] = told(member)
    assert (row.kind, row.data["reason"], row.data["which"]) == ("event_cancelled", "Clouds", "")
    assert told(newcomer) == []


def test_a_seat_from_the_waitlist_tells_the_person_they_are_in(
    space_moderator: Any, member: Any, newcomer: Any, host: Any, star_party: Event, committed: Any
) -> None:
    date = first_date(star_party)
    _go(member, date)
    _go(host, date)
    _go(newcomer, date)
    with committed():
        _go(host, date, Rsvp.NOT_GOING)
    [row] = told(newcomer)
    assert row.kind == "event_promoted" and row.target == f"occurrence:{date.pk}"
    assert row.url == f"/events/date/{date.pk}/"
    kind = next(k for k in notices.KINDS if k.key == "event_promoted")
    assert kind.still_visible is not None
    assert kind.still_visible(Guardian(newcomer), row)
    _go(newcomer, date, Rsvp.NOT_GOING)
    assert not kind.still_visible(Guardian(newcomer), row)  # no longer going: not delivered


def test_changed_notifications_are_not_delivered_once_the_event_is_unreadable(
    space_moderator: Any, member: Any, calendar: Any, star_party: Event, committed: Any
) -> None:
    _go(member, first_date(star_party))
    later = local_in(days=9, hour=18)
    with committed():
        actions.update_event(Guardian(space_moderator), star_party, data=input_for(star_party, starts_local=later, ends_local=later + timedelta(hours=1)))  # fmt: skip
    [row] = told(member)
    kind = next(k for k in notices.KINDS if k.key == "event_changed")
    assert kind.still_visible is not None and kind.still_visible(Guardian(member), row)
    _lose_access(calendar, member)
    assert not kind.still_visible(Guardian(member), row)
    star_party.delete()
    assert not kind.still_visible(Guardian(member), row)


def test_changing_only_the_description_tells_nobody(
    space_moderator: Any, member: Any, star_party: Event, committed: Any
) -> None:
    _go(member, first_date(star_party))
    with committed():
        actions.update_event(Guardian(space_moderator), star_party, data=input_for(star_party, description="Bring tea."))  # fmt: skip
    assert told(member) == []


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(10080, "in 1 week"), (1440, "tomorrow"), (180, "in 3 hours"), (60, "in 1 hour"), (15, "in 15 minutes")],
)
def test_reminder_wording(minutes: int, text: str) -> None:
    assert notices.soon_text(minutes) == text
