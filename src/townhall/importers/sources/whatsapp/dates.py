"""The head of a WhatsApp line ("12/31/20, 23:59 - ", "[31/12/2020, 23:59:59] ") and what time it names.

WhatsApp writes dates in the phone's locale, without saying which order the numbers are in. One line
("01/02/21") cannot tell; the whole file can: `DateOrderVote` is fed every head of a first pass and
ranks the orders (day-first, month-first, year-first) by how many dates each can read, then by how
rarely each makes time run backwards, then by the locale habits (unpadded two-digit years are
month-first US phones; everything else defaults to day-first, the most common order in the world).
The second pass reads each head with the best order that gives a real date (a file that mixes
formats, which no phone writes but edited files do, still reads).

Calendars: years are mapped to the Gregorian calendar by their range, which never overlaps within
WhatsApp's lifetime (2009 on): two-digit years 00-49 are 2000-2049 and 50-99 are Thai Buddhist-era
years (2550-2599 BE, that is 2007-2056 CE); four-digit years from 2400 are Buddhist era (minus 543),
1300-1420 the Solar Hijri (Persian) calendar and 1421-1499 the lunar Hijri calendar (the arithmetic
tabular calendar, which can differ by a day from the Umm al-Qura calendar some phones use). Digits of
any script (Eastern Arabic, Persian, Devanagari, Thai...) read as their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from convertdate import islamic, persian

# Invisible marks phones put around dates and names (bidi marks, a stray BOM).
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_M = f"[{MARKS}]*"
_SP = "[ \u00a0\u202f]?"

# Morning / afternoon words as phones write them (a space in a token may be any kind of space, or none).
_AM = ["a. m.", "a.m.", "am", "a. m", "vorm.", "ص", "ق.ظ.", "午前", "上午", "오전", "π.μ.", "ก่อนเที่ยง"]
_PM = ["p. m.", "p.m.", "pm", "p. m", "nachm.", "م", "ب.ظ.", "午後", "下午", "오후", "μ.μ.", "หลังเที่ยง"]


def _token_pattern(tokens: list[str]) -> str:
    parts = ["".join(_SP if ch == " " else re.escape(ch) for ch in t) for t in tokens]
    return "|".join(sorted(parts, key=len, reverse=True))


_AMPM = f"(?:{_token_pattern(_AM)}|{_token_pattern(_PM)})"
_PM_KEYS = {re.sub(r"[\s.]", "", t).lower() for t in _PM}

HEAD = re.compile(
    rf"^{_M}(?P<br>\[)?{_M}"
    r"(?P<d1>\d{1,4})(?P<sep>[./-])\s?(?P<d2>\d{1,2})(?P=sep)\s?(?P<d3>\d{1,4})\.?"
    rf"{_M}(?:[,،]\s*|\s+)(?:(?:à|klo)\s+)?{_M}"
    rf"(?:(?=\D)(?P<pre>{_AMPM})\s*)?"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?\.?"
    rf"(?:\s*(?=[^\s\]\-\u2013])(?P<post>{_AMPM}))?{_M}"
    r"(?(br)\]\s?|\s*[-\u2013](?:\s|$))"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)

DMY, MDY, YMD = "DMY", "MDY", "YMD"
ORDERS = (DMY, MDY, YMD)


def _ymd(order: str, a: int, b: int, c: int) -> tuple[int, int, int]:
    if order == DMY:
        return c, b, a
    if order == MDY:
        return c, a, b
    return a, b, c


def _plausible(order: str, la: int, lc: int, ymd: tuple[int, int, int]) -> bool:
    """The order fits the written widths (a four-digit group is the year) and the ranges."""
    if order == YMD:
        if lc >= 3:
            return False
    elif la >= 3:
        return False
    _, m, d = ymd
    return 1 <= m <= 12 and 1 <= d <= 31


@dataclass
class DateOrderVote:
    """Statistics of a first pass over every head of the file; `ranking()` decides."""

    valid: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDERS, 0))
    backwards: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDERS, 0))
    last: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    unpadded_short_year: int = 0
    heads: int = 0
    _last_key: tuple[str, str, str] = ("", "", "")
    _last_valid: tuple[str, ...] = ()
    _last_unpadded: bool = False

    def add(self, d1: str, d2: str, d3: str) -> None:
        self.heads += 1
        key = (d1, d2, d3)
        if key == self._last_key:  # most messages share the date of the one before: same votes
            for order in self._last_valid:
                self.valid[order] += 1
            if self._last_unpadded:
                self.unpadded_short_year += 1
            return
        a, b, c = int(d1), int(d2), int(d3)
        unpadded = len(d3) <= 2 and (len(d1) == 1 or len(d2) == 1)
        if unpadded:
            self.unpadded_short_year += 1
        valid = []
        for order in ORDERS:
            ymd = _ymd(order, a, b, c)
            if not _plausible(order, len(d1), len(d3), ymd):
                continue
            valid.append(order)
            self.valid[order] += 1
            previous = self.last.get(order)
            if previous is not None and ymd < previous:
                self.backwards[order] += 1
            self.last[order] = ymd
        self._last_key, self._last_valid, self._last_unpadded = key, tuple(valid), unpadded

    def ranking(self) -> tuple[str, ...]:
        us = self.unpadded_short_year * 2 > self.heads  # "1/9/20": US phones
        preference = (MDY, DMY, YMD) if us else (DMY, MDY, YMD)
        return tuple(sorted(ORDERS, key=lambda o: (-self.valid[o], self.backwards[o], preference.index(o))))


def _gregorian(year: int, month: int, day: int, year_digits: int) -> date:
    """A date of any supported calendar as a Gregorian date. Raises ValueError when it is not a date."""
    if year_digits <= 2:
        if year >= 50:  # a Buddhist-era year written with two digits (2563 -> "63")
            return date(2500 + year - 543, month, day)
        return date(2000 + year, month, day)
    if year >= 2400:
        return date(year - 543, month, day)
    if 1300 <= year < 1421:
        _check_month_day(month, day, 31 if month <= 6 else 30)
        y, m, d = persian.to_gregorian(year, month, day)
        return date(y, m, d)
    if 1421 <= year < 1500:
        _check_month_day(month, day, 30)
        y, m, d = islamic.to_gregorian(year, month, day)
        return date(y, m, d)
    return date(year, month, day)


def _check_month_day(month: int, day: int, longest: int) -> None:
    if not (1 <= month <= 12 and 1 <= day <= longest):
        raise ValueError("not a day of that calendar")


class HeadReader:
    """Reads heads with the orders a `DateOrderVote` ranked."""

    def __init__(self, orders: tuple[str, ...]) -> None:
        self.orders = orders
        self._last_key: tuple[str, str, str] = ("", "", "")
        self._last_day: date | None = None

    def read(self, m: re.Match[str]) -> datetime | None:
        """The wall time a matched head names, or None when no order makes it a real date and time."""
        h, mi, s, pre, post, d1, d2, d3 = m.group("h", "mi", "s", "pre", "post", "d1", "d2", "d3")
        hour, minute = int(h), int(mi)
        second = int(s) if s else 0
        ampm = pre or post
        if ampm:
            pm = re.sub(r"[\s.]", "", ampm).lower() in _PM_KEYS
            if pm and hour < 12:
                hour += 12
            elif not pm and hour == 12:
                hour = 0
            # "13:37 p.m." happens (an edited file, an odd locale): the hour is taken as written.
        if hour > 23 or minute > 59 or second > 59:
            return None
        key = (d1, d2, d3)
        if key == self._last_key:
            day = self._last_day
        else:
            day = self._day(*key)
            self._last_key, self._last_day = key, day
        if day is None:
            return None
        return datetime(day.year, day.month, day.day, hour, minute, second)

    def _day(self, d1: str, d2: str, d3: str) -> date | None:
        a, b, c = int(d1), int(d2), int(d3)
        for order in self.orders:
            y, mo, d = _ymd(order, a, b, c)
            if not _plausible(order, len(d1), len(d3), (y, mo, d)):
                continue
            try:
                return _gregorian(y, mo, d, len(d1) if order == YMD else len(d3))
            except (ValueError, OverflowError):
                continue
        return None


class Localizer:
    """Aware times of wall-clock times in `zone`, deterministic around daylight-saving changes.

    A time the clock skipped (spring forward) is read with the offset before the change, which moves it
    forward by the gap (02:30 becomes 03:30). A time the clock showed twice (fall back) is the first
    of the two, unless the message before it in the file is already later than that first instant
    (the chat has gone past the change): then it is the second. Hours with one plain offset are
    remembered, so most messages cost one lookup.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        # The previous message's wall time and offset (its UTC time is computed only when needed).
        self._previous: tuple[datetime, timedelta] | None = None
        self._plain: dict[tuple[int, int, int, int], timedelta | None] = {}

    @property
    def previous_utc(self) -> datetime | None:
        return None if self._previous is None else self._previous[0] - self._previous[1]

    def __call__(self, naive: datetime) -> datetime:
        key = (naive.year, naive.month, naive.day, naive.hour)
        offset = self._plain.get(key, _UNKNOWN)
        if offset is _UNKNOWN:
            offset = self._hour_offset(naive)
            if len(self._plain) > 4096:
                self._plain.clear()
            self._plain[key] = offset
        if offset is not None:
            self._previous = (naive, offset)
            return naive.replace(tzinfo=self.zone)
        aware = self._resolve(naive)
        self._previous = (aware.replace(tzinfo=None), aware.utcoffset() or timedelta(0))
        return aware

    def _hour_offset(self, naive: datetime) -> timedelta | None:
        """The offset of every minute of that hour, or None when the hour holds a change."""
        start = naive.replace(minute=0, second=0)
        offsets = {
            moment.replace(tzinfo=self.zone, fold=fold).utcoffset()
            for moment in (start, start + timedelta(minutes=59, seconds=59))
            for fold in (0, 1)
        }
        if len(offsets) != 1:
            return None
        return offsets.pop()

    def _resolve(self, naive: datetime) -> datetime:
        first = naive.replace(tzinfo=self.zone)
        second = naive.replace(tzinfo=self.zone, fold=1)
        off_first, off_second = first.utcoffset(), second.utcoffset()
        if off_first == off_second:
            return first
        assert off_first is not None and off_second is not None
        if off_first < off_second:  # a gap: normalise through UTC
            return first.astimezone(UTC).astimezone(self.zone)
        if self.previous_utc is not None and self.previous_utc > naive - off_first:
            return second
        return first


_UNKNOWN = timedelta(days=-999)
