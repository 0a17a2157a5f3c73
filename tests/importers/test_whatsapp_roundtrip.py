"""Property: any chat, written in any supported WhatsApp format, reads back as the same messages.

Messages are generated (authors, multi-line texts, times in order), rendered the way a phone of some
locale writes them (Android or iOS, day-, month- or year-first, two- or four-digit years, 12 h or 24 h
clocks with their locale's words and spaces, seconds or not, a separator, CRLF or LF, a BOM or not,
blank lines between messages or not) and parsed back.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whatsapp_testing import items, parse_text, skipped, wall

NAMES = ["Ann", "Bob Smith", "+44 7700 900123", "Zoë", "Ana-María", "\U0001f913", "李小龍"]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÄäéß 0123456789.,!?:-\U0001f600", min_size=0, max_size=30)
LINE = st.builds(lambda first, rest: first + rest, st.sampled_from("AbcXyzÉ"), WORDS).map(str.rstrip)

AM_PM = [("AM", "PM"), ("am", "pm"), ("a. m.", "p. m."), ("a.\u00a0m.", "p.\u00a0m."), ("a.m.", "p.m.")]


@dataclass(frozen=True)
class Style:
    ios: bool
    order: str  # "DMY", "MDY", "YMD"
    four_digit_year: bool
    separator: str
    pad: bool
    twelve_hour: tuple[str, str] | None
    space: str  # before AM/PM
    seconds: bool
    comma: bool
    crlf: bool
    bom: bool
    blank_lines: bool

    def head(self, at: datetime) -> str:
        year = f"{at.year}" if self.four_digit_year else f"{at.year % 100:02d}"
        day, month = (f"{at.day:02d}", f"{at.month:02d}") if self.pad else (str(at.day), str(at.month))
        parts = {"DMY": (day, month, year), "MDY": (month, day, year), "YMD": (year, month, day)}[self.order]
        date = self.separator.join(parts)
        if self.twelve_hour:
            hour = at.hour % 12 or 12
            clock = f"{hour}:{at.minute:02d}" + (f":{at.second:02d}" if self.seconds else "")
            clock += self.space + self.twelve_hour[at.hour >= 12]
        else:
            clock = f"{at.hour:02d}:{at.minute:02d}" + (f":{at.second:02d}" if self.seconds else "")
        joined = f"{date}, {clock}" if self.comma else f"{date} {clock}"
        return f"[{joined}] " if self.ios else f"{joined} - "


styles = st.builds(
    Style,
    ios=st.booleans(),
    order=st.sampled_from(["DMY", "MDY", "YMD"]),
    four_digit_year=st.booleans(),
    separator=st.sampled_from(["/", ".", "-"]),
    pad=st.booleans(),
    twelve_hour=st.one_of(st.none(), st.sampled_from(AM_PM)),
    space=st.sampled_from([" ", "\u00a0", "\u202f"]),
    seconds=st.booleans(),
    comma=st.booleans(),
    crlf=st.booleans(),
    bom=st.booleans(),
    blank_lines=st.booleans(),
).filter(lambda s: s.four_digit_year or s.order != "YMD")  # no phone writes "21/01/02" year-first

messages = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.lists(LINE, min_size=1, max_size=3).map("\n".join),
        st.integers(min_value=0, max_value=3 * 24 * 3600),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(style=styles, chat=messages, start=st.datetimes(datetime(2010, 1, 1), datetime(2030, 12, 1)))
def test_a_chat_in_any_supported_format_reads_back_the_same(
    style: Style, chat: list[tuple[str, str, int]], start: datetime
) -> None:
    start = start.replace(microsecond=0, second=start.second if style.seconds else 0)
    # The first message falls on the 25th: a date only one order can read, as in any real chat of weeks.
    start = start.replace(day=25)
    at = start
    expected = []
    for author, text, gap in chat:
        at = at + timedelta(seconds=gap if style.seconds else gap - gap % 60)
        expected.append((wall_of(at), author, text))
    newline = "\r\n" if style.crlf else "\n"
    between = newline * 2 if style.blank_lines else newline
    lines = [
        style.head(datetime.fromisoformat(w)) + f"{author}: {text.replace(chr(10), newline)}"
        for w, author, text in expected
    ]
    raw = ("\ufeff" if style.bom else "") + between.join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        records = parse_text(Path(tmp), raw)
    assert skipped(records) == []
    assert [(wall(i), i.author_id, i.text) for i in items(records)] == expected


def wall_of(at: datetime) -> str:
    return at.isoformat(sep=" ")
