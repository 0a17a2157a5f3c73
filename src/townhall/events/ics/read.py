"""Reading an uploaded iCalendar file into `ReadResult`: the events, and every other component with why.

Two passes. A cheap scan of the unfolded lines first checks the file's shape (size, BEGIN/END pairs,
unreadable lines, how many components) and notes the line where each component begins, so that a file
that is not iCalendar, is cut short or is too big is refused with a sentence that names the line, before
any parsing. Then `icalendar` parses it, and each VEVENT is read on its own: one bad event is skipped with
its reason, the others still come through.

Time zones are resolved per file (`zones.ZoneResolver`), never through the library's process-wide cache
of custom VTIMEZONEs: an upload must not be read with another upload's zones, and a file with thousands
of made-up TZIDs must not grow the server's memory.

Cost, measured on a generated file of 5,000 timed events with a description and categories (2.5 MB):
about 7 s on a busy 2-core machine (1.4 ms per event, four fifths of it in the library's content-line
parser) and 43 MB of peak memory (tracemalloc), i.e. ~17 times the file's size. Both grow linearly; the
limits (10 MB, 5,000 components) keep one upload under ~10 s and ~200 MB.
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component, vRecur
from icalendar.parser.ical.calendar import CalendarIcalParser

from townhall.events.ics.records import STATUSES, IcsError, IcsEvent, ReadResult, Skipped
from townhall.events.ics.zones import ZoneResolver

MAX_DEPTH = 6  # VCALENDAR > VEVENT > VALARM is 3; VTIMEZONE > STANDARD is 3
NOT_EVENTS = {
    "VTODO": "it is a to-do, not an event",
    "VJOURNAL": "it is a journal entry, not an event",
    "VFREEBUSY": "it is free/busy information, not an event",
    "VAVAILABILITY": "it is availability information, not an event",
    "VALARM": "it is an alarm outside any event",
}
# Properties whose damage makes an event unreadable; damage elsewhere only loses that property.
ESSENTIAL = {None, "DTSTART", "DTEND", "DURATION", "RRULE", "RECURRENCE-ID", "EXDATE", "UID"}

_NEWLINES_B = re.compile(rb"\r\n|\r|\n")
_LINE_START = re.compile(r"[A-Za-z0-9-]+[;:]")


class _Parser(CalendarIcalParser):
    """The library's parser, leaving time zones to `ZoneResolver` (see the module doc).

    No process-wide cache of custom VTIMEZONEs, no time zone lookups: a time with a TZID is left naive
    with its TZID parameter, and the resolver gives it the zone this file means. No re-parse for forward
    references to a VTIMEZONE either: the resolver sees every VTIMEZONE of the file, wherever it is.
    """

    def handle_end_component(self, vals: str) -> None:
        if not self._stack:
            raise ValueError("END encountered without an accompanying BEGIN!")
        component = self._stack.pop()
        if not self._stack:
            self._components.append(component)
        else:
            self._stack[-1].add_component(component)

    def prepare_components(self) -> None:
        return None

    def parse_and_add_property(self, name: str, params: Any, val: str, tzid: str | None, line: Any) -> None:
        # Times stay naive with their TZID parameter: ZoneResolver gives them their zone.
        super().parse_and_add_property(name, params, val, None, line)


class _Calendar(Calendar):
    @classmethod
    def _get_ical_parser(cls, st: str | bytes) -> _Parser:
        return _Parser(st, cls._get_component_factory(), cls.types_factory)


def read_calendar(data: bytes, *, max_bytes: int = 10 * 1024 * 1024, max_events: int = 5000) -> ReadResult:
    """Read an iCalendar file. Raises `IcsError` when the file as a whole cannot be used.

    Refused as a whole: empty, not iCalendar, no VCALENDAR, a line that is not an iCalendar line,
    unbalanced BEGIN/END (a file cut short), more than `max_bytes`, more than `max_events` components.
    Skipped one by one (in `ReadResult.skipped`, with the reason): to-dos, journal entries and other
    components that are not events; events without a start, with an end before the start, in a time
    zone that neither the system nor the file defines, with a repeat rule that cannot be used.
    """
    if len(data) > max_bytes:
        raise IcsError(
            f"The file is {_size(len(data))}; a calendar file may be at most {_size(max_bytes)}. "
            "Export a shorter period, or split the calendar into several files."
        )
    if not data.strip():
        raise IcsError("The file is empty.")
    lines = _unfold(data)
    tops = _check_shape(lines, max_events=max_events)
    try:
        calendars = _Calendar.from_ical("\n".join(line for line, _ in lines) + "\n", multiple=True)
    except Exception as exc:  # the library raises ValueError, and a few others on odd input  # noqa: BLE001
        raise IcsError(f"The file could not be read as iCalendar: {_clip(str(exc), 160)}") from exc
    if not calendars:
        raise IcsError("The file holds no calendar (no BEGIN:VCALENDAR … END:VCALENDAR).")

    resolver = ZoneResolver()
    children = [child for cal in calendars for child in cal.subcomponents]
    for child in children:
        if child.name == "VTIMEZONE":
            resolver.add(child)  # type: ignore[arg-type]
    first = calendars[0]
    name = _text(first.get("X-WR-CALNAME") or first.get("NAME"))
    wr_zone = _text(first.get("X-WR-TIMEZONE"))
    default_zone = (resolver.resolve(wr_zone, year=2025) if wr_zone else None) or None
    line_of = [number for _, number in tops] if len(tops) == len(children) else [None] * len(children)

    reader = _EventReader(resolver=resolver, default_zone=default_zone)
    events: list[IcsEvent] = []
    skipped: list[Skipped] = []
    for child, line in zip(children, line_of, strict=True):
        kind = (child.name or "").upper()
        if kind == "VTIMEZONE":
            continue
        if kind != "VEVENT":
            reason = NOT_EVENTS.get(kind, f"{kind} is not an event")
            skipped.append(Skipped(what=kind, uid=_text(child.get("UID")), line=line, reason=reason))
            continue
        result = reader.read(child, line=line)
        if isinstance(result, IcsEvent):
            events.append(result)
        else:
            skipped.append(result)
    return ReadResult(
        name=name, zone_name=default_zone, events=events, skipped=skipped, product=_text(first.get("PRODID"))
    )


# The shape of the file.


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _clip(value: str, limit: int = 60) -> str:
    value = value.replace("\t", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _unfold(data: bytes) -> list[tuple[str, int]]:
    """Content lines with the physical line where each begins (RFC 5545 §3.1 folding; CRLF, LF or CR).

    Unfolded as bytes, then decoded: a producer may fold in the middle of a multi-byte character.
    UTF-8 (with or without a byte order mark) as the RFC says; Windows-1252 for old Outlook exports.
    """
    if b"\x00" in data[:4096]:
        raise IcsError("This is not an iCalendar file: it holds binary data. Export the calendar as .ics.")
    parts: list[tuple[list[bytes], int]] = []  # pieces joined once: a long value may have 10,000 folds
    for number, raw in enumerate(_NEWLINES_B.split(data.removeprefix(b"\xef\xbb\xbf")), start=1):
        if raw[:1] in (b" ", b"\t") and parts:
            parts[-1][0].append(raw[1:])
        elif raw.strip():
            parts.append(([raw], number))
    folded = [(b"".join(pieces), number) for pieces, number in parts]
    try:
        return [(raw.decode("utf-8"), number) for raw, number in folded]
    except UnicodeDecodeError:
        return [(raw.decode("cp1252", errors="replace"), number) for raw, number in folded]


def _check_shape(lines: list[tuple[str, int]], *, max_events: int) -> list[tuple[str, int]]:
    """Refuse a file that is not a well-formed calendar; return each calendar child's name and line."""
    if not lines:
        raise IcsError("The file is empty.")
    head = lines[0][0].strip().upper()
    if head != "BEGIN:VCALENDAR":
        if head == "BEGIN:VCARD":
            raise IcsError("This is a contact card (vCard), not a calendar. Export the calendar as .ics.")
        if head.startswith("BEGIN:V"):
            raise IcsError(
                f"The file has no calendar around its contents: it starts with {_clip(head)} where "
                "BEGIN:VCALENDAR should be."
            )
        raise IcsError(
            "This is not an iCalendar file: it should start with BEGIN:VCALENDAR. "
            "Export the calendar as .ics (iCalendar) and upload that file."
        )
    stack: list[tuple[str, int]] = []
    tops: list[tuple[str, int]] = []
    items = 0
    for line, number in lines:
        if not _LINE_START.match(line) or ":" not in line:
            raise IcsError(f"Line {number} is not an iCalendar line: “{_clip(line)}”. The file may be damaged.")
        head, _, value = line.partition(":")
        key = head.split(";", 1)[0].upper()
        if key == "BEGIN":
            kind = value.strip().upper()
            if not stack and kind != "VCALENDAR":
                raise IcsError(f"Line {number}: BEGIN:{_clip(kind)} is outside the calendar.")
            if len(stack) == 1:
                tops.append((kind, number))
                if kind != "VTIMEZONE":
                    items += 1
                    if items > max_events:
                        raise IcsError(
                            f"The file holds more than {max_events:,} events and other items; import at most "
                            f"{max_events:,} at a time (export a shorter period, or split the file)."
                        )
            if len(stack) >= MAX_DEPTH:
                raise IcsError(f"Line {number}: components are nested too deeply.")
            stack.append((kind, number))
        elif key == "END":
            kind = value.strip().upper()
            if not stack:
                raise IcsError(f"Line {number}: END:{_clip(kind)} has no matching BEGIN.")
            if stack[-1][0] != kind:
                open_kind, open_line = stack[-1]
                raise IcsError(
                    f"Line {number}: END:{_clip(kind)} where END:{open_kind} (begun on line {open_line}) "
                    "was expected. The file is damaged."
                )
            stack.pop()
        elif not stack:
            raise IcsError(f"Line {number} is outside the calendar: “{_clip(line)}”.")
    if stack:
        kind, number = stack[-1]
        raise IcsError(
            f"The file ends inside {kind} (begun on line {number}): END:{kind} is missing. "
            "It may have been cut short; export it again."
        )
    return tops


