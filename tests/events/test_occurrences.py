"""Materialized occurrences: a sync keeps rows (and the answers on them) whenever the rule still holds a date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from events_testing import input_for, local_in, make_event

from townhall.events import actions
from townhall.events.events import EventCancelled
from townhall.events.models import RRULE_MAX, Event, Occurrence, Rsvp
from townhall.events.occurrences import NO_LONGER, duration, extend_horizon, slot_of, sync_occurrences
from townhall.events.recurrence import HORIZON, MAX_OCCURRENCES, MAX_RULE_LENGTH
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def dates(event: Event) -> list[Occurrence]:
    return list(Occurrence.objects.filter(event=event).order_by("recurrence_id"))


def walls(event: Event) -> set[str]:
    return {row.starts_at.astimezone(BERLIN).strftime("%H:%M") for row in dates(event)}


def weekday_start(weekday: int, hour: int = 19) -> datetime:
    """A naive Berlin wall time next week on `weekday` (0 = Monday)."""
    start = local_in(days=7, hour=hour)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def update(host: Any, event: Event, **fields: Any) -> Event:
    return actions.update_event(Guardian(host), event, data=input_for(event, **fields))


def test_a_weekly_series_is_materialized_to_the_horizon_at_its_local_time(
    host: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY", starts_local=weekday_start(1))
    rows = dates(event)
    assert 104 <= len(rows) <= 106  # two years of Tuesdays
    assert rows[0].recurrence_id == event.starts_at
    assert event.starts_at + HORIZON - timedelta(days=7) < rows[-1].starts_at < event.starts_at + HORIZON
    assert walls(event) == {"19:00"}  # in winter and in summer
    assert {row.starts_at.astimezone(BERLIN).weekday() for row in rows} == {1}
    assert all(
        row.recurrence_id == row.starts_at and row.ends_at - row.starts_at == timedelta(hours=2)
        for row in rows
    )
    assert all(row.space_id == open_calendar.pk for row in rows)


def test_a_series_with_count_has_that_many_dates_and_an_end(host: Any, open_calendar: Any) -> None:
    start = weekday_start(3)
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY;COUNT=5", starts_local=start)
    rows = dates(event)
    assert len(rows) == 5
    assert event.series_ends_at == rows[-1].ends_at


def test_every_normalized_rule_fits_the_column() -> None:
    assert MAX_RULE_LENGTH == RRULE_MAX


def test_an_endless_daily_series_stops_at_the_limit(host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=DAILY")
    assert len(dates(event)) == MAX_OCCURRENCES


def test_a_single_event_has_one_row_that_moves_with_it(host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    (row,) = dates(event)
    actions.set_rsvp(Guardian(member), row, state=Rsvp.GOING)
    later = local_in(days=12, hour=10)
    event = update(host, event, starts_local=later, ends_local=later + timedelta(hours=1))
    (moved,) = dates(event)
    assert moved.pk == row.pk
    assert (moved.recurrence_id, moved.starts_at, moved.ends_at) == (
        event.starts_at,
        event.starts_at,
        event.ends_at,
    )
    assert Rsvp.objects.get().occurrence_id == row.pk


def test_a_new_start_time_keeps_every_row_and_its_answers(
    host: Any, member: Any, open_calendar: Any, emitted: list[Any]
) -> None:
    start = weekday_start(1)
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY;COUNT=8", starts_local=start)
    before = dates(event)
    actions.set_rsvp(Guardian(member), before[2], state=Rsvp.GOING)
    event = update(host, event, starts_local=start.replace(hour=20), ends_local=start.replace(hour=22))
    after = dates(event)
    assert [row.pk for row in after] == [row.pk for row in before]
    assert walls(event) == {"20:00"}
    assert all(row.recurrence_id == row.starts_at and row.cancelled_at is None for row in after)
    assert Rsvp.objects.get().occurrence_id == before[2].pk
    assert not any(isinstance(e, EventCancelled) for e in emitted)


def test_a_date_the_new_rule_drops_is_deleted_or_cancelled_when_answered(
    host: Any, member: Any, newcomer: Any, open_calendar: Any, emitted: list[Any]
) -> None:
    start = weekday_start(1)
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY;COUNT=6", starts_local=start)
    tuesdays = dates(event)
    actions.set_rsvp(Guardian(member), tuesdays[3], state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), tuesdays[4], state=Rsvp.NOT_GOING)  # an answer too
    # Every other week from now on: the second, fourth and sixth Tuesdays go.
    event = update(host, event, rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=3")
    rows = {row.pk: row for row in dates(event)}
    assert tuesdays[1].pk not in rows and tuesdays[5].pk not in rows
    assert rows[tuesdays[3].pk].cancelled_at is not None
    assert rows[tuesdays[3].pk].cancel_reason == NO_LONGER
    assert rows[tuesdays[4].pk].cancelled_at is None  # the rule still holds the fifth Tuesday
    assert [r.pk for r in dates(event) if r.cancelled_at is None] == [
        tuesdays[0].pk,
        tuesdays[2].pk,
        tuesdays[4].pk,
    ]
    cancelled = [e for e in emitted if isinstance(e, EventCancelled)]
    assert [e.occurrence_id for e in cancelled] == [tuesdays[3].pk]
    assert Rsvp.objects.count() == 2  # nobody's answer vanished
    assert sync_occurrences(event).cancelled == []  # once is enough
    # The old rule again: the cancelled date comes back with its answer.
    event.rrule = "FREQ=WEEKLY;COUNT=6"
    event.save()
    result = sync_occurrences(event)
    assert result.restored == [tuesdays[3].pk]
    assert result.created == 2
    assert all(row.cancelled_at is None for row in dates(event))


def test_a_not_going_answer_alone_keeps_a_dropped_date(host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY;COUNT=4", starts_local=weekday_start(2))
    last = dates(event)[-1]
    actions.set_rsvp(Guardian(member), last, state=Rsvp.NOT_GOING)
    event.rrule = "FREQ=WEEKLY;COUNT=3"
    event.save()
    result = sync_occurrences(event)
    assert result.cancelled == [last.pk] and result.removed == 0
    assert Occurrence.objects.get(pk=last.pk).cancel_reason == NO_LONGER


def test_dates_changed_on_their_own_keep_their_time_and_state(host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY;COUNT=6", starts_local=weekday_start(1))
    rows = dates(event)
    moved, called_off, dropped_moved = rows[1], rows[2], rows[5]
    for row in (moved, dropped_moved):
        row.starts_at += timedelta(days=1)
        row.ends_at += timedelta(days=1)
        row.moved = True
        row.save()
    called_off.cancelled_at, called_off.cancel_reason = timezone.now(), "Snow"
    called_off.save()
    event.ends_at += timedelta(minutes=30)  # longer dates for the whole series, and one date fewer
    event.rrule = "FREQ=WEEKLY;COUNT=5"
    event.save()
    result = sync_occurrences(event)
    assert result.removed == 0 and result.cancelled == []
    again = {row.pk: row for row in dates(event)}
    assert again[moved.pk].starts_at == moved.starts_at and again[moved.pk].ends_at == moved.ends_at
    assert again[dropped_moved.pk].starts_at == dropped_moved.starts_at  # an exception stands on its own
    assert again[called_off.pk].cancel_reason == "Snow"
    assert again[rows[0].pk].ends_at - again[rows[0].pk].starts_at == timedelta(hours=2, minutes=30)
    assert result.updated == 4  # the three plain dates and the cancelled one get the new length


def test_dates_already_over_never_change(host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY", starts_local=weekday_start(1))
    rows = dates(event)
    later = rows[10].ends_at + timedelta(minutes=1)  # ten dates are over by then
    event.rrule = "FREQ=WEEKLY;BYDAY=TH"
    event.ends_at += timedelta(hours=1)
    event.save()
    result = sync_occurrences(event, now=later)
    kept = {row.pk: row for row in dates(event)}
    for row in rows[:11]:
        assert (kept[row.pk].starts_at, kept[row.pk].ends_at, kept[row.pk].cancelled_at) == (
            row.starts_at, row.ends_at, None
        )  # fmt: skip
    assert result.removed == len(rows) - 11
    assert all(r.starts_at.astimezone(BERLIN).weekday() == 3 for r in dates(event) if r.starts_at > later)


def test_rows_beyond_the_limit_stay_while_the_rule_holds_them(host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY", starts_local=weekday_start(0))
    mondays = dates(event)
    event.rrule = "FREQ=DAILY"  # 500 days materialized; the Mondays after them are daily dates too
    event.save()
    result = sync_occurrences(event)
    rows = dates(event)
    assert {row.pk for row in mondays} <= {row.pk for row in rows}
    assert result.removed == 0 and result.cancelled == []
    assert len(rows) == MAX_OCCURRENCES + sum(1 for m in mondays if m.recurrence_id > rows[MAX_OCCURRENCES - 1].recurrence_id)  # fmt: skip
    assert slot_of(event, mondays[-1].recurrence_id) is not None
    assert slot_of(event, mondays[-1].recurrence_id + timedelta(minutes=1)) is None


def test_a_sync_that_changes_nothing_reads_twice(
    host: Any, open_calendar: Any, django_assert_num_queries: Any
) -> None:
    event = make_event(host, open_calendar, rrule="FREQ=WEEKLY;BYDAY=MO,TH", starts_local=weekday_start(0))
    with django_assert_num_queries(2):
        result = sync_occurrences(event)
    assert (result.created, result.updated, result.removed) == (0, 0, 0)


def test_extend_horizon_adds_the_next_dates_of_endless_series(host: Any, open_calendar: Any) -> None:
    weekly = make_event(host, open_calendar, rrule="FREQ=WEEKLY", starts_local=weekday_start(1))
    counted = make_event(host, open_calendar, rrule="FREQ=WEEKLY;COUNT=4", starts_local=weekday_start(2))
    called_off = make_event(host, open_calendar, rrule="FREQ=WEEKLY", starts_local=weekday_start(3))
    Event.objects.filter(pk=called_off.pk).update(state=Event.CANCELLED)
    single = make_event(host, open_calendar)
    before = {e.pk: len(dates(e)) for e in (weekly, counted, called_off, single)}
    assert extend_horizon() == 0
    later = timezone.now() + timedelta(days=70)
    added = extend_horizon(now=later)
    assert added >= 8
    assert len(dates(weekly)) == before[weekly.pk] + added
    assert dates(weekly)[-1].starts_at > later + HORIZON - timedelta(days=7)
    assert {e.pk: len(dates(e)) for e in (counted, called_off, single)} == {
        e.pk: before[e.pk] for e in (counted, called_off, single)
    }
    last = dates(weekly)[-1]
    assert last.starts_at.astimezone(BERLIN).strftime("%a %H:%M") == "Tue 19:00"


def test_all_day_series_last_whole_local_days(host: Any, open_calendar: Any) -> None:
    # Sundays, all day, through the spring change: 29 March 2026 has 23 hours in Berlin.
    event = Event.objects.create(
        space=open_calendar, title="Field day", time_zone="Europe/Berlin", all_day=True,
        starts_at=datetime(2026, 3, 21, 23, tzinfo=UTC), ends_at=datetime(2026, 3, 22, 23, tzinfo=UTC),
        rrule="FREQ=WEEKLY;COUNT=3",
    )  # fmt: skip
    assert duration(event) == timedelta(days=1)
    sync_occurrences(event, now=datetime(2026, 3, 1, tzinfo=UTC))
    assert [(r.starts_at, r.ends_at) for r in dates(event)] == [
        (datetime(2026, 3, 21, 23, tzinfo=UTC), datetime(2026, 3, 22, 23, tzinfo=UTC)),
        (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)),
        (datetime(2026, 4, 4, 22, tzinfo=UTC), datetime(2026, 4, 5, 22, tzinfo=UTC)),
    ]
    second = dates(event)[1]
    held = slot_of(event, second.recurrence_id)
    assert held is not None and (held.starts_at, held.ends_at) == (second.starts_at, second.ends_at)
