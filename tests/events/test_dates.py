"""One date of a series on its own: move, cancel, restore; "this and following" (a split); the date page
and its API; the daily horizon task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from events_testing import first_date, input_for, make_event

from townhall.activity.models import Activity
from townhall.core import registries
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.events import actions, horizon_tasks
from townhall.events.actions import following_input
from townhall.events.events import EventCancelled, EventChanged, EventEdited
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
WEEKLY = "FREQ=WEEKLY;COUNT=8"


def _series(host: Any, space: Any, **fields: Any) -> Event:
    fields.setdefault("rrule", WEEKLY)
    return make_event(host, space, **fields)


def _dates(event: Event) -> list[Occurrence]:
    return list(Occurrence.objects.filter(event=event).order_by("recurrence_id"))


def _local(value: datetime) -> datetime:
    return value.astimezone(BERLIN).replace(tzinfo=None)


# --- this one: move --------------------------------------------------------------------------------
def test_moving_one_date_keeps_its_rsvps_and_recurrence_id(
    host: Any, member: Any, open_calendar: Any, emitted: list[Any]
) -> None:
    event = _series(host, open_calendar)
    third = _dates(event)[2]
    actions.set_rsvp(Guardian(member), third, state=Rsvp.GOING)
    start = _local(third.starts_at) + timedelta(days=1, hours=1)
    moved = actions.move_occurrence(
        Guardian(host), third, starts_local=start, ends_local=start + timedelta(hours=3)
    )
    moved.refresh_from_db()
    event.refresh_from_db()
    assert moved.moved and moved.recurrence_id == third.recurrence_id
    assert _local(moved.starts_at) == start and moved.ends_at - moved.starts_at == timedelta(hours=3)
    assert moved.sequence == 1 and event.sequence == 1
    assert Rsvp.objects.get(user=member).occurrence_id == third.pk and moved.going_count == 1
    assert any(isinstance(e, EventChanged) and e.occurrence_id == third.pk for e in emitted)
    assert Activity.objects.filter(verb="occurrence.moved", target_id=third.pk).exists()
    # Later edits of the whole series leave the moved date's time alone (a new title keeps everything;
    # a new start time re-keys the date to the series' new time of that day, as the sync does).
    actions.update_event(Guardian(host), event, data=input_for(event, title="Renamed"))
    moved.refresh_from_db()
    assert moved.moved and _local(moved.starts_at) == start and moved.recurrence_id == third.recurrence_id
    event.refresh_from_db()
    actions.update_event(Guardian(host), event, data=input_for(event, starts_local=_local(event.starts_at) + timedelta(hours=1), ends_local=_local(event.ends_at) + timedelta(hours=1)))  # fmt: skip
    moved.refresh_from_db()
    assert (
        moved.moved
        and _local(moved.starts_at) == start
        and Rsvp.objects.get(user=member).occurrence_id == moved.pk
    )
    others = [d for d in _dates(event) if d.pk != third.pk]
    assert all(_local(d.starts_at).hour == 20 for d in others)


@pytest.mark.parametrize(
    ("shift_start", "shift_end", "field", "words"),
    [
        (timedelta(hours=2), timedelta(hours=1), "ends_at", "ends before it starts"),
        (timedelta(0), timedelta(0), "ends_at", "give it an end time"),
        (timedelta(0), timedelta(days=15), "ends_at", "at most 14 days"),
        (-timedelta(days=400), -timedelta(days=400) + timedelta(hours=1), "starts_at", "still to come"),
    ],
)
def test_a_bad_new_time_is_refused(
    host: Any, open_calendar: Any, shift_start: timedelta, shift_end: timedelta, field: str, words: str
) -> None:
    date = _dates(_series(host, open_calendar))[1]
    start = _local(date.starts_at)
    with pytest.raises(Invalid) as caught:
        actions.move_occurrence(
            Guardian(host), date, starts_local=start + shift_start, ends_local=start + shift_end
        )
    assert field in caught.value.field_errors and words in caught.value.message
    date.refresh_from_db()
    assert not date.moved and date.sequence == 0


def test_a_time_in_the_dst_gap_is_refused(host: Any, open_calendar: Any) -> None:
    year = timezone.now().year + 1
    event = _series(host, open_calendar, starts_local=datetime(year, 3, 1, 19), rrule="FREQ=DAILY;COUNT=60")
    date = _dates(event)[3]
    last_sunday = max(datetime(year, 3, d) for d in range(25, 32) if datetime(year, 3, d).weekday() == 6)
    with pytest.raises(Invalid) as caught:
        actions.move_occurrence(Guardian(host), date, starts_local=last_sunday.replace(hour=2, minute=30), ends_local=last_sunday.replace(hour=4))  # fmt: skip
    assert "does not exist" in caught.value.message


def test_single_events_and_past_or_cancelled_dates_are_refused(host: Any, open_calendar: Any) -> None:
    single = first_date(make_event(host, open_calendar))
    start = _local(single.starts_at)
    with pytest.raises(Invalid, match="single event"):
        actions.move_occurrence(
            Guardian(host), single, starts_local=start, ends_local=start + timedelta(hours=1)
        )
    with pytest.raises(Invalid, match="single event"):
        actions.cancel_occurrence(Guardian(host), single)
    date = _dates(_series(host, open_calendar))[1]
    actions.cancel_occurrence(Guardian(host), date)
    with pytest.raises(Invalid, match="restore it"):
        actions.move_occurrence(
            Guardian(host), date, starts_local=start, ends_local=start + timedelta(hours=1)
        )
    with pytest.raises(Invalid, match="already cancelled"):
        actions.cancel_occurrence(Guardian(host), date)
    Occurrence.objects.filter(pk=date.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    date.refresh_from_db()
    with pytest.raises(Invalid, match="already begun"):
        actions.restore_occurrence(Guardian(host), date)


def test_who_may_change_a_date(
    host: Any, member: Any, outsider: Any, space_moderator: Any, calendar: Any
) -> None:
    event = _series(space_moderator, calendar)
    date = _dates(event)[1]
    start = _local(date.starts_at) + timedelta(hours=1)
    with pytest.raises(PermissionDenied):
        actions.move_occurrence(
            Guardian(member), date, starts_local=start, ends_local=start + timedelta(hours=1)
        )
    with pytest.raises(PermissionDenied):
        actions.cancel_occurrence(Guardian(member), date)
    with pytest.raises(PermissionDenied):
        actions.update_following(Guardian(member), date, data=following_input(date))
    with pytest.raises(NotFound):
        actions.cancel_occurrence(Guardian(outsider), date)
    actions.cancel_occurrence(Guardian(space_moderator), date)  # the space's moderator hosts it


# --- this one: cancel and restore -------------------------------------------------------------------
def test_cancelling_one_date_tells_its_attendees_only(
    host: Any, member: Any, newcomer: Any, open_calendar: Any, emitted: list[Any]
) -> None:
    event = _series(host, open_calendar)
    second, third = _dates(event)[1:3]
    actions.set_rsvp(Guardian(member), second, state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), third, state=Rsvp.GOING)
    actions.cancel_occurrence(Guardian(host), second, reason="The hall is closed")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.cancelled and second.cancel_reason == "The hall is closed" and second.sequence == 1
    assert not third.cancelled and third.going_count == 1
    cancelled = [e for e in emitted if isinstance(e, EventCancelled)]
    assert [(e.event_id, e.occurrence_id) for e in cancelled] == [(event.pk, second.pk)]
    assert Activity.objects.filter(verb="occurrence.cancelled", target_id=second.pk).exists()
    # The whole series edited later: the cancelled date stays cancelled.
    actions.update_event(Guardian(host), event, data=input_for(event, title="Renamed"))
    second.refresh_from_db()
    assert second.cancelled
    actions.restore_occurrence(Guardian(host), second)
    second.refresh_from_db()
    assert not second.cancelled and second.sequence == 2
    with pytest.raises(Invalid, match="not cancelled"):
        actions.restore_occurrence(Guardian(host), second)


def test_a_too_long_reason_is_refused(host: Any, open_calendar: Any) -> None:
    date = _dates(_series(host, open_calendar))[1]
    with pytest.raises(Invalid) as caught:
        actions.cancel_occurrence(Guardian(host), date, reason="x" * 501)
    assert "reason" in caught.value.field_errors
    date.refresh_from_db()
    assert not date.cancelled


# --- this and following -----------------------------------------------------------------------------
def test_this_and_following_splits_the_series_and_moves_the_rsvps(
    host: Any, member: Any, newcomer: Any, open_calendar: Any, emitted: list[Any]
) -> None:
    event = _series(host, open_calendar, capacity=10)
    dates = _dates(event)
    actions.set_rsvp(Guardian(member), dates[1], state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), dates[4], state=Rsvp.MAYBE)
    at = dates[3]
    start = _local(at.starts_at)
    new = actions.update_following(
        Guardian(host), at,
        data=following_input(at, title="Star party, new season", venue="The new dome", capacity=20),
    )  # fmt: skip
    event.refresh_from_db()
    assert new.split_from == event and new.uid != event.uid and new.state == event.state
    assert new.title == "Star party, new season" and new.venue == "The new dome" and new.capacity == 20
    assert "COUNT=5" in new.rrule and "UNTIL=" in event.rrule and event.sequence == 1
    assert set(new.hosts.values_list("user_id", flat=True)) == set(
        event.hosts.values_list("user_id", flat=True)
    )
    old_dates, new_dates = _dates(event), _dates(new)
    assert [d.pk for d in old_dates] == [d.pk for d in dates[:3]]
    assert [d.pk for d in new_dates] == [d.pk for d in dates[3:]]  # the same rows, re-pointed
    assert _local(new.starts_at) == start and event.series_ends_at == dates[2].ends_at
    assert new.series_ends_at == dates[-1].ends_at
    maybe = Rsvp.objects.get(user=member, occurrence=dates[4])
    assert (
        maybe.event_id == new.pk and Rsvp.objects.get(user=member, occurrence=dates[1]).event_id == event.pk
    )
    changed = {e.event_id for e in emitted if isinstance(e, EventChanged)}
    edited = {e.event_id for e in emitted if isinstance(e, EventEdited)}
    assert {event.pk, new.pk} <= changed and {event.pk, new.pk} <= edited


def test_following_at_a_new_time_keeps_the_rows_and_answers(
    host: Any, member: Any, open_calendar: Any
) -> None:
    event = _series(host, open_calendar)
    dates = _dates(event)
    actions.set_rsvp(Guardian(member), dates[5], state=Rsvp.GOING)
    at = dates[2]
    start = _local(at.starts_at) + timedelta(hours=1)
    new = actions.update_following(Guardian(host), at, data=following_input(at, starts_local=start, ends_local=start + timedelta(hours=2)))  # fmt: skip
    new_dates = _dates(new)
    assert len(new_dates) == 6 and all(_local(d.starts_at).hour == 20 for d in new_dates)
    rsvp = Rsvp.objects.get(user=member)
    assert rsvp.event_id == new.pk and rsvp.occurrence_id == dates[5].pk
    assert Occurrence.objects.get(pk=dates[5].pk).going_count == 1


def test_a_weekly_berlin_series_split_across_the_march_change_keeps_19_local(
    host: Any, open_calendar: Any
) -> None:
    year = timezone.now().year + 1
    first = datetime(year, 3, 1, 19)
    first += timedelta(days=(1 - first.weekday()) % 7)  # a Tuesday
    event = _series(host, open_calendar, starts_local=first, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10")
    dates = _dates(event)
    at = dates[2]  # mid-March, still winter time
    new = actions.update_following(Guardian(host), at, data=following_input(at, title="After the split"))
    event.refresh_from_db()
    for date in _dates(event) + _dates(new):
        assert (_local(date.starts_at).hour, _local(date.starts_at).weekday()) == (19, 1)
    utc_hours = {d.starts_at.astimezone(ZoneInfo("UTC")).hour for d in _dates(new)}
    assert utc_hours == {18, 17}  # both sides of the change
    assert len(_dates(event)) == 2 and len(_dates(new)) == 8


def test_the_first_date_and_single_events_are_refused(host: Any, open_calendar: Any) -> None:
    event = _series(host, open_calendar)
    first = _dates(event)[0]
    with pytest.raises(Invalid) as caught:
        actions.update_following(Guardian(host), first, data=following_input(first))
    assert "recurrence_id" in caught.value.field_errors and "whole series" in caught.value.message
    single = first_date(make_event(host, open_calendar))
    with pytest.raises(Invalid) as caught:
        actions.update_following(Guardian(host), single, data=following_input(single))
    assert "recurrence_id" in caught.value.field_errors
    assert Event.objects.count() == 2


def test_bad_following_input_saves_nothing(host: Any, open_calendar: Any) -> None:
    event = _series(host, open_calendar)
    at = _dates(event)[3]
    rule = event.rrule
    earlier = _local(_dates(event)[1].starts_at)
    for changes, field in (
        ({"title": ""}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"starts_local": earlier, "ends_local": earlier + timedelta(hours=1)}, "starts_at"),
    ):
        with pytest.raises(Invalid) as caught:
            actions.update_following(Guardian(host), at, data=following_input(at, **changes))
        assert field in caught.value.field_errors
    event.refresh_from_db()
    assert event.rrule == rule and Event.objects.count() == 1 and len(_dates(event)) == 8


# --- the horizon task -----------------------------------------------------------------------------
def test_the_horizon_task_runs_and_is_not_rescheduled_inline(host: Any, open_calendar: Any) -> None:
    event = _series(host, open_calendar, rrule="FREQ=WEEKLY")
    last = _dates(event)[-1]
    later = timezone.now() + timedelta(days=30)
    assert horizon_tasks.run_horizon(now=later) >= 3
    assert Occurrence.objects.filter(event=event, starts_at__gt=last.starts_at).exists()
    assert horizon_tasks.kick() is False  # the inline backend of tests cannot wait


# --- the page --------------------------------------------------------------------------------------
def test_the_date_page_shows_the_choices(client_for: Any, host: Any, open_calendar: Any) -> None:
    date = _dates(_series(host, open_calendar))[2]
    response = client_for(host).get(f"/events/date/{date.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only this date" in html and "This and following dates" in html and "Cancel this date" in html


def test_the_date_page_is_for_hosts(
    client_for: Any, host: Any, member: Any, outsider: Any, space_moderator: Any, calendar: Any
) -> None:
    date = _dates(_series(space_moderator, calendar))[2]
    assert client_for(member).get(f"/events/date/{date.pk}/edit/").status_code == 403
    assert client_for(outsider).get(f"/events/date/{date.pk}/edit/").status_code == 404
    assert client_for(member).post(f"/events/date/{date.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert client_for(host).get("/events/date/999999/edit/").status_code == 404


def _form(date: Occurrence, **values: str) -> dict[str, str]:
    start, end = _local(date.starts_at), _local(date.ends_at)
    data = {
        "scope": "one", "starts_date": start.date().isoformat(), "starts_time": start.strftime("%H:%M"),
        "ends_date": end.date().isoformat(), "ends_time": end.strftime("%H:%M"), "title": "Star party",
        "venue": "Observatory hill", "address": "Sternwarte 1, Berlin", "capacity": "",
    }  # fmt: skip
    data.update(values)
    return data


def test_posting_only_this_date_moves_it(client_for: Any, host: Any, open_calendar: Any) -> None:
    date = _dates(_series(host, open_calendar))[2]
    response = client_for(host).post(f"/events/date/{date.pk}/edit/", _form(date, starts_time="20:30", ends_time="22:00"))  # fmt: skip
    assert response.status_code == 302
    date.refresh_from_db()
    assert date.moved and _local(date.starts_at).strftime("%H:%M") == "20:30"


def test_posting_following_splits(client_for: Any, host: Any, open_calendar: Any) -> None:
    event = _series(host, open_calendar)
    date = _dates(event)[2]
    response = client_for(host).post(f"/events/date/{date.pk}/edit/", _form(date, scope="following", title="New season", capacity="12"))  # fmt: skip
    assert response.status_code == 302
    new = Event.objects.get(split_from=event)
    assert new.title == "New season" and new.capacity == 12 and len(_dates(new)) == 6


def test_posting_errors_shows_them_on_the_fields_and_keeps_the_input(
    client_for: Any, host: Any, open_calendar: Any
) -> None:
    event = _series(host, open_calendar)
    date = _dates(event)[2]
    client = client_for(host)
    response = client.post(
        f"/events/date/{date.pk}/edit/", _form(date, ends_time="10:00", starts_time="21:00")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "ends before it starts" in html and 'value="21:00"' in html
    response = client.post(
        f"/events/date/{date.pk}/edit/", _form(date, scope="following", title="", capacity="-3")
    )
    assert response.status_code == 400 and "capacity" in response.content.decode().lower()
    response = client.post(
        f"/events/date/{date.pk}/edit/", _form(date, starts_date="not a date", scope="nonsense")
    )
    assert response.status_code == 400
    first = _dates(event)[0]
    response = client.post(f"/events/date/{first.pk}/edit/", _form(first, scope="following", title="X"))
    assert response.status_code == 400 and "whole series" in response.content.decode()
    assert Event.objects.count() == 1 and not Occurrence.objects.filter(moved=True).exists()


def test_cancel_and_restore_from_the_page(client_for: Any, host: Any, open_calendar: Any) -> None:
    date = _dates(_series(host, open_calendar))[2]
    client = client_for(host)
    assert client.post(f"/events/date/{date.pk}/cancel/", {"reason": "Rain"}).status_code == 302
    date.refresh_from_db()
    assert date.cancelled and date.cancel_reason == "Rain"
    assert "Restore this date" in client.get(f"/events/date/{date.pk}/edit/").content.decode()
    response = client.post(f"/events/date/{date.pk}/cancel/", {"reason": "again"})
    assert response.status_code == 400 and "already cancelled" in response.content.decode()
    assert client.post(f"/events/date/{date.pk}/restore/").status_code == 302
    date.refresh_from_db()
    assert not date.cancelled


# --- the API ---------------------------------------------------------------------------------------
def test_api_moves_cancels_and_splits(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = _series(host, open_calendar)
    dates = _dates(event)
    client = client_for(host)
    start = _local(dates[1].starts_at) + timedelta(hours=1)
    body = {"starts_local": start.isoformat(), "ends_local": (start + timedelta(hours=1)).isoformat()}
    response = client.patch(f"/api/v1/occurrences/{dates[1].pk}", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["moved"] is True and response.json()["recurrence_id"]
    response = client.post(f"/api/v1/occurrences/{dates[2].pk}/cancel", {"reason": "Rain"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["cancelled"] is True
    response = client.post(f"/api/v1/occurrences/{dates[4].pk}/split", {"title": "Later"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["event"]["title"] == "Later" and response.json()["previous"]["id"] == event.pk
    response = client.post(f"/api/v1/occurrences/{dates[0].pk}/split", {}, content_type="application/json")
    assert response.status_code == 422 and "recurrence_id" in response.json()["errors"]
    bad = {"starts_local": start.isoformat(), "ends_local": (start - timedelta(hours=1)).isoformat()}
    response = client.patch(f"/api/v1/occurrences/{dates[3].pk}", bad, content_type="application/json")
    assert response.status_code == 422 and "ends_at" in response.json()["errors"]
    response = client_for(member).post(f"/api/v1/occurrences/{dates[3].pk}/cancel", {}, content_type="application/json")  # fmt: skip
    assert response.status_code == 403


def test_kick_queues_one_daily_run_for_tomorrow(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert horizon_tasks.kick() is True
    assert horizon_tasks.kick() is False  # a run is already waiting
    (row,) = DBTaskResult.objects.all()
    assert row.task_path.endswith("extend_horizon_daily")
    assert timezone.now() < row.run_after <= timezone.now() + timedelta(days=1)
    assert row.run_after.hour == horizon_tasks.RUN_AT_HOUR
    # Workers start it (cli worker and the embedded worker thread call every registered start).
    assert registries.worker_starts.get("events.horizon") is horizon_tasks.kick
