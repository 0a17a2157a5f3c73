"""Reminders: at each member's chosen offsets before the dates they go to, "starting now" for online
events, a follow-up after the end; each claimed once, so two ticks or a restarted worker never send it
twice, and a moved date is reminded again at its new time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from events_testing import first_date, local_in, make_event
from remind_testing import channels_held, told

from townhall.events import actions, notices, reminders, tasks
from townhall.events.models import Event, Occurrence, ReminderSent, ReminderSettings, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _held() -> Iterator[None]:
    with channels_held():
        yield


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Any) -> Any:
    """One reminder tick at `now`, with what waits for the commit (the fan-out) run."""

    def run(now: datetime) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.run(now=now)

    return run


@pytest.fixture
def star_party(space_moderator: Any, calendar: Space) -> Event:
    return make_event(space_moderator, calendar, starts_local=local_in(days=3, hour=20))


def _answer(user: Any, event: Event, state: str = Rsvp.GOING) -> Occurrence:
    date = first_date(event)
    actions.set_rsvp(Guardian(user), date, state=state)
    return date


def test_a_day_and_an_hour_before_by_default(member: Any, star_party: Event, tick: Any) -> None:
    date = _answer(member, star_party)
    start = date.starts_at
    assert tick(start - timedelta(days=1, minutes=-1)) == {"claimed": 1, "people": 1}
    [day] = told(member)
    assert (day.kind, day.data["soon"], day.target) == ("event_reminder", "tomorrow", f"occurrence:{date.pk}")
    assert "people" not in tick(start - timedelta(hours=3))  # nobody asked for 3 hours before
    tick(start - timedelta(minutes=59))
    assert [row.data["soon"] for row in told(member)] == ["tomorrow", "in 1 hour"]


def test_two_ticks_and_a_restart_send_each_reminder_once(member: Any, star_party: Event, tick: Any) -> None:
    date = _answer(member, star_party)
    when = date.starts_at - timedelta(minutes=60)
    first = tick(when)
    second = tick(when)  # another worker at the same moment
    restarted = tick(when + timedelta(minutes=5))  # a worker restarted a few minutes later
    assert (first["claimed"], second, restarted) == (1, {"already": 1}, {"already": 1})
    assert ReminderSent.objects.filter(occurrence=date).count() == 1
    assert len(told(member)) == 1


def test_a_moved_date_is_reminded_again_at_its_new_time(member: Any, star_party: Event, tick: Any) -> None:
    date = _answer(member, star_party)
    tick(date.starts_at - timedelta(minutes=55))
    [old] = told(member)
    date.refresh_from_db()
    date.starts_at += timedelta(hours=2)
    date.ends_at += timedelta(hours=2)
    date.moved = True
    date.save()
    tick(date.starts_at - timedelta(minutes=55))
    assert len(told(member)) == 2
    kind = next(k for k in notices.KINDS if k.key == "event_reminder")
    assert kind.still_visible is not None
    assert not kind.still_visible(Guardian(member), old)  # about the old time: not delivered
    assert kind.still_visible(Guardian(member), told(member)[-1])


def test_a_missed_reminder_is_not_sent_too_late(member: Any, star_party: Event, tick: Any) -> None:
    date = _answer(member, star_party)
    # the worker was down from before the day-ahead reminder until 10 hours before the start
    assert tick(date.starts_at - timedelta(hours=10)) == {}
    assert told(member) == []


def test_each_member_chooses_their_offsets(member: Any, newcomer: Any, star_party: Event, tick: Any) -> None:
    ReminderSettings.objects.create(user=member, offsets=[15], starting_now=False, follow_up=False)
    date = _answer(member, star_party)
    _answer(newcomer, star_party)
    tick(date.starts_at - timedelta(days=1))
    assert told(member) == [] and len(told(newcomer)) == 1
    tick(date.starts_at - timedelta(minutes=14))
    assert [row.data["soon"] for row in told(member)] == ["in 15 minutes"]


def test_maybe_is_reminded_not_going_and_waiting_are_not(
    space_moderator: Any, member: Any, newcomer: Any, host: Any, calendar: Space, tick: Any
) -> None:
    event = make_event(space_moderator, calendar, capacity=1, starts_local=local_in(days=3))
    date = _answer(host, event)
    _answer(member, event, Rsvp.MAYBE)
    _answer(newcomer, event)  # full: waitlisted
    assert Rsvp.objects.get(user=newcomer).state == Rsvp.WAITLISTED
    tick(date.starts_at - timedelta(minutes=60))
    assert len(told(host)) == 1 and len(told(member)) == 1 and told(newcomer) == []
    # leaving after the claim: the reminder is not delivered to them
    actions.set_rsvp(Guardian(member), date, state=Rsvp.NOT_GOING)
    kind = next(k for k in notices.KINDS if k.key == "event_reminder")
    assert kind.still_visible is not None and not kind.still_visible(Guardian(member), told(member)[0])


def test_an_online_event_tells_the_people_going_when_it_starts_with_the_join_link(
    space_moderator: Any, member: Any, calendar: Space, tick: Any
) -> None:
    event = make_event(space_moderator, calendar, location_kind=Event.ONLINE, venue="", address="",
                       online_url="https://meet.example.org/room")  # fmt: skip
    date = _answer(member, event)
    tick(date.starts_at + timedelta(minutes=1))
    [row] = told(member)
    assert row.kind == "event_starting" and "https://meet.example.org/room" in row.data["join"]


def test_an_event_in_person_has_no_starting_now(member: Any, star_party: Event, tick: Any) -> None:
    date = _answer(member, star_party)
    assert tick(date.starts_at + timedelta(minutes=1)) == {}


def test_after_the_end_a_follow_up_asks_for_a_recap(
    member: Any, newcomer: Any, star_party: Event, tick: Any
) -> None:
    date = _answer(member, star_party)
    _answer(newcomer, star_party, Rsvp.MAYBE)
    tick(date.ends_at + timedelta(minutes=5))
    [row] = told(member)
    assert row.kind == "event_follow_up" and row.url == f"/events/date/{date.pk}/"
    assert told(newcomer) == []


def test_a_cancelled_event_reminds_nobody(
    space_moderator: Any, member: Any, star_party: Event, tick: Any
) -> None:
    date = _answer(member, star_party)
    actions.cancel_event(Guardian(space_moderator), star_party)
    assert tick(date.starts_at - timedelta(minutes=60)) == {}


def test_a_tick_runs_a_fixed_number_of_queries(
    space_moderator: Any, member: Any, newcomer: Any, calendar: Space, django_assert_max_num_queries: Any
) -> None:
    start = local_in(days=3, hour=20)
    events = [make_event(space_moderator, calendar, title=f"Talk {n}", starts_local=start) for n in range(3)]
    for event in events:
        _answer(member, event)
        _answer(newcomer, event)
    when = first_date(events[0]).starts_at - timedelta(minutes=60)
    # candidates, answers, settings; then per claimed date a savepoint, the insert and the task
    with django_assert_max_num_queries(3 + 3 * 6):
        reminders.run(now=when)


def test_the_tick_chain_does_not_start_on_a_queue_that_cannot_wait() -> None:
    assert tasks.kick() is False
