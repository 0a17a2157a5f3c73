"""events.bulk writes the rows the actions would have written, for history the actions refuse."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from events_testing import first_date, make_event
from PIL import Image

import factories as testing
from townhall.activity.models import Activity
from townhall.content.uploads import prepare, store
from townhall.core.errors import Invalid
from townhall.discussions import actions as discussions
from townhall.events import actions, bulk
from townhall.events.bulk import NewAttendance, NewRsvp
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import SpaceMembership

pytestmark = pytest.mark.django_db

QUESTIONS = [{"text": "Which scope?", "required": True}, "Anything else?"]


def _people(calendar: Any, count: int) -> list[Any]:
    people = [testing.make_member(f"stargazer{n}") for n in range(count)]
    SpaceMembership.objects.bulk_create([SpaceMembership(space=calendar, user=p) for p in people])
    return people


def _comparable(rsvp: Rsvp) -> tuple[Any, ...]:
    return (rsvp.user_id, rsvp.state, rsvp.guests, rsvp.answers, rsvp.waitlisted_at is not None)


def _activity(occurrence: Occurrence, verb: str) -> list[tuple[Any, ...]]:
    rows = Activity.objects.filter(verb=verb, target_id=occurrence.pk).order_by("actor_id")
    return [
        (row.actor_id, row.target_type, row.space_id, {k: v for k, v in row.data.items() if k not in ("event_id", "occurrence_id")})
        for row in rows
    ]  # fmt: skip


def _counts(occurrence: Occurrence) -> tuple[int, int, int]:
    occurrence.refresh_from_db()
    return occurrence.going_count, occurrence.maybe_count, occurrence.waitlist_count


def test_bulk_rsvps_write_what_set_rsvp_writes(space_moderator: Any, calendar: Any) -> None:
    people = _people(calendar, 5)
    fields = {"capacity": 4, "guests_allowed": 1, "questions": QUESTIONS}
    by_action = first_date(make_event(space_moderator, calendar, **fields))
    by_bulk = first_date(make_event(space_moderator, calendar, title="The same, written in bulk", **fields))
    plan = [
        (people[0], Rsvp.GOING, 1, {"q1": "80 mm refractor"}),
        (people[1], Rsvp.MAYBE, 0, {"q1": "Binoculars", "q2": "Coming by bike"}),
        (people[2], Rsvp.GOING, 0, {"q1": "Dobsonian"}),
        (people[3], Rsvp.GOING, 1, {"q1": "SCT"}),  # 3 seats taken: two do not fit, waitlisted
        (people[4], Rsvp.NOT_GOING, 0, {}),
    ]
    for person, state, guests, answers in plan:
        actions.set_rsvp(Guardian(person), by_action, state=state, guests=guests, answers=answers)
    start = timezone.now() - timedelta(days=2)
    written = bulk.bulk_rsvps(
        by_bulk,
        [NewRsvp(p.pk, s, start + timedelta(hours=n), g, a) for n, (p, s, g, a) in enumerate(plan)],
    )
    assert [_comparable(r) for r in written] == [
        _comparable(r) for r in Rsvp.objects.filter(occurrence=by_action).order_by("created_at", "id")
    ]
    assert [_comparable(r) for r in Rsvp.objects.filter(occurrence=by_bulk).order_by("created_at", "id")] == [
        _comparable(r) for r in written
    ]
    assert _counts(by_bulk) == _counts(by_action) == (3, 1, 2)
    assert _activity(by_bulk, "event.rsvp") == _activity(by_action, "event.rsvp")
    stored = Rsvp.objects.get(occurrence=by_bulk, user=people[3])
    assert stored.state == Rsvp.WAITLISTED and stored.waitlisted_at == start + timedelta(hours=3)
    assert stored.created_at == start + timedelta(hours=3)
    assert len(set(Rsvp.objects.values_list("ticket", flat=True))) == Rsvp.objects.count()
    logged = Activity.objects.get(verb="event.rsvp", target_id=by_bulk.pk, actor=people[0])
    assert logged.created_at == start and logged.data["occurrence_id"] == by_bulk.pk


def test_bulk_rsvps_take_past_dates(space_moderator: Any, calendar: Any, member: Any) -> None:
    """What the rsvp rule refuses (a date that is over) is what the bulk layer is for."""
    past = timezone.now() - timedelta(days=10)
    zone_local = past.astimezone(UTC).replace(tzinfo=None)
    occurrence = first_date(
        make_event(space_moderator, calendar, starts_local=zone_local, ends_local=zone_local + timedelta(hours=2), time_zone="UTC")
    )  # fmt: skip
    assert not Guardian(member).events.rsvp.can(occurrence)
    bulk.bulk_rsvps(occurrence, [NewRsvp(member.pk, Rsvp.GOING, past - timedelta(days=1))])
    assert _counts(occurrence) == (1, 0, 0)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"state": Rsvp.WAITLISTED}, "going, maybe or not going"),
        ({"guests": 2}, "at most 1 guest"),
        ({"guests": -1}, "cannot be negative"),
        ({"answers": {}}, "Which scope"),
        ({"answers": {"q9": "?"}}, "no question"),
        ({"at": datetime(2026, 1, 1)}, "time zone"),
    ],
)
def test_bulk_rsvps_refuse_what_the_action_refuses(
    space_moderator: Any, calendar: Any, member: Any, new: dict[str, Any], message: str
) -> None:
    occurrence = first_date(make_event(space_moderator, calendar, guests_allowed=1, questions=QUESTIONS))
    values: dict[str, Any] = {
        "user_id": member.pk,
        "state": Rsvp.GOING,
        "at": timezone.now(),
        "answers": {"q1": "A"},
    }
    values.update(new)
    with pytest.raises(Invalid, match=message):
        bulk.bulk_rsvps(occurrence, [NewRsvp(**values)])
    assert not Rsvp.objects.exists() and not Activity.objects.filter(verb="event.rsvp").exists()
    assert _counts(occurrence) == (0, 0, 0)


def test_bulk_rsvps_refuse_events_that_take_no_answers(
    space_moderator: Any, calendar: Any, member: Any, host: Any
) -> None:
    pending = first_date(make_event(host, calendar))  # a member's event waits for approval
    assert pending.event.state == Event.PENDING
    with pytest.raises(Invalid, match="not published"):
        bulk.bulk_rsvps(pending, [NewRsvp(member.pk, Rsvp.GOING, timezone.now())])
    event = make_event(space_moderator, calendar, title="Called off")
    actions.cancel_event(Guardian(space_moderator), event, reason="Rain")
    with pytest.raises(Invalid, match="cancelled"):
        bulk.bulk_rsvps(first_date(event), [NewRsvp(member.pk, Rsvp.GOING, timezone.now())])
    series = make_event(space_moderator, calendar, title="Weekly", rrule="FREQ=WEEKLY;COUNT=3")
    date = first_date(series)
    bulk.cancel_date(date, reason="Holiday", by_id=space_moderator.pk, at=timezone.now())
    with pytest.raises(Invalid, match="date is cancelled"):
        bulk.bulk_rsvps(date, [NewRsvp(member.pk, Rsvp.GOING, timezone.now())])
    assert not Rsvp.objects.exists()


def test_bulk_rsvps_one_answer_per_person(space_moderator: Any, calendar: Any, member: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar))
    now = timezone.now()
    with pytest.raises(Invalid, match="given twice"):
        bulk.bulk_rsvps(
            occurrence, [NewRsvp(member.pk, Rsvp.GOING, now), NewRsvp(member.pk, Rsvp.MAYBE, now)]
        )
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.MAYBE)
    with pytest.raises(Invalid, match="already answered"):
        bulk.bulk_rsvps(occurrence, [NewRsvp(member.pk, Rsvp.GOING, now)])
    assert _counts(occurrence) == (0, 1, 0)


def test_attendance_checks_people_in_with_activity(space_moderator: Any, calendar: Any) -> None:
    people = _people(calendar, 3)
    occurrence = first_date(make_event(space_moderator, calendar, guests_allowed=2))
    now = timezone.now()
    bulk.bulk_rsvps(occurrence, [NewRsvp(people[0].pk, Rsvp.GOING, now, 2), NewRsvp(people[1].pk, Rsvp.GOING, now),
                                 NewRsvp(people[2].pk, Rsvp.MAYBE, now)])  # fmt: skip
    came = now + timedelta(minutes=5)
    assert bulk.bulk_attendance(occurrence, [NewAttendance(people[0].pk, came, space_moderator.pk)]) == 1
    occurrence.refresh_from_db()
    assert occurrence.checked_in_count == 3  # the person and their two guests, as going_count counts them
    rsvp = Rsvp.objects.get(occurrence=occurrence, user=people[0])
    assert (rsvp.checked_in_at, rsvp.checked_in_by_id) == (came, space_moderator.pk)
    assert Rsvp.objects.filter(checked_in_at__isnull=False).count() == 1
    row = Activity.objects.get(verb="event.attended")
    assert (row.actor_id, row.target_type, row.target_id, row.space_id, row.created_at) == (
        people[0].pk, "events.occurrence", occurrence.pk, calendar.pk, came
    )  # fmt: skip
    assert row.data == {"event_id": occurrence.event_id, "occurrence_id": occurrence.pk, "guests": 2}


def test_attendance_refusals(space_moderator: Any, calendar: Any) -> None:
    people = _people(calendar, 3)
    occurrence = first_date(make_event(space_moderator, calendar))
    now = timezone.now()
    bulk.bulk_rsvps(
        occurrence, [NewRsvp(people[0].pk, Rsvp.GOING, now), NewRsvp(people[1].pk, Rsvp.MAYBE, now)]
    )
    for attendees, message in [
        ([NewAttendance(people[1].pk, now)], "not going"),
        ([NewAttendance(people[2].pk, now)], "not going"),
        ([NewAttendance(people[0].pk, now), NewAttendance(people[0].pk, now)], "given twice"),
        (
            [NewAttendance(people[0].pk, now), NewAttendance(people[1].pk, now)],
            "not going",
        ),  # nothing written
    ]:
        with pytest.raises(Invalid, match=message):
            bulk.bulk_attendance(occurrence, attendees)
    assert not Activity.objects.filter(verb="event.attended").exists()
    bulk.bulk_attendance(occurrence, [NewAttendance(people[0].pk, now)])
    with pytest.raises(Invalid, match="already checked in"):
        bulk.bulk_attendance(occurrence, [NewAttendance(people[0].pk, now)])
    occurrence.refresh_from_db()
    assert occurrence.checked_in_count == 1


def test_no_attendance_at_a_cancelled_date(space_moderator: Any, calendar: Any, member: Any) -> None:
    occurrence = first_date(make_event(space_moderator, calendar, rrule="FREQ=WEEKLY;COUNT=2"))
    bulk.bulk_rsvps(occurrence, [NewRsvp(member.pk, Rsvp.GOING, timezone.now())])
    bulk.cancel_date(occurrence, reason="", by_id=None, at=timezone.now())
    with pytest.raises(Invalid, match="cancelled"):
        bulk.bulk_attendance(occurrence, [NewAttendance(member.pk, timezone.now())])


def test_cancel_date(space_moderator: Any, calendar: Any) -> None:
    event = make_event(space_moderator, calendar, rrule="FREQ=WEEKLY;COUNT=4")
    date = Occurrence.objects.filter(event=event).order_by("starts_at")[1]
    at = timezone.now() - timedelta(hours=3)
    bulk.cancel_date(date, reason="  The hall is closed.  ", by_id=space_moderator.pk, at=at)
    date.refresh_from_db()
    assert (date.cancelled_at, date.cancel_reason, date.sequence) == (at, "The hall is closed.", 1)
    event.refresh_from_db()
    assert event.sequence == 1  # calendars holding the series hear of it
    assert Occurrence.objects.filter(event=event, cancelled_at__isnull=True).count() == 3
    row = Activity.objects.get(verb="occurrence.cancelled")
    assert (row.actor_id, row.target_id, row.created_at) == (space_moderator.pk, date.pk, at)
    with pytest.raises(Invalid, match="already cancelled"):
        bulk.cancel_date(date, reason="", by_id=None, at=at)
    with pytest.raises(Invalid, match="at most 500"):
        bulk.cancel_date(first_date(event), reason="x" * 501, by_id=None, at=at)
    with pytest.raises(Invalid, match="time zone"):
        bulk.cancel_date(first_date(event), reason="", by_id=None, at=datetime(2026, 1, 1))


def _image(space: Any, user: Any) -> Any:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 10, 40)).save(out, format="PNG")
    return store(user.pk, space, prepare(io.BytesIO(out.getvalue()), "sky.png"))


def test_link_recap(space_moderator: Any, calendar: Any, open_calendar: Any) -> None:
    event = make_event(space_moderator, calendar)
    discussion = testing.make_space("Recaps", members=[space_moderator])
    topic = discussions.create_topic(
        Guardian(space_moderator), discussion, title="How it went", body="Great night."
    )
    with pytest.raises(Invalid, match="cover"):
        bulk.link_recap(event, topic=topic, cover=_image(open_calendar, space_moderator))  # another space
    cover = _image(calendar, space_moderator)
    bulk.link_recap(event, topic=topic, cover=cover)
    event.refresh_from_db()
    assert (event.recap_topic_id, event.cover_id) == (topic.pk, cover.pk)
