"""The events rules, table by table: who sees, creates, approves, edits, answers, joins, checks in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from events_testing import first_date, make_event

import factories as testing
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "moderator", "space_moderator", "host", "member", "newcomer", "outsider", "anonymous"]


def _who(request: pytest.FixtureRequest, name: str) -> Any:
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        # persona:            owner moderator space_mod host  member newcomer outsider anonymous
        ("approval", [True, True, True, True, True, True, False, False]),
        ("open", [True, True, True, True, True, True, False, False]),
        ("off", [True, True, True, False, False, False, False, False]),
    ],
)
def test_who_creates(
    request: pytest.FixtureRequest, calendar: Space, setting: str, expected: list[bool]
) -> None:
    calendar.kind_settings = {"member_events": setting}
    calendar.save()
    got = [Guardian(_who(request, name)).events.create.can(calendar) for name in PERSONAS]
    assert got == expected


def test_who_needs_approval(request: pytest.FixtureRequest, calendar: Space) -> None:
    got = [Guardian(_who(request, name)).events.needs_approval(calendar) for name in PERSONAS[:6]]
    assert got == [False, False, False, True, True, True]


def test_outside_events_spaces_only_moderators_create(request: pytest.FixtureRequest, member: Any) -> None:
    lounge = testing.make_space("Lounge", kind="chat", visibility=Space.MEMBERS, members=[member])
    assert not Guardian(member).events.create.can(lounge)
    assert Guardian(request.getfixturevalue("moderator")).events.create.can(lounge)


def test_suspended_members_cannot_create(calendar: Space) -> None:
    from townhall.community.models import Membership

    person = testing.make_member("sue")
    Membership.objects.filter(user=person).update(state=Membership.SUSPENDED)
    assert "suspended" in (Guardian(person).events.create.reason(calendar) or "")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        #                  owner moderator space_mod host  member newcomer outsider anonymous
        (Event.PUBLISHED, [True, True, True, True, True, True, False, False]),
        (Event.CANCELLED, [True, True, True, True, True, True, False, False]),
        (Event.PENDING, [True, True, True, True, False, False, False, False]),
        (Event.DECLINED, [True, True, True, True, False, False, False, False]),
    ],
)
def test_who_sees_an_event(
    request: pytest.FixtureRequest, calendar: Space, state: str, expected: list[bool]
) -> None:
    host = request.getfixturevalue("host")
    event = make_event(host, calendar)
    Event.objects.filter(pk=event.pk).update(state=state)
    event.refresh_from_db()
    got = [Guardian(_who(request, name)).events.read.can(event) for name in PERSONAS]
    assert got == expected
    # The list filter agrees with the rule, person by person.
    for name, can in zip(PERSONAS, expected, strict=True):
        listed = (
            Guardian(_who(request, name)).events.visible(Event.objects.all()).filter(pk=event.pk).exists()
        )
        assert listed == can, name


def test_public_events_are_seen_by_everyone(request: pytest.FixtureRequest, open_calendar: Space) -> None:
    event = make_event(request.getfixturevalue("host"), open_calendar)
    assert all(Guardian(_who(request, name)).events.read.can(event) for name in PERSONAS)
    assert not Guardian(None).events.rsvp.can(first_date(event))


def test_who_edits_and_sees_attendees(request: pytest.FixtureRequest, calendar: Space) -> None:
    event = make_event(request.getfixturevalue("space_moderator"), calendar)
    expected = [True, True, True, False, False, False, False, False]
    assert [Guardian(_who(request, name)).events.edit.can(event) for name in PERSONAS] == expected
    assert [Guardian(_who(request, name)).events.manage_attendees.can(event) for name in PERSONAS] == expected


def test_reviewable_lists_what_a_moderator_may_approve(
    request: pytest.FixtureRequest, calendar: Space
) -> None:
    event = make_event(request.getfixturevalue("host"), calendar)
    for name in PERSONAS[:6]:
        guardian = Guardian(_who(request, name))
        listed = guardian.events.reviewable(Event.objects.all()).filter(pk=event.pk).exists()
        assert listed == guardian.events.review.can(event), name


def _going(person: Any, occurrence: Occurrence) -> Rsvp:
    return Rsvp.objects.create(occurrence=occurrence, event=occurrence.event, user=person, state=Rsvp.GOING)


def test_join_link_shows_shortly_before_to_people_going(
    space_moderator: Any, member: Any, newcomer: Any, calendar: Space
) -> None:
    event = make_event(
        space_moderator, calendar, location_kind=Event.ONLINE, online_url="https://meet.example.org/stars",
        venue="", address="",
    )  # fmt: skip
    occurrence = first_date(event)
    rsvp = _going(member, occurrence)
    assert Guardian(space_moderator).events.see_join_link.can(occurrence, None)
    assert "minutes before" in (Guardian(member).events.see_join_link.reason(occurrence, rsvp) or "")
    soon = timezone.now() + timedelta(minutes=10)
    Occurrence.objects.filter(pk=occurrence.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=1))
    occurrence.refresh_from_db()
    assert Guardian(member).events.see_join_link.can(occurrence, rsvp)
    assert not Guardian(newcomer).events.see_join_link.can(occurrence, None)
    assert not Guardian(newcomer).events.see_join_link.can(occurrence, rsvp)  # someone else's answer
    rsvp.state = Rsvp.WAITLISTED
    assert not Guardian(member).events.see_join_link.can(occurrence, rsvp)
    past = timezone.now() - timedelta(hours=2)
    Occurrence.objects.filter(pk=occurrence.pk).update(starts_at=past, ends_at=past + timedelta(hours=1))
    occurrence.refresh_from_db()
    rsvp.state = Rsvp.GOING
    assert "over" in (Guardian(member).events.see_join_link.reason(occurrence, rsvp) or "")


def test_check_in_opens_on_the_day(space_moderator: Any, calendar: Space) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    assert "opens on the day" in (Guardian(space_moderator).events.check_in.reason(occurrence) or "")
    soon = timezone.now() + timedelta(hours=1)
    Occurrence.objects.filter(pk=occurrence.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=1))
    occurrence.refresh_from_db()
    assert Guardian(space_moderator).events.check_in.can(occurrence)


def test_importing_calendars(request: pytest.FixtureRequest, calendar: Space, open_calendar: Space) -> None:
    got = [Guardian(_who(request, name)).events.import_calendar.can(calendar) for name in PERSONAS]
    assert got == [True, True, True, False, False, False, False, False]
    assert Guardian(request.getfixturevalue("host")).events.import_calendar.can(open_calendar)


def test_personal_feed(request: pytest.FixtureRequest, calendar: Space) -> None:
    got = [Guardian(_who(request, name)).events.feed.can() for name in PERSONAS]
    assert got == [True, True, True, True, True, True, False, False]
