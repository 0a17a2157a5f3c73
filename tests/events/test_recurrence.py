"""The recurrence engine: RRULE text, occurrences across daylight-saving changes, bounds, wording. No database."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.core.errors import Invalid
from townhall.events.recurrence import (
    HORIZON,
    MAX_OCCURRENCES,
    Slot,
    describe,
    expand,
    occurrence_local_start,
    parse_rule,
    presets,
    series_end,
    split_rule,
    to_utc,
    validate_series,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TWO_HOURS = timedelta(hours=2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(slot: Slot, tz: ZoneInfo) -> datetime:
    return slot.starts_at.astimezone(tz).replace(tzinfo=None)


def year_of(rule: str, start: datetime, zone_name: str = "Europe/Berlin", **kwargs: Any) -> list[Slot]:
    return expand(
        rule,
        start_local=start,
        zone_name=zone_name,
        duration=TWO_HOURS,
        window_start=utc(start.year, 1, 1),
        window_end=utc(start.year + 1, 1, 1),
        **kwargs,
    )


# ----------------------------------------------------------------------------------------- zones


def test_zone_knows_iana_names_and_refuses_others() -> None:
    assert zone("Europe/Berlin") == BERLIN
    assert zone("UTC") == ZoneInfo("UTC")
    for name in ["Mars/Olympus", "", "../../etc/passwd", "europe/berlin", "x" * 500]:
        with pytest.raises(Invalid) as caught:
            zone(name)
        assert caught.value.message.startswith("Unknown time zone '")
        assert caught.value.field_errors == {"time_zone": [caught.value.message]}
    with pytest.raises(Invalid, match=r"Unknown time zone 'Mars/Olympus'."):
        zone("Mars/Olympus")


def test_to_utc_in_winter_and_summer() -> None:
    assert to_utc(datetime(2026, 1, 13, 19, 0), "Europe/Berlin") == utc(2026, 1, 13, 18, 0)
    assert to_utc(datetime(2026, 7, 14, 19, 0), "Europe/Berlin") == utc(2026, 7, 14, 17, 0)
    assert to_utc(datetime(2026, 7, 14, 19, 0), "America/New_York") == utc(2026, 7, 14, 23, 0)
    assert to_utc(datetime(2026, 7, 14, 19, 0), "America/New_York").tzinfo is UTC


def test_to_utc_refuses_a_wall_time_in_a_dst_gap() -> None:
    with pytest.raises(Invalid) as caught:
        to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Berlin")
    message = "2:30 on 29 March 2026 does not exist in Europe/Berlin: the clocks go forward at 2:00."
    assert caught.value.message == message
    assert caught.value.field_errors == {"starts_at": [message]}
    with pytest.raises(
        Invalid, match="2:00 on 8 March 2026 does not exist in America/New_York: the clocks go"
    ):
        to_utc(datetime(2026, 3, 8, 2, 0), "America/New_York")
    # The minute before the gap and the minute after it exist.
    assert to_utc(datetime(2026, 3, 29, 1, 59), "Europe/Berlin") == utc(2026, 3, 29, 0, 59)
    assert to_utc(datetime(2026, 3, 29, 3, 0), "Europe/Berlin") == utc(2026, 3, 29, 1, 0)


def test_to_utc_takes_the_first_of_an_ambiguous_time() -> None:
    # 2:30 happens twice on 25 October 2026 in Berlin: first in summer time (UTC+2), then in winter time.
    assert to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Berlin") == utc(2026, 10, 25, 0, 30)
    assert to_utc(datetime(2026, 11, 1, 1, 30), "America/New_York") == utc(2026, 11, 1, 5, 30)


def test_to_utc_wants_a_naive_time_and_a_known_zone() -> None:
    with pytest.raises(TypeError):
        to_utc(utc(2026, 1, 1), "Europe/Berlin")
    with pytest.raises(Invalid, match="Unknown time zone"):
        to_utc(datetime(2026, 1, 1), "Nowhere/Special")


# ---------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=TU"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=TU"),
        ("rrule:freq=weekly;byday=tu", "FREQ=WEEKLY;BYDAY=TU"),
        ("  FREQ=WEEKLY ; BYDAY = TH,MO ;", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("FREQ=WEEKLY;INTERVAL=1;WKST=MO", "FREQ=WEEKLY"),
        ("FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,SA", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;WKST=SU"),
        ("FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=2TU"),
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=10", "FREQ=MONTHLY;COUNT=10;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=15,1,15", "FREQ=MONTHLY;BYMONTHDAY=1,15"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"),
        ("FREQ=DAILY;UNTIL=20270303T180000Z", "FREQ=DAILY;UNTIL=20270303T180000Z"),
        ("FREQ=DAILY;UNTIL=20270303", "FREQ=DAILY;UNTIL=20270303T235959Z"),
        ("FREQ=DAILY;COUNT=100000", "FREQ=DAILY;COUNT=100000"),
        ("FREQ=WEEKLY;X-GOOGLE-EXTRA=1;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_parse_rule_normalizes(text: str, normalized: str) -> None:
    assert parse_rule(text) == normalized
    assert parse_rule(normalized) == normalized


def test_parse_rule_reads_a_floating_until_in_the_events_zone() -> None:
    assert (
        parse_rule("FREQ=DAILY;UNTIL=20270303", zone_name="Europe/Berlin")
        == "FREQ=DAILY;UNTIL=20270303T225959Z"
    )
    assert (
        parse_rule("FREQ=DAILY;UNTIL=20270703T190000", zone_name="America/New_York")
        == "FREQ=DAILY;UNTIL=20270703T230000Z"
    )
    with pytest.raises(Invalid, match="Unknown time zone"):
        parse_rule("FREQ=DAILY", zone_name="Nowhere/Special")


def _almost_too_long() -> str:
    """A rule of 500 characters or fewer that grows past 500 once UNTIL is written out in UTC."""
    days = [str(d) for d in range(100, 300)]
    while len(text := "FREQ=YEARLY;UNTIL=20300101;BYYEARDAY=" + ",".join(days)) > 498:
        days.pop()
    return text


_ALMOST_TOO_LONG = _almost_too_long()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "'hello' is not part of a repeat rule: expected parts like FREQ=WEEKLY;BYDAY=TU."),
        ("BYDAY=TU", "A repeat rule needs FREQ, for example FREQ=WEEKLY."),
        ("FREQ=SECONDLY", "Events repeat at most daily."),
        ("FREQ=MINUTELY;INTERVAL=5", "Events repeat at most daily."),
        ("FREQ=HOURLY", "Events repeat at most daily."),
        ("FREQ=FORTNIGHTLY", "Unknown FREQ 'FORTNIGHTLY': use DAILY, WEEKLY, MONTHLY or YEARLY."),
        (
            "FREQ=DAILY;BYHOUR=9,17",
            "Events repeat at most daily: the time of day comes from the event's start",
        ),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "Give UNTIL or COUNT, not both."),
        ("FREQ=DAILY;INTERVAL=1001", "INTERVAL must be a whole number from 1 to 1,000."),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 1,000."),
        ("FREQ=DAILY;INTERVAL=two", "INTERVAL must be a whole number from 1 to 1,000."),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a whole number from 1 to 100,000."),
        ("FREQ=DAILY;COUNT=100001", "COUNT must be a whole number from 1 to 100,000."),
        ("FREQ=DAILY;COUNT=99999999999999999999", "COUNT must be a whole number from 1 to 100,000."),
        (
            "FREQ=DAILY;UNTIL=tomorrow",
            "UNTIL must be a date like 20270303 or a time in UTC like 20270303T180000Z.",
        ),
        ("FREQ=DAILY;UNTIL=20270230", "UNTIL=20270230 is not a real date."),
        ("FREQ=WEEKLY;BYDAY=XX", "Unknown day 'XX' in BYDAY: use MO, TU, WE, TH, FR, SA or SU"),
        (
            "FREQ=WEEKLY;BYDAY=2TU",
            "A number before a day (like 2TU) only works with FREQ=MONTHLY or FREQ=YEARLY.",
        ),
        ("FREQ=MONTHLY;BYDAY=6TU", "6TU cannot happen: a month has at most 5 of each weekday."),
        ("FREQ=YEARLY;BYDAY=54MO", "54MO cannot happen: a year has at most 53 of each weekday."),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH takes month numbers from 1 to 12."),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY takes days from 1 to 31"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY takes days from 1 to 31"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY does not work with FREQ=WEEKLY."),
        ("FREQ=MONTHLY;BYYEARDAY=100", "BYYEARDAY only works with FREQ=YEARLY."),
        ("FREQ=MONTHLY;BYWEEKNO=20", "BYWEEKNO only works with FREQ=YEARLY."),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS needs another BY part (like BYDAY) to choose from."),
        ("FREQ=WEEKLY;WKST=XX", "WKST must be a day: MO, TU, WE, TH, FR, SA or SU."),
        ("FREQ=WEEKLY;FREQ=DAILY", "FREQ appears twice in the repeat rule."),
        ("FREQ=WEEKLY;COLOR=RED", "Unknown part 'COLOR' in the repeat rule."),
        ("FREQ=WEEKLY;BYDAY=", "'BYDAY=' is not part of a repeat rule"),
        ("EXDATE:20270101T000000Z", "Only an RRULE can be given here (like FREQ=WEEKLY;BYDAY=TU)."),
        ("FREQ=WEEKLY\nFREQ=DAILY", "Give one RRULE line only."),
        ("FREQ=WEEKLY;" + "X-A=1;" * 100, "The repeat rule is too long (at most 500 characters)."),
        ("FREQ=YEARLY;BYYEARDAY=" + ",".join(str(d) for d in range(1, 367)), "The repeat rule is too long"),
        (_ALMOST_TOO_LONG, "The repeat rule is too long (at most 500 characters)."),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "This rule never happens: February never has day 30."),
        (
            "FREQ=MONTHLY;BYMONTH=4,6;BYMONTHDAY=31",
            "This rule never happens: April and June never has day 31.",
        ),
    ],
)
def test_parse_rule_explains_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_rule(text)
    assert caught.value.message.startswith(message)
    assert caught.value.field_errors == {"rrule": [caught.value.message]}


def test_parse_rule_refuses_what_is_not_text() -> None:
    with pytest.raises(Invalid, match=r"The repeat rule must be text."):
        parse_rule(None)


# ------------------------------------------------------------------------------- daylight saving


def test_weekly_meetup_keeps_its_local_time_across_both_changes_in_berlin() -> None:
    slots = year_of("FREQ=WEEKLY;BYDAY=TU", datetime(2026, 1, 6, 19, 0))
    assert len(slots) == 52
    assert {local(s, BERLIN).time().isoformat() for s in slots} == {"19:00:00"}
    assert {local(s, BERLIN).weekday() for s in slots} == {1}
    by_date = {local(s, BERLIN).date(): s.starts_at for s in slots}
    assert by_date[date(2026, 3, 24)] == utc(2026, 3, 24, 18)  # the last Tuesday of winter time
    assert by_date[date(2026, 3, 31)] == utc(2026, 3, 31, 17)  # the first of summer time
    assert by_date[date(2026, 10, 20)] == utc(2026, 10, 20, 17)
    assert by_date[date(2026, 10, 27)] == utc(2026, 10, 27, 18)
    assert all(s.ends_at - s.starts_at == TWO_HOURS for s in slots)
    assert all(s.recurrence_id == s.starts_at for s in slots)


def test_weekly_meetup_keeps_its_local_time_across_both_changes_in_new_york() -> None:
    slots = year_of("FREQ=WEEKLY;BYDAY=SU", datetime(2026, 1, 4, 9, 30), "America/New_York")
    assert {local(s, NEW_YORK).time().isoformat() for s in slots} == {"09:30:00"}
    by_date = {local(s, NEW_YORK).date(): s.starts_at for s in slots}
    assert by_date[date(2026, 3, 1)] == utc(2026, 3, 1, 14, 30)
    assert by_date[date(2026, 3, 8)] == utc(2026, 3, 8, 13, 30)  # the clocks went forward that night
    assert by_date[date(2026, 11, 1)] == utc(2026, 11, 1, 14, 30)  # and back
    assert by_date[date(2026, 10, 25)] == utc(2026, 10, 25, 13, 30)


def test_an_occurrence_in_a_dst_gap_moves_forward_by_the_gap() -> None:
    slots = expand(
        "FREQ=DAILY",
        start_local=datetime(2026, 3, 27, 2, 30),
        zone_name="Europe/Berlin",
        duration=timedelta(hours=1),
        window_start=utc(2026, 3, 1),
        window_end=utc(2026, 4, 1),
    )
    walls = [local(s, BERLIN) for s in slots[:4]]
    assert walls == [
        datetime(2026, 3, 27, 2, 30),
        datetime(2026, 3, 28, 2, 30),
        datetime(2026, 3, 29, 3, 30),  # 2:30 does not exist that night
        datetime(2026, 3, 30, 2, 30),
    ]
    assert slots[2].starts_at == utc(2026, 3, 29, 1, 30) == slots[2].recurrence_id
    assert occurrence_local_start(slots[2].recurrence_id, start_local=datetime(2026, 3, 27, 2, 30),
                                  zone_name="Europe/Berlin") == datetime(2026, 3, 29, 2, 30)  # fmt: skip
    assert occurrence_local_start(slots[3].recurrence_id, start_local=datetime(2026, 3, 27, 2, 30),
                                  zone_name="Europe/Berlin") == datetime(2026, 3, 30, 2, 30)  # fmt: skip


def test_an_ambiguous_occurrence_takes_the_first_instant() -> None:
    slots = expand(
        "FREQ=DAILY",
        start_local=datetime(2026, 10, 24, 2, 30),
        zone_name="Europe/Berlin",
        duration=timedelta(hours=1),
        window_start=utc(2026, 10, 1),
        window_end=utc(2026, 10, 27),
    )
    assert [s.starts_at for s in slots] == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]


def test_all_day_events_end_at_local_midnight_even_on_a_23_hour_day() -> None:
    slots = expand(
        "FREQ=WEEKLY",
        start_local=datetime(2026, 3, 22),
        zone_name="Europe/Berlin",
        duration=timedelta(days=1),
        all_day=True,
        window_start=utc(2026, 3, 1),
        window_end=utc(2026, 4, 10),
    )
    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (utc(2026, 3, 21, 23), utc(2026, 3, 22, 23)),
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)),  # 29 March has 23 hours in Berlin
        (utc(2026, 4, 4, 22), utc(2026, 4, 5, 22)),
    ]


@pytest.mark.parametrize(
    ("start", "duration", "all_day", "field", "message"),
    [
        (datetime(2026, 1, 1, 10), timedelta(hours=-1), False, "ends_at", "The event ends before it starts."),
        (
            datetime(2026, 1, 1, 10),
            timedelta(days=1),
            True,
            "starts_at",
            "An all-day event starts at midnight.",
        ),
        (datetime(2026, 1, 1), timedelta(hours=5), True, "ends_at", "An all-day event lasts whole days."),
        (
            datetime(2026, 1, 1),
            timedelta(days=1, hours=1),
            True,
            "ends_at",
            "An all-day event lasts whole days.",
        ),
    ],
)
def test_expand_refuses_a_span_that_makes_no_sense(
    start: datetime, duration: timedelta, all_day: bool, field: str, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        expand("FREQ=DAILY", start_local=start, zone_name="UTC", duration=duration, all_day=all_day,
               window_start=utc(2026, 1, 1), window_end=utc(2026, 2, 1))  # fmt: skip
    assert caught.value.field_errors == {field: [message]}


def test_expand_wants_a_naive_start_and_aware_window() -> None:
    with pytest.raises(TypeError):
        expand("FREQ=DAILY", start_local=utc(2026, 1, 1), zone_name="UTC", duration=TWO_HOURS,
               window_start=utc(2026, 1, 1), window_end=utc(2026, 2, 1))  # fmt: skip
    with pytest.raises(TypeError):
        expand("FREQ=DAILY", start_local=datetime(2026, 1, 1), zone_name="UTC", duration=TWO_HOURS,
               window_start=datetime(2026, 1, 1), window_end=utc(2026, 2, 1))  # fmt: skip


# ------------------------------------------------------------------------------------- patterns


def test_monthly_on_the_second_tuesday() -> None:
    slots = year_of("FREQ=MONTHLY;BYDAY=2TU", datetime(2026, 1, 13, 18, 30))
    assert [local(s, BERLIN).date().isoformat() for s in slots] == [
        "2026-01-13", "2026-02-10", "2026-03-10", "2026-04-14", "2026-05-12", "2026-06-09",
        "2026-07-14", "2026-08-11", "2026-09-08", "2026-10-13", "2026-11-10", "2026-12-08",
    ]  # fmt: skip
    assert {local(s, BERLIN).time().isoformat() for s in slots} == {"18:30:00"}


def test_monthly_on_the_last_friday_and_on_the_31st() -> None:
    fridays = year_of("FREQ=MONTHLY;BYDAY=-1FR", datetime(2026, 1, 30, 18))
    assert [local(s, BERLIN).day for s in fridays] == [30, 27, 27, 24, 29, 26, 31, 28, 25, 30, 27, 25]
    # Months without a 31st are skipped, as RFC 5545 says.
    thirty_firsts = year_of("FREQ=MONTHLY", datetime(2026, 1, 31, 18))
    assert [local(s, BERLIN).month for s in thirty_firsts] == [1, 3, 5, 7, 8, 10, 12]


def test_count_includes_the_start_and_until_is_inclusive() -> None:
    start = datetime(2026, 1, 6, 19)
    counted = year_of("FREQ=WEEKLY;COUNT=3", start)
    assert [local(s, BERLIN).day for s in counted] == [6, 13, 20]
    until = year_of("FREQ=WEEKLY;UNTIL=20260120T180000Z", start)  # exactly the third start
    assert [local(s, BERLIN).day for s in until] == [6, 13, 20]
    before = year_of("FREQ=WEEKLY;UNTIL=20260120T175959Z", start)
    assert [local(s, BERLIN).day for s in before] == [6, 13]


def test_a_start_off_the_rule_is_still_the_first_occurrence_and_counts() -> None:
    # Monday the 5th, then Tuesdays (RFC 5545: DTSTART is always the first instance).
    slots = year_of("FREQ=WEEKLY;BYDAY=TU;COUNT=3", datetime(2026, 1, 5, 19))
    assert [local(s, BERLIN).day for s in slots] == [5, 6, 13]


def test_exdates_leave_occurrences_out() -> None:
    start = datetime(2026, 1, 6, 19)
    all_slots = year_of("FREQ=WEEKLY;COUNT=5", start)
    left_out = [all_slots[1].recurrence_id, all_slots[3].recurrence_id.astimezone(BERLIN)]
    slots = year_of("FREQ=WEEKLY;COUNT=5", start, exdates=left_out)
    assert slots == [all_slots[0], all_slots[2], all_slots[4]]


def test_window_takes_occurrences_that_overlap_it() -> None:
    kwargs: dict[str, Any] = {
        "start_local": datetime(2026, 1, 1, 22),
        "zone_name": "UTC",
        "duration": timedelta(hours=3),
    }
    # 22:00-01:00 every day. A window from 00:00 on the 5th holds the one still running from the 4th.
    slots = expand("FREQ=DAILY", window_start=utc(2026, 1, 5), window_end=utc(2026, 1, 6), **kwargs)
    assert [s.starts_at for s in slots] == [utc(2026, 1, 4, 22), utc(2026, 1, 5, 22)]
    # One ending exactly at the window's start is out, one starting exactly at its end too.
    slots = expand("FREQ=DAILY", window_start=utc(2026, 1, 5, 1), window_end=utc(2026, 1, 5, 22), **kwargs)
    assert slots == []
    assert expand("FREQ=DAILY", window_start=utc(2026, 1, 6), window_end=utc(2026, 1, 5), **kwargs) == []


def test_a_zero_length_occurrence_at_the_window_start_counts() -> None:
    slots = expand("FREQ=DAILY", start_local=datetime(2026, 1, 1, 9), zone_name="UTC", duration=timedelta(0),
                   window_start=utc(2026, 1, 3, 9), window_end=utc(2026, 1, 4, 9))  # fmt: skip
    assert [s.starts_at for s in slots] == [utc(2026, 1, 3, 9)]


def test_a_single_event_is_one_slot_when_it_overlaps() -> None:
    kwargs: dict[str, Any] = {
        "start_local": datetime(2026, 5, 1, 18),
        "zone_name": "Europe/Berlin",
        "duration": TWO_HOURS,
    }
    slots = expand("", window_start=utc(2026, 5, 1), window_end=utc(2026, 6, 1), **kwargs)
    assert slots == [Slot(utc(2026, 5, 1, 16), utc(2026, 5, 1, 16), utc(2026, 5, 1, 18))]
    assert expand("", window_start=utc(2026, 6, 1), window_end=utc(2026, 7, 1), **kwargs) == []


def test_a_window_far_into_an_endless_series_matches_walking_from_the_start() -> None:
    for rule in ["FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "FREQ=MONTHLY;INTERVAL=5;BYDAY=-1SU",
                 "FREQ=YEARLY;INTERVAL=3", "FREQ=MONTHLY;BYMONTHDAY=31"]:  # fmt: skip
        kwargs: dict[str, Any] = {
            "start_local": datetime(2019, 2, 28, 19),
            "zone_name": "America/New_York",
            "duration": TWO_HOURS,
        }
        far = expand(rule, window_start=utc(2035, 3, 1), window_end=utc(2038, 1, 1), **kwargs)
        walked = expand(rule, window_start=utc(2019, 1, 1), window_end=utc(2038, 1, 1), limit=10**6, **kwargs)
        assert far == [s for s in walked if s.ends_at > utc(2035, 3, 1)], rule
        assert far


# ---------------------------------------------------------------------------------------- bounds


def test_an_endless_daily_rule_stops_at_the_limit_quickly() -> None:
    began = time.perf_counter()
    slots = expand("FREQ=DAILY", start_local=datetime(2026, 1, 1, 9), zone_name="Europe/Berlin",
                   duration=TWO_HOURS, window_start=utc(2026, 1, 1), window_end=utc(9999, 1, 1))  # fmt: skip
    assert len(slots) == MAX_OCCURRENCES
    slots = expand("FREQ=DAILY", start_local=datetime(2026, 1, 1, 9), zone_name="Europe/Berlin",
                   duration=TWO_HOURS, window_start=utc(2026, 1, 1), window_end=utc(9999, 1, 1), limit=7)  # fmt: skip
    assert len(slots) == 7
    # Bounds on a quiet machine are ten times lower; these leave room for a busy shared one.
    assert time.perf_counter() - began < 2


def test_a_rule_of_100000_occurrences_is_bounded() -> None:
    began = time.perf_counter()
    rule = "FREQ=DAILY;COUNT=100000"
    slots = expand(rule, start_local=datetime(2026, 1, 1, 9), zone_name="UTC", duration=TWO_HOURS,
                   window_start=utc(2026, 1, 1), window_end=utc(2300, 1, 1))  # fmt: skip
    assert len(slots) == MAX_OCCURRENCES
    window = expand(rule, start_local=datetime(2026, 1, 1, 9), zone_name="UTC", duration=TWO_HOURS,
                    window_start=utc(2026, 1, 1) + HORIZON, window_end=utc(2026, 2, 1) + HORIZON)  # fmt: skip
    assert len(window) == 31
    assert time.perf_counter() - began < 3


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",  # from 2025: 2029, 2033, ... never a leap year
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",  # no month has six Mondays
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # from a Monday, always a Monday
        "FREQ=WEEKLY;BYMONTH=2;BYDAY=MO;BYSETPOS=2",  # a week holds one Monday
        "FREQ=MONTHLY;INTERVAL=12;BYMONTH=3",  # from January: every January, never March
    ],
)
def test_a_rule_that_never_yields_returns_quickly(rule: str) -> None:
    began = time.perf_counter()
    kwargs: dict[str, Any] = {
        "start_local": datetime(2025, 1, 6, 19),
        "zone_name": "Europe/Berlin",
        "duration": TWO_HOURS,
    }
    assert expand(rule, window_start=utc(2025, 2, 1), window_end=utc(2060, 1, 1), **kwargs) == []
    # Only the start itself, which is always the first occurrence.
    assert len(expand(rule, window_start=utc(2025, 1, 1), window_end=utc(2027, 1, 1), **kwargs)) == 1
    assert series_end(rule + ";COUNT=3", **kwargs) == utc(2025, 1, 6, 20)
    with pytest.raises(Invalid, match="This rule never repeats"):
        validate_series(rule, start_local=kwargs["start_local"], zone_name="Europe/Berlin")
    assert time.perf_counter() - began < 5


def test_sparse_rules_over_long_spans_stay_bounded() -> None:
    began = time.perf_counter()
    kwargs: dict[str, Any] = {
        "start_local": datetime(2026, 1, 1, 9),
        "zone_name": "UTC",
        "duration": TWO_HOURS,
    }
    sparse = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"  # 2044, 2072, 2112, ...
    slots = expand(sparse, window_start=utc(2026, 1, 2), window_end=utc(9000, 1, 1), **kwargs)
    assert [s.starts_at.year for s in slots] == [2044, 2072, 2112]  # the window is cut to a century
    end = series_end("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;COUNT=100000", **kwargs)
    assert end is not None and end.year == 2224  # followed for two centuries (2224 is the last leap year)
    assert time.perf_counter() - began < 10  # about 0.3 s on a quiet machine; without bounds, minutes


def test_expand_refuses_rules_parse_rule_refuses() -> None:
    began = time.perf_counter()
    with pytest.raises(Invalid, match="February never has day 30"):
        year_of("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", datetime(2026, 1, 1))
    with pytest.raises(Invalid, match=r"Events repeat at most daily."):
        year_of("FREQ=HOURLY", datetime(2026, 1, 1))
    assert time.perf_counter() - began < 0.5


# ------------------------------------------------------------------------------------ series end


def test_series_end() -> None:
    kwargs: dict[str, Any] = {
        "start_local": datetime(2026, 1, 6, 19),
        "zone_name": "Europe/Berlin",
        "duration": TWO_HOURS,
    }
    assert series_end("", **kwargs) == utc(2026, 1, 6, 20)
    assert series_end("FREQ=WEEKLY", **kwargs) is None
    assert series_end("FREQ=WEEKLY;COUNT=26", **kwargs) == utc(2026, 6, 30, 19)
    assert series_end("FREQ=WEEKLY;UNTIL=20260701T000000Z", **kwargs) == utc(2026, 6, 30, 19)
    assert series_end("FREQ=WEEKLY;UNTIL=20250101T000000Z", **kwargs) == utc(2026, 1, 6, 20)
    # Far away: the last stretch only, so quickly.
    began = time.perf_counter()
    assert series_end("FREQ=DAILY;UNTIL=99001231", **kwargs) == utc(9900, 12, 31, 20)
    assert series_end("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;UNTIL=21000101", **kwargs) == utc(
        2072, 2, 29, 20
    )
    assert time.perf_counter() - began < 2
    all_day: dict[str, Any] = {
        "start_local": datetime(2026, 3, 1),
        "zone_name": "Europe/Berlin",
        "duration": timedelta(days=2),
    }
    assert series_end("FREQ=WEEKLY;COUNT=4", all_day=True, **all_day) == utc(2026, 3, 23, 23)


# ---------------------------------------------------------------------------------------- splits


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY;BYDAY=TU,TH;COUNT=20", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20261231T000000Z", "FREQ=MONTHLY;BYDAY=2TU",
     "FREQ=MONTHLY;COUNT=12", "FREQ=DAILY;INTERVAL=3;UNTIL=20260601"],
)  # fmt: skip
@pytest.mark.parametrize("index", [1, 4, 9])
def test_split_rule_halves_make_the_original_series(rule: str, index: int) -> None:
    start = datetime(2026, 1, 13, 19)
    whole = year_of(rule, start)
    at = whole[index].recurrence_id
    before, after = split_rule(rule, start_local=start, zone_name="Europe/Berlin", at=at)
    assert "UNTIL=" in before and "COUNT=" not in before
    assert before.endswith("Z") or ";BY" in before
    new_start = occurrence_local_start(at, start_local=start, zone_name="Europe/Berlin")
    first = year_of(before, start)
    second = year_of(after, new_start)
    assert first + second == whole
    assert second[0].recurrence_id == at
    if "COUNT=" in rule:
        assert f"COUNT={len(whole) - index}" in after


def test_split_rule_writes_until_in_utc_just_before_the_occurrence() -> None:
    start = datetime(2026, 1, 6, 19)
    at = to_utc(datetime(2026, 4, 7, 19), "Europe/Berlin")
    assert split_rule("FREQ=WEEKLY;BYDAY=TU", start_local=start, zone_name="Europe/Berlin", at=at) == (
        "FREQ=WEEKLY;UNTIL=20260407T165959Z;BYDAY=TU",
        "FREQ=WEEKLY;BYDAY=TU",
    )
    assert split_rule("FREQ=MONTHLY;COUNT=10", start_local=start, zone_name="Europe/Berlin", at=at.replace(month=3, hour=18) - timedelta(days=1)) == (
        "FREQ=MONTHLY;UNTIL=20260306T175959Z",
        "FREQ=MONTHLY;COUNT=8;BYMONTHDAY=6",
    )  # fmt: skip


def test_split_rule_refuses_the_first_occurrence_and_times_that_are_not_occurrences() -> None:
    start = datetime(2026, 1, 6, 19)
    kwargs: dict[str, Any] = {"start_local": start, "zone_name": "Europe/Berlin"}
    with pytest.raises(Invalid, match=r"This is the first occurrence: change the whole series instead."):
        split_rule("FREQ=WEEKLY", at=utc(2026, 1, 6, 18), **kwargs)
    with pytest.raises(Invalid, match=r"No occurrence of this series starts then.") as caught:
        split_rule("FREQ=WEEKLY", at=utc(2026, 1, 14, 18), **kwargs)
    assert list(caught.value.field_errors) == ["recurrence_id"]
    with pytest.raises(Invalid, match="No occurrence"):
        split_rule("FREQ=WEEKLY;COUNT=3", at=utc(2026, 1, 27, 18), **kwargs)
    with pytest.raises(Invalid, match="No occurrence"):
        split_rule("FREQ=WEEKLY;UNTIL=20260115T000000Z", at=utc(2026, 1, 20, 18), **kwargs)
    with pytest.raises(Invalid, match=r"A single event has no following occurrences."):
        split_rule("", at=utc(2026, 1, 13, 18), **kwargs)


# ----------------------------------------------------------------------------------- validation


def test_validate_series() -> None:
    start = datetime(2026, 1, 6, 19)
    assert validate_series("freq=weekly", start_local=start, zone_name="Europe/Berlin") == "FREQ=WEEKLY"
    assert validate_series("", start_local=start, zone_name="Europe/Berlin") == ""
    assert (
        validate_series("FREQ=DAILY;COUNT=1", start_local=start, zone_name="Europe/Berlin")
        == "FREQ=DAILY;COUNT=1"
    )
    # Sparse but real: the 29th of February on a Monday (2044).
    assert validate_series("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", start_local=start, zone_name="UTC")
    with pytest.raises(Invalid, match=r"The repeat ends before the event starts."):
        validate_series("FREQ=DAILY;UNTIL=20251231", start_local=start, zone_name="Europe/Berlin")
    with pytest.raises(Invalid, match="Unknown time zone"):
        validate_series("FREQ=DAILY", start_local=start, zone_name="Europe/Nowhere")


# -------------------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ("", "Does not repeat"),
        ("FREQ=DAILY", "Every day"),
        ("FREQ=DAILY;INTERVAL=3", "Every 3 days"),
        ("FREQ=WEEKLY", "Every week on Tuesday"),
        ("FREQ=WEEKLY;BYDAY=TU", "Every week on Tuesday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "Every 2 weeks on Monday and Thursday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "Every week on Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", "Every 2 weeks on weekdays"),
        ("FREQ=MONTHLY;BYDAY=2TU", "Monthly on the second Tuesday"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Monthly on the last Friday"),
        ("FREQ=MONTHLY;BYDAY=-2FR", "Monthly on the second to last Friday"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "Monthly on the second Tuesday"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "Monthly on the last weekday"),
        ("FREQ=MONTHLY", "Monthly on the 7th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "Monthly on the last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "Monthly on the 1st and the 15th"),
        ("FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO", "Every 3 months on the first Monday"),
        ("FREQ=YEARLY", "Yearly on 7 July"),
        ("FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4", "Yearly on 4 July"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "Yearly on the fourth Thursday of November"),
        ("FREQ=YEARLY;INTERVAL=2", "Every 2 years on 7 July"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=10", "Every week on Tuesday, 10 times"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=1", "Every week on Tuesday, once"),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270303T180000Z", "Every week on Tuesday, until 3 March 2027"),
        ("FREQ=DAILY;BYMONTH=7,8", "Every day, in July and August"),
        ("FREQ=YEARLY;BYWEEKNO=20", "Yearly, on a custom schedule"),
        ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1;BYDAY=MO", "Every 2 months, on a custom schedule"),
        ("FREQ=HOURLY", "Repeats on a custom schedule"),
        ("nonsense", "Repeats on a custom schedule"),
    ],
)
def test_describe(rule: str, sentence: str) -> None:
    assert describe(rule, start_local=datetime(2026, 7, 7, 19)) == sentence


def test_describe_shows_until_as_a_date_where_the_event_happens() -> None:
    rule = "FREQ=DAILY;UNTIL=20270303T230000Z"
    assert describe(rule, start_local=datetime(2026, 7, 7, 19)) == "Every day, until 3 March 2027"
    assert (
        describe(rule, start_local=datetime(2026, 7, 7, 19), zone_name="Asia/Tokyo")
        == "Every day, until 4 March 2027"
    )


def test_presets_for_the_second_tuesday() -> None:
    assert presets(datetime(2026, 1, 13, 19)) == [
        ("", "Does not repeat"),
        ("FREQ=DAILY", "Every day"),
        ("FREQ=WEEKLY;BYDAY=TU", "Every week on Tuesday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "Every 2 weeks on Tuesday"),
        ("FREQ=MONTHLY;BYDAY=2TU", "Monthly on the second Tuesday"),
        ("FREQ=MONTHLY;BYMONTHDAY=13", "Monthly on the 13th"),
        ("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=13", "Yearly on 13 January"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday (Monday to Friday)"),
    ]


def test_presets_near_the_end_of_a_month_offer_the_last_weekday_and_day() -> None:
    fourth_and_last = dict(presets(datetime(2026, 2, 24, 19)))  # the fourth and last Tuesday of February
    assert fourth_and_last["FREQ=MONTHLY;BYDAY=4TU"] == "Monthly on the fourth Tuesday"
    assert fourth_and_last["FREQ=MONTHLY;BYDAY=-1TU"] == "Monthly on the last Tuesday"
    fifth = dict(presets(datetime(2026, 3, 31, 19)))  # the fifth Tuesday: only "last" makes sense
    assert "FREQ=MONTHLY;BYDAY=5TU" not in fifth
    assert fifth["FREQ=MONTHLY;BYDAY=-1TU"] == "Monthly on the last Tuesday"
    assert fifth["FREQ=MONTHLY;BYMONTHDAY=-1"] == "Monthly on the last day"
    assert "FREQ=MONTHLY;BYMONTHDAY=-1" not in dict(presets(datetime(2026, 3, 30, 19)))
    for rule, _label in presets(datetime(2026, 3, 31, 19)):
        assert parse_rule(rule) == rule


# ------------------------------------------------------------------------------------ properties

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "America/Santiago",
]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    if freq in ("DAILY", "WEEKLY") and draw(st.booleans()):
        parts.append(
            "BYDAY=" + ",".join(draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True)))
        )
    elif freq == "MONTHLY":
        choice = draw(st.sampled_from(["day", "nth", "plain"]))
        if choice == "day":
            parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 15, 28, 29, 31, -1]))}")
        elif choice == "nth":
            parts.append(f"BYDAY={draw(st.sampled_from([1, 2, 3, 4, -1]))}{draw(st.sampled_from(DAYS))}")
    end = draw(st.sampled_from(["", "count", "until"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 60))}")
    elif end == "until":
        parts.append(f"UNTIL={draw(st.dates(date(2020, 1, 1), date(2040, 1, 1))):%Y%m%d}T120000Z")
    return ";".join(parts)


@settings(max_examples=200, deadline=None)
@given(
    rule=rules(),
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(datetime(2015, 1, 1), datetime(2035, 1, 1)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    offset=st.integers(-400, 3000),
    days=st.integers(1, 120),
    hours=st.integers(0, 50),
)
def test_slots_keep_wall_time_are_sorted_unique_and_in_the_window(
    rule: str, zone_name: str, start: datetime, offset: int, days: int, hours: int
) -> None:
    tz = ZoneInfo(zone_name)
    duration = timedelta(hours=hours)
    window_start = datetime.combine(start.date() + timedelta(days=offset), datetime.min.time(), UTC)
    window_end = window_start + timedelta(days=days)
    slots = expand(rule, start_local=start, zone_name=zone_name, duration=duration,
                   window_start=window_start, window_end=window_end)  # fmt: skip
    starts = [s.starts_at for s in slots]
    assert starts == sorted(set(starts))
    assert len(slots) <= MAX_OCCURRENCES
    for slot in slots:
        assert slot.starts_at < window_end and (slot.ends_at > window_start or slot.starts_at >= window_start)
        assert slot.ends_at - slot.starts_at == duration
        wall = slot.starts_at.astimezone(tz).replace(tzinfo=None)
        if wall.time() != start.time():
            kept = datetime.combine(wall.date(), start.time())
            # Only a wall time the clocks skip moves, and then forward, onto the same instant.
            assert kept.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != kept
            assert kept.replace(tzinfo=tz).astimezone(UTC) == slot.starts_at
    # Skipping ahead to the window gives what walking from the start gives.
    walked = expand(rule, start_local=start, zone_name=zone_name, duration=duration,
                    window_start=datetime(2014, 1, 1, tzinfo=UTC), window_end=window_end, limit=100_000)  # fmt: skip
    assert (
        slots
        == [s for s in walked if s.ends_at > window_start or s.starts_at >= window_start][:MAX_OCCURRENCES]
    )
    if slots and ("COUNT=" in rule or "UNTIL=" in rule):
        end = series_end(rule, start_local=start, zone_name=zone_name, duration=duration)
        assert end is not None and slots[-1].ends_at <= end


@settings(max_examples=80, deadline=None)
@given(
    rule=rules(),
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    pick=st.integers(1, 30),
)
def test_split_rule_halves_always_make_the_original_series(
    rule: str, zone_name: str, start: datetime, pick: int
) -> None:
    window = {
        "window_start": datetime(2019, 1, 1, tzinfo=UTC),
        "window_end": datetime(2045, 1, 1, tzinfo=UTC),
    }
    whole = expand(rule, start_local=start, zone_name=zone_name, duration=TWO_HOURS, limit=60, **window)
    if len(whole) < 2:
        return
    at = whole[min(pick, len(whole) - 1)].recurrence_id
    before, after = split_rule(rule, start_local=start, zone_name=zone_name, at=at)
    new_start = occurrence_local_start(at, start_local=start, zone_name=zone_name)
    first = expand(before, start_local=start, zone_name=zone_name, duration=TWO_HOURS, limit=60, **window)
    second = expand(after, start_local=new_start, zone_name=zone_name, duration=TWO_HOURS, limit=60, **window)
    assert (first + second)[: len(whole)] == whole
