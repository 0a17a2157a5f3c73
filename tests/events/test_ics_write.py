"""Writing iCalendar: the conventions Google Calendar, Apple Calendar and Outlook rely on, and round trips."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from townhall.events.ics import OutEvent, calendar_bytes, read_calendar

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2025, 3, 1, 12, 30, tzinfo=BERLIN)


def series(**changes: object) -> OutEvent:
    event = OutEvent(
        uid="7f3a@townhall",
        title="Weekly call",
        start=datetime(2025, 3, 4, 18, tzinfo=NEW_YORK),
        end=datetime(2025, 3, 4, 19, tzinfo=NEW_YORK),
        zone_name="America/New_York",
        stamp=STAMP,
        sequence=3,
        created=datetime(2025, 1, 2, 9, tzinfo=UTC),
        last_modified=datetime(2025, 2, 20, 9, tzinfo=UTC),
        description="Agenda:\n- news; plans, questions",
        url="https://town.example/events/7/",
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
        exdates=(datetime(2025, 3, 18, 18, tzinfo=NEW_YORK),),
        location="Library, room 3",
        geo=(40.75, -73.98),
        organizer_name="Ada Lovelace",
        organizer_email="ada@town.example",
        categories=("Talks", "Weekly"),
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def moved() -> OutEvent:
    return OutEvent(
        uid="7f3a@townhall",
        title="Weekly call (Wednesday this time)",
        start=datetime(2025, 3, 12, 18, tzinfo=NEW_YORK),
        end=datetime(2025, 3, 12, 19, tzinfo=NEW_YORK),
        zone_name="America/New_York",
        stamp=STAMP,
        sequence=4,
        recurrence_id=datetime(2025, 3, 11, 18, tzinfo=NEW_YORK),
    )


def picnic() -> OutEvent:
    return OutEvent(
        uid="p1@townhall",
        title="Picnic",
        start=date(2025, 7, 4),
        end=date(2025, 7, 5),
        all_day=True,
        stamp=STAMP,
    )


def berlin_talk() -> OutEvent:
    return OutEvent(
        uid="b1@townhall",
        title="Talk in Berlin",
        start=datetime(2025, 10, 26, 2, tzinfo=UTC),  # the morning after the clocks went back
        end=datetime(2025, 10, 26, 3, tzinfo=UTC),
        zone_name="Europe/Berlin",
        stamp=STAMP,
    )


def lines(data: bytes) -> list[str]:
    return Calendar.from_ical(data).to_ical().decode().split("\r\n")


def unfolded(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def test_calendar_header_for_a_feed() -> None:
    data = calendar_bytes([series()], name="Riverside events", description="What is on at Riverside")
    text = unfolded(data)
    for line in (
        "PRODID:-//Townhall//Townhall events//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Riverside events",
        "X-WR-CALDESC:What is on at Riverside",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert f"\r\n{line}\r\n" in text, line


def test_single_event_file_has_no_refresh_interval() -> None:
    text = unfolded(calendar_bytes([series()], name="Weekly call", refresh_minutes=None))
    assert "REFRESH-INTERVAL" not in text and "X-PUBLISHED-TTL" not in text
    assert "X-WR-CALDESC" not in text


def test_event_properties() -> None:
    text = unfolded(calendar_bytes([series()], name="x"))
    for line in (
        "UID:7f3a@townhall",
        "SEQUENCE:3",
        "DTSTAMP:20250301T113000Z",  # 12:30 in Berlin, written in UTC
        "CREATED:20250102T090000Z",
        "LAST-MODIFIED:20250220T090000Z",
        "DTSTART;TZID=America/New_York:20250304T180000",
        "DTEND;TZID=America/New_York:20250304T190000",
        "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TU",
        "EXDATE;TZID=America/New_York:20250318T180000",
        "STATUS:CONFIRMED",
        "DESCRIPTION:Agenda:\\n- news\\; plans\\, questions",
        "LOCATION:Library\\, room 3",
        "GEO:40.75;-73.98",
        "URL:https://town.example/events/7/",
        'ORGANIZER;CN="Ada Lovelace":mailto:ada@town.example',
        "CATEGORIES:Talks,Weekly",
    ):
        assert f"\r\n{line}\r\n" in text, line


def test_a_vtimezone_for_every_zone_used_and_none_for_utc() -> None:
    utc_event = OutEvent(
        uid="u@townhall",
        title="UTC",
        start=datetime(2025, 5, 1, 10, tzinfo=UTC),
        end=datetime(2025, 5, 1, 11, tzinfo=UTC),
        stamp=STAMP,
    )
    data = calendar_bytes([series(), berlin_talk(), picnic(), utc_event], name="x")
    cal = Calendar.from_ical(data)
    assert sorted(tz.tz_name for tz in cal.timezones) == ["America/New_York", "Europe/Berlin"]
    assert cal.get_missing_tzids() == set()
    assert "DTSTART:20250501T100000Z" in unfolded(data)
    # Each VTIMEZONE comes before the events, and covers the events' years.
    text = unfolded(data)
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    assert "TZOFFSETTO:-0400" in text and "TZOFFSETTO:+0200" in text


def test_times_in_the_events_own_zone_even_when_given_in_utc() -> None:
    text = unfolded(calendar_bytes([berlin_talk()], name="x"))
    # Hours after the clocks went back: 02:00 UTC is 03:00 winter time in Berlin.
    assert "DTSTART;TZID=Europe/Berlin:20251026T030000" in text
    assert "DTEND;TZID=Europe/Berlin:20251026T040000" in text


def test_all_day_events_are_dates_with_an_exclusive_end() -> None:
    text = unfolded(calendar_bytes([picnic()], name="x"))
    assert "DTSTART;VALUE=DATE:20250704" in text
    assert "DTEND;VALUE=DATE:20250705" in text
    assert "VTIMEZONE" not in text
    same_day = replace(picnic(), end=date(2025, 7, 4))
    assert "DTEND;VALUE=DATE:20250705" in unfolded(calendar_bytes([same_day], name="x"))


def test_overridden_occurrence_has_the_series_uid_and_a_recurrence_id() -> None:
    text = unfolded(calendar_bytes([series(), moved()], name="x"))
    assert text.count("UID:7f3a@townhall") == 2
    assert "RECURRENCE-ID;TZID=America/New_York:20250311T180000" in text


def test_uid_is_stable_across_two_writes_and_only_dtstamp_follows_the_stamp() -> None:
    first = calendar_bytes([series()], name="x")
    second = calendar_bytes([series(stamp=STAMP + timedelta(hours=1))], name="x")
    assert re.findall(r"UID:(\S+)", first.decode()) == re.findall(r"UID:(\S+)", second.decode())
    assert first.replace(b"DTSTAMP:20250301T113000Z", b"DTSTAMP:20250301T123000Z") == second


def test_sequence_is_carried() -> None:
    (event,) = read_calendar(calendar_bytes([series(sequence=7)], name="x")).events
    assert event.sequence == 7


def test_method_cancel_marks_every_event_cancelled() -> None:
    data = calendar_bytes([series(sequence=4)], name="Weekly call", method="CANCEL", refresh_minutes=None)
    text = unfolded(data)
    assert "\r\nMETHOD:CANCEL\r\n" in text
    assert "\r\nSTATUS:CANCELLED\r\n" in text and "CONFIRMED" not in text
    assert "\r\nSEQUENCE:4\r\n" in text


def test_cancelled_occurrence_in_a_feed() -> None:
    off = replace(
        moved(),
        status="CANCELLED",
        start=moved().recurrence_id,
        end=moved().recurrence_id + timedelta(hours=1),
    )  # type: ignore[operator]
    (_, event) = read_calendar(calendar_bytes([series(), off], name="x")).events
    assert event.status == "CANCELLED"
    assert event.recurrence_id == datetime(2025, 3, 11, 18, tzinfo=NEW_YORK)


def test_crlf_endings_and_lines_folded_at_75_octets() -> None:
    long_title = "Sternwarte 🌌 " * 20
    data = calendar_bytes([series(title=long_title, description="ü" * 300)], name="x")
    raw_lines = data.split(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.endswith(b"\r\n")
    assert max(len(line) for line in raw_lines) <= 75
    (event,) = read_calendar(data).events
    assert event.title == long_title.strip()


@pytest.mark.parametrize(
    ("event", "method", "message"),
    [
        (series(), "REPLY", "Unknown METHOD"),
        (series(status="MAYBE"), "PUBLISH", "Unknown STATUS"),
        (series(start=datetime(2025, 3, 4, 18)), "PUBLISH", "aware"),
        (series(stamp=datetime(2025, 3, 4, 18)), "PUBLISH", "aware"),
    ],
)
def test_programming_errors_raise(event: OutEvent, method: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calendar_bytes([event], name="x", method=method)


# Round trips: what write.py writes, read.py reads back with the same times.


def test_round_trip_in_two_zones() -> None:
    data = calendar_bytes([series(), moved(), picnic(), berlin_talk()], name="Round trip")
    result = read_calendar(data)
    assert result.name == "Round trip"
    assert result.skipped == []
    back = {(e.uid, e.recurrence_id): e for e in result.events}
    s = back[("7f3a@townhall", None)]
    assert s.start == series().start and s.start.tzinfo == NEW_YORK and s.zone_name == "America/New_York"
    assert s.end == series().end
    assert s.exdates == series().exdates
    assert s.rrule == "FREQ=WEEKLY;COUNT=10;BYDAY=TU"
    assert (s.title, s.description, s.location, s.url) == (
        "Weekly call",
        "Agenda:\n- news; plans, questions",
        "Library, room 3",
        "https://town.example/events/7/",
    )
    assert (s.organizer_name, s.organizer_email, s.categories) == (
        "Ada Lovelace",
        "ada@town.example",
        ("Talks", "Weekly"),
    )
    m = back[("7f3a@townhall", moved().recurrence_id)]
    assert m.start == moved().start and m.sequence == 4
    p = back[("p1@townhall", None)]
    assert p.all_day and (p.start, p.end) == (date(2025, 7, 4), date(2025, 7, 5))
    b = back[("b1@townhall", None)]
    assert b.zone_name == "Europe/Berlin"
    assert b.start == berlin_talk().start  # the same instant, now shown in Berlin time
    assert b.start.tzinfo == BERLIN


def test_round_trip_of_what_was_read() -> None:
    """An imported Google series written out again and read back keeps its times."""
    from pathlib import Path

    original = read_calendar((Path(__file__).parent / "ics_files" / "google.ics").read_bytes())
    out = [
        OutEvent(
            uid=e.uid,
            title=e.title,
            start=e.start,
            end=e.end,
            zone_name=e.zone_name or "UTC",
            all_day=e.all_day,
            stamp=STAMP,
            rrule=e.rrule,
            exdates=e.exdates,
            recurrence_id=e.recurrence_id,
            sequence=e.sequence,
        )
        for e in original.events
    ]
    again = read_calendar(calendar_bytes(out, name="again"))
    for before, after in zip(original.events, again.events, strict=True):
        assert (after.start, after.end, after.zone_name, after.all_day) == (
            before.start,
            before.end,
            before.zone_name,
            before.all_day,
        )
        assert (after.exdates, after.recurrence_id) == (before.exdates, before.recurrence_id)
