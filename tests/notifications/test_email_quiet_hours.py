"""The stand-in for the preferences' hold_until (quiet hours in the member's time zone, a pause), which
the email channel asks at send time: table-tested."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from townhall.notifications.preferences import hold_until

UTC = dt.UTC


def prefs(quiet: tuple[int, int] | None = None, paused_until: dt.datetime | None = None) -> SimpleNamespace:
    start, end = (dt.time(quiet[0]), dt.time(quiet[1])) if quiet else (None, None)
    return SimpleNamespace(quiet_from=start, quiet_until=end, paused_until=paused_until)


@pytest.mark.parametrize(
    ("quiet", "zone", "now", "expected"),
    [
        (None, "", dt.datetime(2030, 1, 1, 3, 0, tzinfo=UTC), None),
        ((22, 7), "", dt.datetime(2030, 1, 1, 21, 59, tzinfo=UTC), None),
        ((22, 7), "", dt.datetime(2030, 1, 1, 22, 0, tzinfo=UTC), dt.datetime(2030, 1, 2, 7, 0, tzinfo=UTC)),
        ((22, 7), "", dt.datetime(2030, 1, 2, 6, 59, tzinfo=UTC), dt.datetime(2030, 1, 2, 7, 0, tzinfo=UTC)),
        ((22, 7), "", dt.datetime(2030, 1, 2, 7, 0, tzinfo=UTC), None),
        (
            (13, 14),
            "",
            dt.datetime(2030, 1, 2, 13, 30, tzinfo=UTC),
            dt.datetime(2030, 1, 2, 14, 0, tzinfo=UTC),
        ),
        (
            (22, 7),
            "America/New_York",
            dt.datetime(2030, 1, 2, 4, 0, tzinfo=UTC),
            dt.datetime(2030, 1, 2, 12, 0, tzinfo=UTC),
        ),
        (
            (22, 7),
            "Not/A_Zone",
            dt.datetime(2030, 1, 1, 23, 0, tzinfo=UTC),
            dt.datetime(2030, 1, 2, 7, 0, tzinfo=UTC),
        ),
        ((8, 8), "", dt.datetime(2030, 1, 1, 8, 0, tzinfo=UTC), None),  # from == until: no quiet hours
    ],
)
def test_quiet_hours(
    quiet: tuple[int, int] | None, zone: str, now: dt.datetime, expected: dt.datetime | None
) -> None:
    assert hold_until(prefs(quiet), now, time_zone=zone) == expected  # type: ignore[arg-type]


def test_a_pause_wins_and_ends_when_it_ends() -> None:
    now = dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    until = now + dt.timedelta(days=1)
    assert hold_until(prefs((22, 7), paused_until=until), now) == until  # type: ignore[arg-type]
    assert hold_until(prefs(paused_until=now - dt.timedelta(minutes=1)), now) is None  # type: ignore[arg-type]
