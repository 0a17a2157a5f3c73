"""Turning the TZID of a file into an IANA time zone name.

Producers name zones in several ways: IANA names (Google, Apple, Meetup), Windows names ("W. Europe
Standard Time", Outlook and Exchange), "globally unique" ids ("/freeassociation.sourceforge.net/Europe/
Berlin", libical), or a custom VTIMEZONE whose TZID is only a label ("Customized Time Zone",
"(UTC+01:00) Amsterdam, Berlin, ...") and whose offsets are the only truth. Each file gets its own
`ZoneResolver`: a custom VTIMEZONE of one upload never leaks into another's reading.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from importlib import resources
from pathlib import Path

from icalendar import Timezone
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

UTC_NAMES = frozenset({"utc", "z", "gmt", "etc/utc", "etc/gmt", "etc/uct", "uct", "zulu", "etc/zulu",
                       "universal", "etc/universal", "greenwich", "etc/greenwich", "gmt+0", "gmt-0",
                       "gmt0", "etc/gmt0", "etc/gmt+0", "etc/gmt-0", "coordinated universal time",
                       "utc standard time", "greenwich mean time"})  # fmt: skip


def _tzdata_file(name: str) -> str:
    """A file of the IANA database: from the tzdata package, else the system's zoneinfo directory."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


@functools.cache
def _available() -> dict[str, str]:
    """Every zone key the system knows, by its lower-case spelling."""
    return {key.lower(): key for key in zoneinfo.available_timezones()}


@functools.cache
def _zone_tab() -> tuple[str, ...]:
    """The zones of zone.tab: one or more per country, the names people recognise."""
    names = []
    for row in _tzdata_file("zone.tab").splitlines():
        if row and not row.startswith("#"):
            parts = row.split("\t")
            if len(parts) >= 3:
                names.append(parts[2])
    return tuple(names)


@functools.cache
def _renamed() -> dict[str, str]:
    """Old names to their current one ("Asia/Calcutta" -> "Asia/Kolkata"), from the database's links.

    Only links whose old name is no longer in zone.tab: "Europe/Oslo" is a link to Europe/Berlin, but
    it is still Norway's name, and a Norwegian host must not see their meetup "in Berlin".
    """
    listed = set(_zone_tab())
    out = {}
    for row in _tzdata_file("tzdata.zi").splitlines():
        if row.startswith("L "):
            parts = row.split()
            if len(parts) == 3 and parts[2] not in listed and parts[1] in listed:
                out[parts[2]] = parts[1]
    return out


def known_zone(name: str) -> str | None:
    """The IANA name for `name` if the system knows it (any letter case, old names renamed), else None."""
    cleaned = name.strip().strip('"').strip()
    if cleaned.lower() in UTC_NAMES:
        return "UTC"
    key = _available().get(cleaned.lower())
    if key is None:
        return None
    return _renamed().get(key, key)


def zone_from_name(tzid: str) -> str | None:
    """An IANA name from the TZID alone: IANA, Windows, or a "globally unique" id; None if none fits."""
    cleaned = tzid.strip().strip('"').strip()
    if not cleaned:
        return None
    found = known_zone(cleaned.strip("/"))
    if found:
        return found
    windows = WINDOWS_TO_OLSON.get(cleaned) or _windows_lower().get(cleaned.lower())
    if windows:
        return known_zone(windows) or windows
    if "/" in cleaned:
        parts = [p for p in cleaned.split("/") if p]
        for start in range(1, len(parts)):
            found = known_zone("/".join(parts[start:]))
            if found and found != "UTC":
                return found
    return None


@functools.cache
def _windows_lower() -> dict[str, str]:
    return {key.lower(): value for key, value in WINDOWS_TO_OLSON.items()}


