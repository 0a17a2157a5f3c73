"""A calendar file for the import tests (and the browser journey): dates relative to today."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

BERLIN = ZoneInfo("Europe/Berlin")


def weekly_file(*, sequence: int = 0, title: str = "Weekly observing night", extra: str = "") -> bytes:
    """A Google-like export whose weekly series starts next Tuesday: one date excluded, one moved."""
    today = timezone.now().astimezone(BERLIN).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    start = datetime.combine(tuesday, datetime.min.time()).replace(hour=19, minute=30)
    fmt = "%Y%m%dT%H%M%S"
    second, third = start + timedelta(weeks=1), start + timedelta(weeks=2)
    moved = third + timedelta(days=1, minutes=30)
    text = f"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
X-WR-CALNAME:Riverside Astronomy Club
X-WR-TIMEZONE:Europe/Berlin
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:{start:{fmt}}
DTEND;TZID=Europe/Berlin:{start + timedelta(hours=1, minutes=30):{fmt}}
RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=TU
EXDATE;TZID=Europe/Berlin:{second:{fmt}}
UID:series-1@google.com
SEQUENCE:{sequence}
SUMMARY:{title}
LOCATION:Hill Observatory\\, Sternwartenweg 3\\, Potsdam
LAST-MODIFIED:20250101T000000Z
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:{moved:{fmt}}
DTEND;TZID=Europe/Berlin:{moved + timedelta(hours=1, minutes=30):{fmt}}
RECURRENCE-ID;TZID=Europe/Berlin:{third:{fmt}}
UID:series-1@google.com
SEQUENCE:{sequence}
SUMMARY:{title} (moved)
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:{tuesday + timedelta(days=4):%Y%m%d}
DTEND;VALUE=DATE:{tuesday + timedelta(days=6):%Y%m%d}
UID:weekend-1@google.com
SUMMARY:Messier marathon weekend
END:VEVENT
{extra}END:VCALENDAR
"""
    return text.replace("\n", "\r\n").encode()
