"""The demo's calendar: upcoming and past events, a full workshop with a waitlist, an event waiting for
approval, attendance in the Activity log, and every row the seed wrote keeping the events invariants.

The demo is seeded once for this module (it takes a while) inside a transaction rolled back at the end;
each test runs in its own savepoint within it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import override_settings
from django.utils import timezone

from townhall.accounts.models import User
from townhall.activity.models import Activity
from townhall.events import queries
from townhall.events.models import Event, EventHost, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.seed import demo
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, int]]:
    uploads = tmp_path_factory.mktemp("demo-uploads")
    with django_db_blocker.unblock(), override_settings(DISCUSSIONS_UPLOAD_ROOT=str(uploads)):
        from django.core.cache import cache

        cache.clear()  # rate limits start afresh, as on a new installation
        with transaction.atomic():
            assert demo.database_is_empty()
            counts = demo.seed_demo()
            yield counts
            transaction.set_rollback(True)


def _event(title: str) -> Event:
    return Event.objects.get(title__startswith=title)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_the_events_space_and_counts(seeded: dict[str, int]) -> None:
    space = Space.objects.get(kind="events")
    assert space.name == "Events" and space.visibility == Space.PUBLIC
    assert space.kind_settings["member_events"] == "approval"
    assert Space.objects.filter(slug=space.kind_settings["live_chat_space"], kind="chat").exists()
    assert seeded["events"] == Event.objects.count() >= 8
    assert seeded["event dates"] == Occurrence.objects.count()
    assert seeded["rsvps"] == Rsvp.objects.count() > 150
    chapter = Space.objects.get(name="Berlin chapter")
    assert Event.objects.filter(space=chapter, group__name="Berlin chapter").exists()


def test_upcoming_and_past_events(seeded: dict[str, int]) -> None:
    now = timezone.now()
    mira = Guardian(_user("mira"))
    upcoming = list(queries.upcoming(mira))
    assert len({o.event_id for o in upcoming}) >= 6
    assert upcoming[0].starts_at < now + timedelta(days=8)  # something this week
    past = Occurrence.objects.filter(ends_at__lte=now, cancelled_at__isnull=True)
    assert past.filter(event__title="Perseids meteor watch").exists()
    assert past.filter(event__title="Thursday night star party").count() >= 9
    assert past.filter(event__title="Astrophotography processing clinic").count() >= 3
    # A visitor sees the public calendar, but not the chapter's private star parties.
    visitor = {o.event.title for o in queries.upcoming(Guardian(None))}
    assert "Astrophotography processing clinic" in visitor
    assert "Thursday night star party" not in visitor
    assert "Thursday night star party" in {o.event.title for o in upcoming}


def test_series(seeded: dict[str, int]) -> None:
    star_party = _event("Thursday night star party")
    assert {"FREQ=WEEKLY", "BYDAY=TH"} <= set(
        star_party.rrule.split(";")
    ) and star_party.time_zone == "Europe/Berlin"
    dates = list(Occurrence.objects.filter(event=star_party))
    assert all(d.starts_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 20 for d in dates)
    cancelled = [d for d in dates if d.cancelled_at is not None]
    assert len(cancelled) == 1 and "closed" in cancelled[0].cancel_reason and cancelled[0].sequence == 1
    assert cancelled[0].starts_at > timezone.now()
    assert {h.user.username for h in EventHost.objects.filter(event=star_party)} == {"anika", "noah"}
    clinic = _event("Astrophotography processing clinic")
    assert (clinic.location_kind, clinic.capacity, clinic.guests_allowed) == (Event.ONLINE, 30, 0)
    assert clinic.online_url and len(clinic.questions) == 2
    assert {"FREQ=MONTHLY", "BYDAY=1TU"} <= set(clinic.rrule.split(";"))
    marathon = _event("Messier marathon")
    assert marathon.all_day and marathon.starts_at > timezone.now()
    assert marathon.starts_at.astimezone(ZoneInfo("Europe/Berlin")).month in (3, 4)
    assert marathon.group_only_until is not None and marathon.group_only_until > timezone.now()
    chapter = set(marathon.group.members.values_list("pk", flat=True)) if marathon.group else set()
    assert set(Rsvp.objects.filter(event=marathon).values_list("user_id", flat=True)) <= chapter


def test_full_workshop_with_a_waitlist(seeded: dict[str, int]) -> None:
    workshop = _event("Beginners' workshop")
    date = Occurrence.objects.get(event=workshop)
    assert workshop.capacity == 12 and workshop.location_kind == Event.IN_PERSON
    assert date.going_count == 12 and date.waitlist_count == 3
    waiting = list(Rsvp.objects.filter(occurrence=date, state=Rsvp.WAITLISTED).order_by("waitlisted_at"))
    assert [r.user.username for r in waiting] == ["emma", "matteo", "isabel"]
    assert all(r.answers.get("q1") for r in Rsvp.objects.filter(occurrence=date, state=Rsvp.GOING))
    assert Rsvp.objects.filter(occurrence=date, guests__gt=0).exists()
    assert Rsvp.objects.filter(occurrence=date, state=Rsvp.NOT_GOING).exists()


def test_member_events_approved_and_pending(seeded: dict[str, int]) -> None:
    pending = Event.objects.get(state=Event.PENDING)
    assert pending.created_by == _user("hana") and pending.space.kind == "events"
    assert not Rsvp.objects.filter(event=pending).exists()
    # The pending event shows to its host and to moderators, and waits in the moderators' queue.
    assert pending in Guardian(_user("jonas")).events.reviewable(Event.objects.all())
    assert not Guardian(_user("lena")).events.read.can(pending)
    approved = _event("Your first stellar spectrum")
    assert approved.state == Event.PUBLISHED and approved.reviewed_by == _user("jonas")
    assert Activity.objects.filter(verb="event.approved", target_id=approved.pk).exists()
    cancelled = Event.objects.get(state=Event.CANCELLED)
    assert cancelled.cancel_reason and Rsvp.objects.filter(event=cancelled).exists()


def test_past_event_with_attendance_recap_and_photos(seeded: dict[str, int]) -> None:
    perseids = _event("Perseids meteor watch")
    date = Occurrence.objects.get(event=perseids)
    assert date.ends_at < timezone.now() and date.starts_at.month == 8
    checked_in = Rsvp.objects.filter(occurrence=date, checked_in_at__isnull=False)
    assert checked_in.count() == 8 and date.checked_in_count == sum(r.seats for r in checked_in)
    assert Rsvp.objects.filter(
        occurrence=date, state=Rsvp.GOING, checked_in_at__isnull=True
    ).exists()  # no-shows
    assert perseids.recap_topic is not None and perseids.recap_topic.post_count == 4
    assert perseids.recap_topic.posts.filter(uploads__isnull=False).count() == 2
    assert perseids.cover is not None and perseids.cover.space_id == perseids.space_id
    assert all(r.created_at < date.starts_at for r in Rsvp.objects.filter(occurrence=date))


def test_attendance_is_in_the_activity_log(seeded: dict[str, int]) -> None:
    attended = Activity.objects.filter(verb="event.attended")
    checked_in = Rsvp.objects.filter(checked_in_at__isnull=False)
    assert attended.count() == checked_in.count() > 20
    pairs = set(attended.values_list("actor_id", "target_id"))
    assert pairs == set(checked_in.values_list("user_id", "occurrence_id"))
    assert all(a.created_at <= timezone.now() for a in attended)
    assert not checked_in.filter(occurrence__ends_at__gt=timezone.now()).exists()


def test_everything_keeps_the_invariants(seeded: dict[str, int]) -> None:
    seats = {
        (row["occurrence_id"], row["state"]): row["taken"]
        for row in Rsvp.objects.values("occurrence_id", "state").annotate(taken=Sum("guests") + Count("id"))
    }
    checked = {
        row["occurrence_id"]: row["taken"]
        for row in Rsvp.objects.filter(checked_in_at__isnull=False)
        .values("occurrence_id")
        .annotate(taken=Sum("guests") + Count("id"))
    }
    for o in Occurrence.objects.select_related("event"):
        assert o.going_count == seats.get((o.pk, Rsvp.GOING), 0), o
        assert o.maybe_count == seats.get((o.pk, Rsvp.MAYBE), 0), o
        assert o.waitlist_count == seats.get((o.pk, Rsvp.WAITLISTED), 0), o
        assert o.checked_in_count == checked.get(o.pk, 0), o
        assert o.space_id == o.event.space_id
        if o.event.capacity is not None:
            assert o.going_count <= o.event.capacity
    # Series have dates; single events exactly one.
    for event in Event.objects.annotate(n=Count("occurrences")):
        assert event.n >= (2 if event.rrule else 1) and (event.rrule or event.n == 1), event
        assert EventHost.objects.filter(event=event, role=EventHost.HOST).count() == 1
    assert not Rsvp.objects.filter(event__state__in=[Event.PENDING, Event.DECLINED]).exists()
    assert not Rsvp.objects.exclude(event_id=F("occurrence__event_id")).exists()
    assert not Rsvp.objects.filter(~Q(state=Rsvp.GOING), checked_in_at__isnull=False).exists()
    assert not Rsvp.objects.filter(state=Rsvp.WAITLISTED, waitlisted_at__isnull=True).exists()
    # Nobody answered for a date after it had started through the actions, nor before the event existed.
    assert not Rsvp.objects.filter(created_at__lt=F("event__created_at")).exists()
    assert Rsvp.objects.values("ticket").distinct().count() == Rsvp.objects.count()