def _samples(year: int) -> list[datetime]:
    """Instants spread over two years (every 61 hours, so each weekday and hour of day comes round)."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    return [start + timedelta(hours=61 * i) for i in range(0, 2 * 366 * 24 // 61)]


def _offsets(tz: tzinfo, instants: list[datetime]) -> tuple[timedelta | None, ...]:
    return tuple(instant.astimezone(tz).utcoffset() for instant in instants)


# When offsets alone cannot tell zones apart, the zone most people mean comes first ("Eastern Time" is
# New York, not Indianapolis, which has had the same rules since 2007).
_USUAL = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
          "America/Anchorage", "Pacific/Honolulu", "America/Halifax", "America/St_Johns", "America/Mexico_City",
          "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Europe/Helsinki", "Europe/Moscow",
          "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland")  # fmt: skip


@functools.cache
def _candidates() -> tuple[str, ...]:
    """Zones a custom VTIMEZONE may turn out to be: the usual ones, then Windows' choice per region."""
    windows = sorted({known_zone(z) or z for z in WINDOWS_TO_OLSON.values() if "/" in z and not z.startswith("Etc/")})
    ordered = list(_USUAL) + [z for z in windows if z not in _USUAL]
    ordered += sorted(set(_zone_tab()) - set(ordered))
    return tuple(z for z in ordered if known_zone(z))


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def zone_from_offsets(tz: tzinfo, *, label: str, year: int) -> str | None:
    """The IANA zone with the same offsets as `tz` over `year` and the next; None if there is none.

    When several match (all of central Europe does), a city named in `label` wins ("(UTC+01:00)
    Amsterdam, Berlin, Bern, ..." gives Europe/Amsterdam), then the zone Windows picks for its region.
    A zone without daylight saving and no IANA match becomes Etc/GMT±N when its offset is whole hours.
    """
    instants = _samples(year)
    probe = [instants[0], instants[len(instants) // 4], instants[len(instants) // 2]]
    wanted_probe = _offsets(tz, probe)
    wanted = _offsets(tz, instants)
    matches = [
        name
        for name in _candidates()
        if _offsets(_zone(name), probe) == wanted_probe and _offsets(_zone(name), instants) == wanted
    ]
    if matches:
        words = label.lower().replace("_", " ")
        named = [(words.find(m.rsplit("/", 1)[-1].lower().replace("_", " ")), m) for m in matches]
        in_label = sorted((pos, m) for pos, m in named if pos >= 0)
        return in_label[0][1] if in_label else matches[0]
    distinct = {o for o in wanted if o is not None}
    if len(distinct) == 1:
        (offset,) = distinct
        hours, rest = divmod(int(offset.total_seconds()), 3600)
        if rest == 0 and -14 <= hours <= 12:
            # POSIX signs: Etc/GMT-1 is one hour ahead of UTC.
            return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    return None


_GLOBAL_ID = re.compile(r"^/[^/]+/")


@dataclass
class ZoneResolver:
    """Resolves the TZIDs of one file, remembering each answer (and why a zone could not be found)."""

    vtimezones: dict[str, Timezone] = field(default_factory=dict)
    _cache: dict[str, str | None] = field(default_factory=dict)

    def add(self, component: Timezone) -> None:
        tzid = str(component.get("TZID", "")).strip()
        if tzid:
            self.vtimezones.setdefault(tzid, component)

    def resolve(self, tzid: str, *, year: int) -> str | None:
        """The IANA name `tzid` means in this file, or None when neither its name nor a VTIMEZONE tells."""
        if tzid in self._cache:
            return self._cache[tzid]
        found = zone_from_name(tzid)
        if found is None and tzid in self.vtimezones:
            found = self._from_component(self.vtimezones[tzid], label=tzid, year=year)
        self._cache[tzid] = found
        return found

    def _from_component(self, component: Timezone, *, label: str, year: int) -> str | None:
        # A VTIMEZONE may carry a recognisable name inside (X-LIC-LOCATION from libical, TZNAME is
        # too vague: "CET" is many zones).
        location = str(component.get("X-LIC-LOCATION", "")).strip()
        if location and (found := zone_from_name(location)):
            return found
        try:
            tz = tzp.create_timezone(component)  # built from this file only, never cached globally
        except Exception:  # dateutil rejects malformed VTIMEZONEs in many ways  # noqa: BLE001
            return None
        return zone_from_offsets(tz, label=label, year=max(1971, min(year, 2100)))


def zone_range(starts: list[date], *, open_ended: bool) -> tuple[date, date]:
    """The span a written VTIMEZONE must cover: from the first start's year to a few years on."""
    first = min(starts)
    last = max(starts)
    end_year = max(last.year + 2, 2038) if open_ended else last.year + 2
    return date(first.year, 1, 1), date(end_year, 1, 1)
