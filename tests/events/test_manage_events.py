"""Creating, approving, changing, cancelling and removing events (the actions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from events_testing import event_input, first_date, local_in, make_event

import factories as testing
from townhall.activity.models import Activity
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.events import actions
from townhall.events.events import (
    EventCancelled,
    EventChanged,
    EventPublished,
    EventReviewed,
    EventSubmitted,
)
from townhall.events.models import Event, EventHost, Occurrence, Rsvp
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db


def test_a_moderator_publishes_at_once(space_moderator: Any, calendar: Any, emitted: list[Any]) -> None:
    event = make_event(space_moderator, calendar)
    assert event.state == Event.PUBLISHED
    assert event.created_by == space_moderator
    assert EventHost.objects.filter(event=event, user=space_moderator, role=EventHost.HOST).exists()
    assert Occurrence.objects.filter(event=event).count() == 1
    occurrence = first_date(event)
    assert (occurrence.starts_at, occurrence.ends_at) == (event.starts_at, event.ends_at)
    assert any(isinstance(e, EventPublished) and e.event_id == event.pk for e in emitted)
    assert Activity.objects.filter(verb="event.created", target_id=event.pk).exists()


def test_a_members_event_waits_for_approval(host: Any, calendar: Any, emitted: list[Any]) -> None:
    event = make_event(host, calendar)
    assert event.state == Event.PENDING
    assert any(isinstance(e, EventSubmitted) for e in emitted)
    assert not any(isinstance(e, EventPublished) for e in emitted)


def test_approval_publishes_and_tells_the_host(
    host: Any, space_moderator: Any, calendar: Any, emitted: list[Any]
) -> None:
    event = make_event(host, calendar)
    actions.review_event(Guardian(space_moderator), event, approve=True)
    event.refresh_from_db()
    assert event.state == Event.PUBLISHED and event.reviewed_by == space_moderator
    assert any(isinstance(e, EventReviewed) and e.approved for e in emitted)
    assert any(isinstance(e, EventPublished) for e in emitted)


def test_declining_keeps_it_off_the_calendar(
    host: Any, space_moderator: Any, member: Any, calendar: Any
) -> None:
    event = make_event(host, calendar)
    actions.review_event(Guardian(space_moderator), event, approve=False, note="Clashes with the AGM")
    event.refresh_from_db()
    assert event.state == Event.DECLINED and event.review_note == "Clashes with the AGM"
    assert not Guardian(member).events.read.can(event)
    assert Guardian(host).events.read.can(event)


def test_only_moderators_review(host: Any, member: Any, calendar: Any) -> None:
    event = make_event(host, calendar)
    with pytest.raises(NotFound):  # a pending event is unseen by other members
        actions.review_event(Guardian(member), event, approve=True)
    with pytest.raises(PermissionDenied):
        actions.review_event(Guardian(host), event, approve=True)


def test_reviewing_twice_is_refused(host: Any, space_moderator: Any, calendar: Any) -> None:
    event = make_event(host, calendar)
    actions.review_event(Guardian(space_moderator), event, approve=True)
    with pytest.raises(PermissionDenied, match="not waiting"):
        actions.review_event(Guardian(space_moderator), event, approve=False)


def test_open_calendar_publishes_members_events(host: Any, open_calendar: Any) -> None:
    assert make_event(host, open_calendar).state == Event.PUBLISHED


def test_members_cannot_create_when_the_space_says_off(host: Any, calendar: Any) -> None:
    calendar.kind_settings = {"member_events": "off"}
    calendar.save()
    with pytest.raises(PermissionDenied, match="moderators create"):
        make_event(host, calendar)


def test_outsiders_and_newcomers_outside_cannot_create(outsider: Any, calendar: Any) -> None:
    with pytest.raises(NotFound):
        make_event(outsider, calendar)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the event a title"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"ends_local": local_in(days=6)}, "ends_at", "ends before it starts"),
        ({"capacity": 0}, "capacity", "between 1 and"),
        ({"guests_allowed": -1}, "guests_allowed", "between 0 and"),
        ({"location_kind": "online", "online_url": ""}, "online_url", "needs a join link"),
        ({"location_kind": "online", "online_url": "javascript:alert(1)"}, "online_url", "web address"),
        ({"venue": "", "address": ""}, "venue", "Say where"),
        ({"location_kind": "underwater"}, "location_kind", "Choose online"),
        ({"questions": ["q"] * 6}, "questions", "at most 5"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule", ""),
        ({"rrule": "nonsense"}, "rrule", ""),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    space_moderator: Any, calendar: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        make_event(space_moderator, calendar, **fields)
    assert field in caught.value.field_errors, caught.value.field_errors
    assert message in caught.value.message
    assert not Event.objects.exists() and not Occurrence.objects.exists()


def test_a_time_in_the_dst_gap_is_refused(space_moderator: Any, calendar: Any) -> None:
    gap = datetime(2030, 3, 31, 2, 30)  # Europe/Berlin springs forward at 2:00 on the last Sunday of March
    with pytest.raises(Invalid) as caught:
        make_event(space_moderator, calendar, starts_local=gap, ends_local=gap + timedelta(hours=2))
    assert "does not exist" in caught.value.message
    assert not Event.objects.exists()


def test_all_day_events_span_whole_days(space_moderator: Any, calendar: Any) -> None:
    day = local_in(days=10, hour=0)
    event = make_event(
        space_moderator, calendar, all_day=True, starts_local=day, ends_local=day + timedelta(days=1)
    )
    assert event.all_day
    assert event.ends_at - event.starts_at == timedelta(days=2)


def test_editing_the_time_raises_the_sequence_and_tells_attendees(
    space_moderator: Any, member: Any, calendar: Any, emitted: list[Any]
) -> None:
    event = make_event(space_moderator, calendar)
    actions.set_rsvp(Guardian(member), first_date(event), state=Rsvp.GOING)
    later = local_in(days=8)
    actions.update_event(
        Guardian(space_moderator),
        event,
        data=event_input(starts_local=later, ends_local=later + timedelta(hours=1)),
    )
    event.refresh_from_db()
    assert event.sequence == 1
    occurrence = first_date(event)
    assert occurrence.starts_at == event.starts_at
    assert Rsvp.objects.get(user=member).occurrence_id == occurrence.pk  # the answer stays with the date
    assert any(isinstance(e, EventChanged) for e in emitted)


def test_editing_only_the_description_changes_no_sequence(
    space_moderator: Any, calendar: Any, emitted: list[Any]
) -> None:
    event = make_event(space_moderator, calendar)
    start = event.starts_at
    actions.update_event(
        Guardian(space_moderator), event,
        data=event_input(starts_local=local_in(), description="Bring **two** red torches."),
    )  # fmt: skip
    event.refresh_from_db()
    assert event.sequence == 0 and event.starts_at == start
    assert "<strong>two</strong>" in event.description_html
    assert not any(isinstance(e, EventChanged) for e in emitted)


def test_others_cannot_edit(space_moderator: Any, member: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar)
    with pytest.raises(PermissionDenied, match="hosts"):
        actions.update_event(Guardian(member), event, data=event_input())


def test_cohosts_edit(space_moderator: Any, host: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar)
    actions.add_host(Guardian(space_moderator), event, user=host)
    actions.update_event(Guardian(host), event, data=event_input(title="Star party (moved indoors)"))
    event.refresh_from_db()
    assert event.title == "Star party (moved indoors)"


def test_an_event_keeps_one_host(space_moderator: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar)
    with pytest.raises(Invalid, match="at least one host"):
        actions.remove_host(Guardian(space_moderator), event, user=space_moderator)


def test_outsiders_cannot_be_hosts(space_moderator: Any, outsider: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar)
    with pytest.raises(Invalid, match="active members"):
        actions.add_host(Guardian(space_moderator), event, user=outsider)


def test_cancelling_cancels_every_date_and_tells_attendees(
    space_moderator: Any, member: Any, calendar: Any, emitted: list[Any]
) -> None:
    event = make_event(space_moderator, calendar)
    actions.set_rsvp(Guardian(member), first_date(event), state=Rsvp.GOING)
    actions.cancel_event(Guardian(space_moderator), event, reason="Clouds all week")
    event.refresh_from_db()
    assert event.state == Event.CANCELLED and event.sequence == 1
    assert first_date(event).cancelled
    assert any(isinstance(e, EventCancelled) and e.occurrence_id is None for e in emitted)
    with pytest.raises(PermissionDenied, match="cancelled"):
        actions.cancel_event(Guardian(space_moderator), event)
    with pytest.raises(PermissionDenied, match="cancelled"):
        actions.set_rsvp(Guardian(member), first_date(event), state=Rsvp.GOING)


def test_cancel_reason_is_bounded(space_moderator: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar)
    with pytest.raises(Invalid, match="at most 500"):
        actions.cancel_event(Guardian(space_moderator), event, reason="x" * 501)
    event.refresh_from_db()
    assert event.state == Event.PUBLISHED


def test_deleting(space_moderator: Any, host: Any, calendar: Any) -> None:
    pending = make_event(host, calendar)
    actions.delete_event(Guardian(host), pending)  # a host may withdraw their proposal
    published = make_event(space_moderator, calendar)
    with pytest.raises(PermissionDenied):
        actions.delete_event(Guardian(host), published)
    actions.delete_event(Guardian(space_moderator), published)
    assert not Event.objects.exists() and not Occurrence.objects.exists()


def test_group_must_exist(space_moderator: Any, calendar: Any) -> None:
    with pytest.raises(Invalid, match="no such group"):
        make_event(space_moderator, calendar, group_id=999_999)


def test_group_members_first(space_moderator: Any, member: Any, host: Any, calendar: Any) -> None:
    chapter = testing.make_group("Berlin chapter", [host])
    event = make_event(
        space_moderator, calendar, group_id=chapter.pk, group_only_until_local=local_in(days=3)
    )
    occurrence = first_date(event)
    actions.set_rsvp(Guardian(host), occurrence, state=Rsvp.GOING)
    with pytest.raises(PermissionDenied, match="group's members first"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)