# One event.


type Moment = datetime | date


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value if v is not None).strip()
    return str(value).strip()


def _utc(value: Any) -> datetime | None:
    dt = getattr(value, "dt", None)
    if isinstance(dt, datetime):
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return None


def _int(value: Any) -> int:
    try:
        return max(0, int(str(value).strip()))
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class _Prop:
    """A value and its parameters, as the library's date properties carry them."""

    dt: Any
    params: dict[str, Any]


def _sort_key(value: Moment) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _EventReader:
    def __init__(self, *, resolver: ZoneResolver, default_zone: str | None) -> None:
        self.resolver = resolver
        self.default_zone = default_zone
        self.made_up: Counter[str] = Counter()

    def read(self, comp: Component, *, line: int | None) -> IcsEvent | Skipped:
        uid = _text(comp.get("UID"))
        try:
            return self._read(comp, uid=uid, line=line)
        except _Skip as skip:
            return Skipped(what="VEVENT", uid=uid, line=line, reason=skip.reason)

    def _read(self, comp: Component, *, uid: str, line: int | None) -> IcsEvent:
        broken = [(name, message) for name, message in comp.errors if (name.upper() if name else None) in ESSENTIAL]
        if broken:
            name, message = broken[0]
            raise _Skip(f"{name or 'a line'} could not be read ({_clip(message, 80)})")
        title = _text(comp.get("SUMMARY"))
        if comp.get("DTSTART") is None:
            raise _Skip("it has no start time (DTSTART)")
        start, zone = self._moment(comp["DTSTART"], "DTSTART")
        all_day = type(start) is date
        end = self._end(comp, start, zone)
        if _is_true(comp.get("X-MICROSOFT-CDO-ALLDAYEVENT")) and isinstance(start, datetime):
            # Outlook's all-day events are sometimes midnight to midnight in a zone.
            assert isinstance(end, datetime)
            if start.time() == time(0) and end.time() == time(0) and end > start:
                start, end, all_day, zone = start.date(), end.date(), True, None
        if end < start:  # type: ignore[operator]
            raise _Skip(f"it ends ({_show(end)}) before it starts ({_show(start)})")
        if all_day and end == start:
            end = start + timedelta(days=1)
        rrule = self._rrule(comp, start)
        if zone == "UTC" and self.default_zone and self.default_zone != "UTC" and not rrule:
            # A single event stored in UTC (Google, Meetup) is shown in the calendar's own zone.
            assert isinstance(start, datetime) and isinstance(end, datetime)
            tz = zoneinfo.ZoneInfo(self.default_zone)
            start, end, zone = start.astimezone(tz), end.astimezone(tz), self.default_zone
        recurrence_id = None
        if comp.get("RECURRENCE-ID") is not None:
            recurrence_id = self._align(self._moment(comp["RECURRENCE-ID"], "RECURRENCE-ID")[0], start)
        status = _text(comp.get("STATUS")).upper()
        organizer = comp.get("ORGANIZER")
        made_up = not uid
        if made_up:
            uid = self._made_up_uid(start, title)
        return IcsEvent(
            uid=uid,
            title=title,
            start=start,
            end=end,
            all_day=all_day,
            zone_name=None if all_day else zone,
            sequence=_int(comp.get("SEQUENCE")),
            description=_text(comp.get("DESCRIPTION")),
            rrule=rrule,
            exdates=self._dates(comp, "EXDATE", start),
            rdates=self._dates(comp, "RDATE", start),
            recurrence_id=recurrence_id,
            status=status if status in STATUSES else "CONFIRMED",
            location=_text(comp.get("LOCATION")),
            url=_text(comp.get("URL")),
            categories=_categories(comp.get("CATEGORIES")),
            organizer_name=_text(getattr(organizer, "params", {}).get("CN")) if organizer is not None else "",
            organizer_email=_email(organizer),
            has_alarms=any((sub.name or "").upper() == "VALARM" for sub in comp.subcomponents),
            last_modified=_utc(comp.get("LAST-MODIFIED")),
            line=line,
            uid_made_up=made_up,
        )

    def _moment(self, prop: Any, name: str) -> tuple[Moment, str | None]:
        """A property's value as a date, an aware datetime in its IANA zone, or a naive floating time."""
        if isinstance(prop, list):  # a property given twice: the first counts
            prop = prop[0]
        value = getattr(prop, "dt", None)
        params = getattr(prop, "params", {})
        if isinstance(value, datetime):
            if str(params.get("VALUE", "")).upper() == "DATE":
                return value.date(), None
            tzid = _text(params.get("TZID"))
            if tzid:
                zone = self.resolver.resolve(tzid, year=value.year)
                if zone is None:
                    raise _Skip(
                        f"its {name} is in the time zone “{_clip(tzid)}”, which the file does not define "
                        "and which is not a known time zone"
                    )
                return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone)), zone
            if value.tzinfo is not None:
                return value.astimezone(zoneinfo.ZoneInfo("UTC")), "UTC"
            if self.default_zone:
                return value.replace(tzinfo=zoneinfo.ZoneInfo(self.default_zone)), self.default_zone
            return value, None
        if isinstance(value, date):
            return value, None
        if isinstance(value, tuple) and value and isinstance(value[0], date):  # a PERIOD: its start
            return self._moment(_Prop(value[0], params), name)
        raise _Skip(f"its {name} is not a date or a date-time")

    def _end(self, comp: Component, start: Moment, zone: str | None) -> Moment:
        if comp.get("DTEND") is not None:
            end, _ = self._moment(comp["DTEND"], "DTEND")
            if isinstance(start, datetime) != isinstance(end, datetime):
                if isinstance(start, datetime):
                    raise _Skip("its start is a date-time but its end (DTEND) is a date")
                raise _Skip("its start is a date but its end (DTEND) is a date-time")
            if isinstance(start, datetime) and isinstance(end, datetime):
                if (start.tzinfo is None) != (end.tzinfo is None):
                    raise _Skip("its start and end mix a floating time and a time in a zone")
                if start.tzinfo is not None:
                    end = end.astimezone(start.tzinfo)
            return end
        duration = getattr(comp.get("DURATION"), "dt", None)
        if duration is not None:
            if not isinstance(duration, timedelta):
                raise _Skip("its DURATION is not a duration")
            if duration < timedelta(0):
                raise _Skip("its DURATION is negative")
            if type(start) is date:
                return start + timedelta(days=max(1, duration.days))
            return start + duration
        return start + timedelta(days=1) if type(start) is date else start

    def _rrule(self, comp: Component, start: Moment) -> str:
        rule = comp.get("RRULE")
        if isinstance(rule, list):
            rule = rule[0] if rule else None
        if rule is None:
            return ""
        if not isinstance(rule, vRecur):
            raise _Skip("its repeat rule (RRULE) could not be read")
        rule = vRecur.from_ical(rule.to_ical().decode())
        untils = rule.get("UNTIL")
        if untils:
            rule["UNTIL"] = [self._until(untils[0] if isinstance(untils, list) else untils, start)]
        text = rule.to_ical().decode()
        try:
            rrulestr(text, dtstart=start if isinstance(start, datetime) else datetime.combine(start, time(0)))
        except (ValueError, TypeError, OverflowError) as exc:
            raise _Skip(f"its repeat rule (RRULE) cannot be used: {_clip(str(exc), 80)}") from exc
        return text

    @staticmethod
    def _until(until: Any, start: Moment) -> Moment:
        """UNTIL of the same kind as the start, as RFC 5545 asks (producers mix them): UTC when zoned."""
        if type(start) is date:
            return until.date() if isinstance(until, datetime) else until
        assert isinstance(start, datetime)
        if not isinstance(until, datetime):
            until = datetime.combine(until, time(23, 59, 59))
        if start.tzinfo is None:
            return until.replace(tzinfo=None)
        if until.tzinfo is None:
            until = until.replace(tzinfo=start.tzinfo)
        return until.astimezone(zoneinfo.ZoneInfo("UTC"))

    def _dates(self, comp: Component, name: str, start: Moment) -> tuple[Moment, ...]:
        found = comp.get(name)
        if found is None:
            return ()
        out: list[Moment] = []
        for item in found if isinstance(found, list) else [found]:
            params = getattr(item, "params", {})
            for part in getattr(item, "dts", []):
                prop = _Prop(part.dt, {**params, **getattr(part, "params", {})})
                out.append(self._align(self._moment(prop, name)[0], start))
        return tuple(sorted(set(out), key=_sort_key))

    @staticmethod
    def _align(value: Moment, start: Moment) -> Moment:
        """An EXDATE/RDATE/RECURRENCE-ID of the same kind as the start, in the start's zone."""
        if type(start) is date:
            return value.date() if isinstance(value, datetime) else value
        assert isinstance(start, datetime)
        if not isinstance(value, datetime):  # a date for a timed series: that day at the series' time
            return datetime.combine(value, start.timetz())
        if start.tzinfo is not None and value.tzinfo is not None:
            return value.astimezone(start.tzinfo)
        if start.tzinfo is not None:
            return value.replace(tzinfo=start.tzinfo)
        return value.replace(tzinfo=None)

    def _made_up_uid(self, start: Moment, title: str) -> str:
        key = f"{start.isoformat()}|{title}"
        self.made_up[key] += 1
        digest = hashlib.sha256(f"{key}|{self.made_up[key]}".encode()).hexdigest()[:32]
        return f"{digest}@no-uid.ics"


def _show(value: Moment) -> str:
    return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()


def _is_true(value: Any) -> bool:
    return _text(value).upper() == "TRUE"


def _email(organizer: Any) -> str:
    if organizer is None:
        return ""
    if isinstance(organizer, list):
        organizer = organizer[0] if organizer else ""
    value = str(organizer).strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    return value if "@" in value else ""


def _categories(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    seen: dict[str, None] = {}
    for item in value if isinstance(value, list) else [value]:
        for cat in getattr(item, "cats", [item]):
            text = str(cat).strip()
            if text:
                seen.setdefault(text, None)
    return tuple(seen)
