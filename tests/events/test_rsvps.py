"""RSVPs: going / maybe / not going, guests, questions, deadlines, capacity and the waitlist."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from events_testing import first_date, input_for, make_event

import factories as testing
from townhall.activity.models import Activity
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.events import actions
from townhall.events.events import RsvpChanged, WaitlistPromoted
from townhall.events.models import Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import SpaceMembership

pytestmark = pytest.mark.django_db


def _people(calendar: Any, count: int) -> list[Any]:
    people = [testing.make_member(f"guest{n}") for n in range(count)]
    SpaceMembership.objects.bulk_create([SpaceMembership(space=calendar, user=p) for p in people])
    return people


def test_going_counts_a_seat(space_moderator: Any, member: Any, calendar: Any, emitted: list[Any]) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    rsvp = actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)
    occurrence.refresh_from_db()
    assert rsvp.state == Rsvp.GOING and occurrence.going_count == 1
    assert any(isinstance(e, RsvpChanged) and e.state == Rsvp.GOING for e in emitted)
    assert Activity.objects.filter(verb="event.rsvp", actor=member).exists()


def test_changing_an_answer_moves_the_count(space_moderator: Any, member: Any, calendar: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar, guests_allowed=2))
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING, guests=2)
    occurrence.refresh_from_db()
    assert occurrence.going_count == 3
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.MAYBE)
    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.maybe_count) == (0, 1)
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.NOT_GOING)
    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.maybe_count) == (0, 0)
    assert Rsvp.objects.count() == 1


@pytest.mark.parametrize(("guests", "message"), [(-1, "cannot be negative"), (3, "at most 2 guests")])
def test_guest_limits(space_moderator: Any, member: Any, calendar: Any, guests: int, message: str) -> None:
    occurrence = first_date(make_event(space_moderator, calendar, guests_allowed=2))
    with pytest.raises(Invalid, match=message):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING, guests=guests)
    assert not Rsvp.objects.exists()


def test_no_guests_unless_allowed(space_moderator: Any, member: Any, calendar: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    with pytest.raises(Invalid, match="does not take guests"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING, guests=1)


def test_unknown_answer_is_refused(space_moderator: Any, member: Any, calendar: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    with pytest.raises(Invalid, match="going, maybe or not going"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.WAITLISTED)


def test_required_questions(space_moderator: Any, member: Any, calendar: Any) -> None:
    questions = [{"text": "Do you bring a telescope?", "required": True}, "Anything else?"]
    occurrence = first_date(make_event(space_moderator, calendar, questions=questions))
    with pytest.raises(Invalid, match="Do you bring a telescope"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)
    with pytest.raises(Invalid, match="no question"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING, answers={"q9": "?"})
    rsvp = actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING, answers={"q1": "A Dobsonian"})
    assert rsvp.answers == {"q1": "A Dobsonian"}


def test_deadline(space_moderator: Any, member: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar, rsvp_deadline_minutes=60)
    occurrence = first_date(event)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=timezone.now() + timedelta(minutes=30), ends_at=timezone.now() + timedelta(hours=2)
    )
    occurrence.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)


def test_past_dates_take_no_answers(space_moderator: Any, member: Any, calendar: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    occurrence.refresh_from_db()
    with pytest.raises(PermissionDenied, match="over"):
        actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)


def test_people_who_cannot_see_it_get_not_found(space_moderator: Any, outsider: Any, calendar: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    with pytest.raises(NotFound):
        actions.set_rsvp(Guardian(outsider), occurrence, state=Rsvp.GOING)


def test_pending_events_take_no_answers(host: Any, calendar: Any) -> None:
    occurrence = first_date(make_event(host, calendar))
    with pytest.raises(PermissionDenied, match="not published"):
        actions.set_rsvp(Guardian(host), occurrence, state=Rsvp.GOING)


def test_full_puts_people_on_the_waitlist_in_order(space_moderator: Any, calendar: Any) -> None:
    a, b, c, d = _people(calendar, 4)
    occurrence = first_date(make_event(space_moderator, calendar, capacity=2))
    assert actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.GOING).state == Rsvp.GOING
    assert actions.set_rsvp(Guardian(b), occurrence, state=Rsvp.GOING).state == Rsvp.GOING
    assert actions.set_rsvp(Guardian(c), occurrence, state=Rsvp.GOING).state == Rsvp.WAITLISTED
    assert actions.set_rsvp(Guardian(d), occurrence, state=Rsvp.GOING).state == Rsvp.WAITLISTED
    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.waitlist_count) == (2, 2)


def test_a_cancellation_promotes_the_next_person(
    space_moderator: Any, calendar: Any, emitted: list[Any]
) -> None:
    a, b, c, d = _people(calendar, 4)
    occurrence = first_date(make_event(space_moderator, calendar, capacity=2))
    for person in (a, b, c, d):
        actions.set_rsvp(Guardian(person), occurrence, state=Rsvp.GOING)
    actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.NOT_GOING)
    assert Rsvp.objects.get(user=c).state == Rsvp.GOING
    assert Rsvp.objects.get(user=c).promoted_at is not None
    assert Rsvp.objects.get(user=d).state == Rsvp.WAITLISTED
    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.waitlist_count) == (2, 1)
    promoted = [e for e in emitted if isinstance(e, WaitlistPromoted)]
    assert [e.user_id for e in promoted] == [c.pk]
    assert Activity.objects.filter(verb="event.promoted", actor=c).exists()


def test_a_party_that_does_not_fit_keeps_its_place(space_moderator: Any, calendar: Any) -> None:
    a, b, c = _people(calendar, 3)
    occurrence = first_date(make_event(space_moderator, calendar, capacity=2, guests_allowed=2))
    actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.GOING, guests=1)  # two seats: full
    actions.set_rsvp(Guardian(b), occurrence, state=Rsvp.GOING, guests=2)  # three seats: waits
    actions.set_rsvp(Guardian(c), occurrence, state=Rsvp.GOING)  # one seat: waits behind b
    actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.GOING)  # drops their guest: one seat frees
    assert Rsvp.objects.get(user=a).state == Rsvp.GOING
    # b's party of three does not fit in one seat; c's does.
    actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.MAYBE)
    assert Rsvp.objects.get(user=c).state == Rsvp.GOING
    assert Rsvp.objects.get(user=b).state == Rsvp.WAITLISTED


def test_going_people_are_not_bumped_by_asking_for_more_guests(space_moderator: Any, calendar: Any) -> None:
    a, b = _people(calendar, 2)
    occurrence = first_date(make_event(space_moderator, calendar, capacity=2, guests_allowed=3))
    actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.GOING)
    actions.set_rsvp(Guardian(b), occurrence, state=Rsvp.GOING)
    with pytest.raises(Invalid, match="guest seat"):
        actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.GOING, guests=2)
    assert Rsvp.objects.get(user=a).state == Rsvp.GOING


def test_raising_the_capacity_seats_the_waitlist(space_moderator: Any, calendar: Any) -> None:
    a, b = _people(calendar, 2)
    event = make_event(space_moderator, calendar, capacity=1)
    occurrence = first_date(event)
    actions.set_rsvp(Guardian(a), occurrence, state=Rsvp.GOING)
    actions.set_rsvp(Guardian(b), occurrence, state=Rsvp.GOING)
    assert Rsvp.objects.get(user=b).state == Rsvp.WAITLISTED
    actions.update_event(Guardian(space_moderator), event, data=input_for(event, capacity=5))
    assert Rsvp.objects.get(user=b).state == Rsvp.GOING


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks across threads need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_people_never_take_the_last_seat_together(community: Any, space_moderator: Any) -> None:
    from townhall.spaces.models import Space

    calendar = testing.make_space(
        "Race", kind="events", visibility=Space.MEMBERS, moderators=[space_moderator]
    )
    people = _people(calendar, 8)
    occurrence = first_date(make_event(space_moderator, calendar, capacity=3))
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def answer(person: Any) -> None:
        try:
            barrier.wait()
            actions.set_rsvp(Guardian(person), occurrence, state=Rsvp.GOING)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    occurrence.refresh_from_db()
    assert Rsvp.objects.filter(state=Rsvp.GOING).count() == 3 == occurrence.going_count
    assert Rsvp.objects.filter(state=Rsvp.WAITLISTED).count() == 5 == occurrence.waitlist_count
    # Cancellations under concurrency promote exactly as many people as seats freed.
    going = list(Rsvp.objects.filter(state=Rsvp.GOING).select_related("user"))
    threads = [
        threading.Thread(
            target=lambda r=r: (
                actions.set_rsvp(Guardian(r.user), occurrence, state=Rsvp.NOT_GOING),
                connection.close(),
            )
        )
        for r in going
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    occurrence.refresh_from_db()
    assert Rsvp.objects.filter(state=Rsvp.GOING).count() == 3 == occurrence.going_count
    assert Rsvp.objects.filter(state=Rsvp.WAITLISTED).count() == 2 == occurrence.waitlist_count
