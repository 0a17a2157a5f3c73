"""Reading iCalendar files: what Google, Outlook, Apple and Meetup export, and what goes wrong in files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from townhall.events.ics import IcsError, IcsEvent, read_calendar
from townhall.events.ics.zones import zone_from_name

FILES = Path(__file__).parent / "ics_files"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def read(name: str, **limits: int):
    return read_calendar((FILES / name).read_bytes(), **limits)


def by_title(events: list[IcsEvent], title: str) -> IcsEvent:
    (found,) = [e for e in events if e.title == title]
    return found


def calendar(*events: str, head: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{head}{body}END:VCALENDAR\r\n".encode()


# Google Calendar


def test_google_export_series_with_exdates_a_moved_date_and_all_day() -> None:
    result = read("google.ics")
    assert result.name == "Riverside Astronomy Club"
    assert result.zone_name == "Europe/Berlin"
    assert result.skipped == []
    series = by_title(result.events, "Weekly observing night")
    assert series.start == datetime(2025, 3, 4, 19, 30, tzinfo=BERLIN)
    assert series.end == datetime(2025, 3, 4, 21, tzinfo=BERLIN)
    assert series.zone_name == "Europe/Berlin"
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20250624T173000Z;BYDAY=TU;WKST=MO"
    # Two EXDATE lines, one of them with two dates; after the change to summer time they stay at 19:30.
    assert series.exdates == (
        datetime(2025, 4, 15, 19, 30, tzinfo=BERLIN),
        datetime(2025, 4, 22, 19, 30, tzinfo=BERLIN),
        datetime(2025, 4, 29, 19, 30, tzinfo=BERLIN),
    )
    assert series.sequence == 2
    assert series.has_alarms
    assert series.location == "Hill Observatory, Sternwartenweg 3, 14482 Potsdam, Germany"
    assert "walk up together.\n\nIf the sky" in series.description  # folded in the middle of a word
    assert series.last_modified == datetime(2025, 2, 28, 19, 4, 11, tzinfo=UTC)
    assert series.line == 27

    moved = by_title(result.events, "Weekly observing night (moved to Wednesday)")
    assert moved.uid == series.uid
    assert moved.recurrence_id == datetime(2025, 3, 25, 19, 30, tzinfo=BERLIN)
    assert moved.start == datetime(2025, 3, 26, 20, tzinfo=BERLIN)
    assert moved.rrule == ""

    weekend = by_title(result.events, "Messier marathon weekend")
    assert weekend.all_day and weekend.zone_name is None
    assert (weekend.start, weekend.end) == (date(2025, 4, 12), date(2025, 4, 14))


def test_google_single_event_in_utc_is_shown_in_the_calendar_zone() -> None:
    agm = by_title(read("google.ics").events, "Annual general meeting")
    assert agm.zone_name == "Europe/Berlin"
    assert agm.start == datetime(2025, 5, 17, 18, tzinfo=UTC)  # the same instant
    assert agm.start.utcoffset() == timedelta(hours=2)
    assert agm.organizer_name == "Riverside Astronomy Club"
    assert agm.organizer_email == "c_8a1d5f0b7e@group.calendar.google.com"


def test_until_and_exdates_work_with_dateutil_across_the_dst_change() -> None:
    series = by_title(read("google.ics").events, "Weekly observing night")
    rule = rrulestr(series.rrule, dtstart=series.start)
    dates = [d for d in rule if d not in series.exdates]
    assert len(dates) == 17 - 3
    assert all(d.hour == 19 and d.minute == 30 for d in dates)
    assert dates[-1] == datetime(2025, 6, 24, 19, 30, tzinfo=BERLIN)


# Outlook / Exchange


def test_outlook_windows_zone_names_and_custom_vtimezones() -> None:
    result = read("outlook.ics")
    assert result.name == "Volunteers"
    assert result.skipped == []
    sorting = by_title(result.events, "Sorting day")
    assert sorting.zone_name == "Europe/Berlin"  # "W. Europe Standard Time"
    assert sorting.start == datetime(2025, 3, 8, 10, tzinfo=BERLIN)
    assert sorting.rrule == "FREQ=MONTHLY;UNTIL=20251213T090000Z;BYDAY=2SA"
    assert sorting.uid.startswith("040000008200E00074C5B7101A82E008")
    assert sorting.uid.endswith("00100000004B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8")  # unfolded, no space
    assert sorting.has_alarms
    assert sorting.description == "Sorting donations for the spring fair.\n\nPlease bring gloves."

    # "Customized Time Zone" only gives offsets; they are US Eastern's.
    call = by_title(result.events, "Chapter call (New York)")
    assert call.zone_name == "America/New_York"
    assert call.start == datetime(2025, 3, 18, 12, tzinfo=NEW_YORK)
    assert call.start.utcoffset() == timedelta(hours=-4)

    # A display name: the offsets match all of central Europe; the first city named wins.
    cafe = by_title(result.events, "Repair café")
    assert cafe.zone_name == "Europe/Amsterdam"
    assert cafe.start == datetime(2025, 4, 5, 12, tzinfo=UTC)


def test_outlook_all_day_as_midnight_datetimes_becomes_all_day() -> None:
    fair = by_title(read("outlook.ics").events, "Spring fair")
    assert fair.all_day and fair.zone_name is None
    assert (fair.start, fair.end) == (date(2025, 5, 1), date(2025, 5, 2))


# Apple Calendar and Meetup


def test_apple_export_local_until_categories_and_x_apple_properties() -> None:
    result = read("apple.ics")
    assert result.zone_name == "America/Los_Angeles"
    circle = by_title(result.events, "Book circle — monthly")
    assert circle.start == datetime(2025, 2, 11, 18, 30, tzinfo=LOS_ANGELES)
    # The file's UNTIL is a local time; it is written in UTC, as RFC 5545 asks with a zoned start.
    assert circle.rrule == "FREQ=MONTHLY;UNTIL=20251210T023000Z;BYDAY=2TU"
    assert list(rrulestr(circle.rrule, dtstart=circle.start))[-1] == datetime(2025, 12, 9, 18, 30, tzinfo=LOS_ANGELES)
    assert circle.categories == ("Books", "Monthly", "Reading")
    assert circle.has_alarms
    assert circle.location.startswith("Corner Books\n1200 Main St")
    picnic = by_title(result.events, "Picnic in the park")
    assert picnic.all_day and picnic.sequence == 1


def test_meetup_feed_in_utc_with_a_cancelled_event() -> None:
    result = read("meetup.ics")
    talks = by_title(result.events, "Lightning talks night")
    assert talks.zone_name == "UTC"
    assert talks.start == datetime(2025, 3, 13, 18, tzinfo=UTC)
    assert talks.url == "https://www.meetup.com/riverside-python/events/305112233/"
    assert "Five minutes each, any topic." in talks.description
    cancelled = by_title(result.events, "Packaging workshop [CANCELLED]")
    assert cancelled.status == "CANCELLED"


# Components that are not events, and events with missing or broken parts


def test_mixed_file_skips_what_is_not_an_event_with_a_reason_and_a_line() -> None:
    result = read("mixed.ics")
    skipped = {(s.what, s.uid): (s.line, s.reason) for s in result.skipped}
    assert skipped[("VTODO", "todo-1@example.org")] == (4, "it is a to-do, not an event")
    assert skipped[("VJOURNAL", "journal-1@example.org")][1] == "it is a journal entry, not an event"
    assert skipped[("VFREEBUSY", "fb-1@example.org")][1] == "it is free/busy information, not an event"
    assert skipped[("X-ACME-WIDGET", "widget@example.org")][1] == "X-ACME-WIDGET is not an event"
    assert skipped[("VEVENT", "no-start@example.org")] == (23, "it has no start time (DTSTART)")
    assert "before it starts" in skipped[("VEVENT", "backwards@example.org")][1]
    assert "Mars/Olympus_Mons" in skipped[("VEVENT", "mars@example.org")][1]
    assert "RRULE" in skipped[("VEVENT", "bad-rule@example.org")][1]
    assert "DTSTART could not be read" in skipped[("VEVENT", "bad-date@example.org")][1]
    assert "its end (DTEND) is a date" in skipped[("VEVENT", "date-end-mismatch@example.org")][1]
    assert len(result.skipped) == 10


def test_mixed_file_reads_events_with_missing_fields() -> None:
    events = {e.title: e for e in read("mixed.ics").events}
    no_uid = events["Without a UID"]
    assert no_uid.uid_made_up and no_uid.uid.endswith("@no-uid.ics")
    assert read("mixed.ics").events[0].uid == no_uid.uid  # the same made-up UID on every reading
    no_summary = events[""]
    assert no_summary.end - no_summary.start == timedelta(hours=1, minutes=30)  # DURATION
    moment = events["A moment (no end, no duration)"]
    assert moment.end == moment.start
    floating = events["Floating time"]
    assert floating.floating and floating.start == datetime(2025, 3, 24, 19)
    assert events["Globally unique TZID"].zone_name == "Europe/Paris"


def test_unicode_titles_descriptions_and_a_fold_inside_a_character() -> None:
    result = read("unicode.ics")
    assert result.name == "世界の集まり 🌍"
    hanami = by_title(result.events, "花見 🌸 お花見の会")
    assert hanami.description.endswith("集合場所は上野公園の正門前です。")
    assert hanami.categories == ("季節", "お花見")
    assert hanami.zone_name == "Asia/Tokyo"
    assert by_title(result.events, "ערב שירה · أمسية شعرية").zone_name == "Asia/Jerusalem"
    # RFC 5545 folds at 75 octets, so a fold may split a UTF-8 character in two.
    title = "🌸" * 30
    line = f"SUMMARY:{title}".encode()
    folded = line[:74] + b"\r\n " + line[74:]
    data = calendar("UID:x\r\nDTSTART:20250101T100000Z").replace(b"UID:x", b"UID:x\r\n" + folded)
    assert read_calendar(data).events[0].title == title


def test_lf_crlf_and_cr_line_endings_read_the_same() -> None:
    crlf = calendar("UID:a\r\nDTSTART:20250101T100000Z\r\nSUMMARY:Long title that goes on\r\n  and on")
    lf = crlf.replace(b"\r\n", b"\n")
    cr = crlf.replace(b"\r\n", b"\r")
    titles = {read_calendar(data).events[0].title for data in (crlf, lf, cr)}
    assert titles == {"Long title that goes on and on"}


def test_windows_1252_file_is_read() -> None:
    data = calendar("UID:a\r\nDTSTART:20250101T100000Z\r\nSUMMARY:TITLE").replace(b"TITLE", "Café € night".encode("cp1252"))
    assert read_calendar(data).events[0].title == "Café € night"


def test_until_as_a_date_for_a_timed_series_and_as_a_datetime_for_an_all_day_one() -> None:
    result = read_calendar(
        calendar(
            "UID:a\r\nDTSTART;TZID=Europe/Berlin:20250106T090000\r\nRRULE:FREQ=DAILY;UNTIL=20250110",
            "UID:b\r\nDTSTART;VALUE=DATE:20250106\r\nRRULE:FREQ=DAILY;UNTIL=20250110T000000Z",
        )
    )
    timed, all_day = result.events
    assert timed.rrule == "FREQ=DAILY;UNTIL=20250110T225959Z"
    assert len(list(rrulestr(timed.rrule, dtstart=timed.start))) == 5
    assert all_day.rrule == "FREQ=DAILY;UNTIL=20250110"


def test_date_exdates_of_a_timed_series_and_x_wr_timezone_for_floating_times() -> None:
    result = read_calendar(
        calendar(
            "UID:a\r\nDTSTART:20250106T090000\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEXDATE;VALUE=DATE:20250107",
            head="X-WR-TIMEZONE:America/New_York\r\n",
        )
    )
    (event,) = result.events
    assert event.zone_name == "America/New_York"
    assert event.start == datetime(2025, 1, 6, 9, tzinfo=NEW_YORK)
    assert event.exdates == (datetime(2025, 1, 7, 9, tzinfo=NEW_YORK),)


def test_end_in_another_zone_is_the_same_instant_in_the_start_zone() -> None:
    (event,) = read_calendar(
        calendar("UID:a\r\nDTSTART;TZID=Europe/Berlin:20250601T100000\r\nDTEND;TZID=America/New_York:20250601T060000")
    ).events
    assert event.end == datetime(2025, 6, 1, 12, tzinfo=BERLIN)
    assert event.end.tzinfo == BERLIN


def test_a_custom_zone_of_one_file_does_not_leak_into_the_next() -> None:
    def custom(offset: str) -> bytes:
        zone = (
            "BEGIN:VTIMEZONE\r\nTZID:Club Time\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            f"TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        )
        return calendar("UID:a\r\nDTSTART;TZID=Club Time:20250601T100000", head=zone)

    first = read_calendar(custom("+0900")).events[0]
    second = read_calendar(custom("-0300")).events[0]
    assert first.start.utcoffset() == timedelta(hours=9)
    assert second.start.utcoffset() == timedelta(hours=-3)


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Eastern Standard Time", "America/New_York"),
        ("India Standard Time", "Asia/Kolkata"),  # the Windows table says Asia/Calcutta, an old name
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Oslo", "Europe/Oslo"),  # a link to Europe/Berlin in the database, still Norway's name
        ("/freeassociation.sourceforge.net/Tzfile/Europe/Paris", "Europe/Paris"),
        ("UTC", "UTC"),
        ("GMT", "UTC"),
        ("Mars/Olympus_Mons", None),
        ("", None),
    ],
)
def test_zone_names(tzid: str, zone: str | None) -> None:
    assert zone_from_name(tzid) == zone


# Files refused as a whole


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n  \r\n", "The file is empty."),
        (b"<!DOCTYPE html><html></html>", "This is not an iCalendar file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"BEGIN:VCARD\r\nFN:Ada\r\nEND:VCARD\r\n", "contact card (vCard)"),
        (b"BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n", "no calendar around its contents"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", "Line 3: END:VTODO where END:VEVENT"),
        (b"BEGIN:VCALENDAR\r\nEND:VEVENT\r\n", "Line 2: END:VEVENT where END:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nSUMMARY:x\r\n", "Line 3 is outside the calendar"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nEND:VCALENDAR\r\n", "Line 3: END:VCALENDAR has no matching BEGIN"),
    ],
)
def test_files_that_are_not_calendars(data: bytes, message: str) -> None:
    with pytest.raises(IcsError) as caught:
        read_calendar(data)
    assert message in caught.value.message


def test_empty_file() -> None:
    with pytest.raises(IcsError, match="The file is empty"):
        read("empty.ics")


def test_html_page_instead_of_a_calendar() -> None:
    with pytest.raises(IcsError, match="should start with BEGIN:VCALENDAR"):
        read("not_calendar.html")


def test_malformed_line_names_the_line() -> None:
    with pytest.raises(IcsError) as caught:
        read("malformed.ics")
    assert caught.value.message.startswith("Line 15 is not an iCalendar line: “Hi all, see you there!”")


def test_file_cut_short() -> None:
    with pytest.raises(IcsError) as caught:
        read("truncated.ics")
    assert caught.value.message.startswith("The file ends inside VEVENT (begun on line 10): END:VEVENT is missing")


def test_too_big() -> None:
    with pytest.raises(IcsError, match=r"The file is 3 KB; a calendar file may be at most 1 KB"):
        read("google.ics", max_bytes=1024)


def generated(count: int) -> bytes:
    start = datetime(2025, 1, 1, 18)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Townhall tests//Generated//EN"]
    for i in range(count):
        when = start + timedelta(hours=7 * i)
        lines += [
            "BEGIN:VEVENT",
            f"UID:gen-{i}@example.org",
            f"DTSTART;TZID=Europe/Berlin:{when:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Berlin:{when + timedelta(hours=2):%Y%m%dT%H%M%S}",
            f"SUMMARY:Generated event {i}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_too_many_components_is_refused_before_parsing() -> None:
    with pytest.raises(IcsError, match="more than 200 events and other items"):
        read_calendar(generated(201), max_events=200)


def test_a_huge_generated_file_within_the_limits() -> None:
    result = read_calendar(generated(1000), max_events=1000)
    assert len(result.events) == 1000
    assert result.events[-1].start == datetime(2025, 1, 1, 18, tzinfo=BERLIN) + timedelta(hours=7 * 999)
    assert result.events[-1].line == 4 + 6 * 999


def test_a_very_long_folded_value_is_unfolded_in_linear_time() -> None:
    text = "word " * 200_000  # 1 MB in 13,000 folded pieces
    folded = "\r\n ".join(text[i : i + 74] for i in range(0, len(text), 74))
    (event,) = read_calendar(calendar(f"UID:a\r\nDTSTART:20250101T100000Z\r\nDESCRIPTION:{folded}")).events
    assert event.description == text.strip()
