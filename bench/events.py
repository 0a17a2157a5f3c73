"""Expanding 500 recurring series for a month view, against a plain list of 500 single events, in one run.

Run: `uv run python bench/events.py [--series 500 --repeat 5 --year 2026]`. Pure Python, no database.

The series are generated with a fixed seed, a mix of what communities schedule: weekly meetups (one or two
days, every week or every other week), monthly ones on the Nth or last weekday or on a day of the month,
daily stand-ups (every day or on weekdays) and a few yearly ones; a fifth end with COUNT or UNTIL, the rest
never end. They start during the year before `--year` at evening times in six zones (Berlin, New York,
São Paulo, Tokyo, Sydney, UTC). A month view is the month grid's span in the viewer's zone (Europe/Berlin:
from the Monday on or before the 1st to the Sunday on or after the last day, 35 or 42 days); each of the
twelve months of `--year` is one view, and the figure is the median view, each view the best of `--repeat`.

* `month_view_ms`: `recurrence.expand` of all the series over the view (what a calendar would cost without
  stored occurrences).
* `single_month_view_ms` (the baseline): 500 single events whose start and end are stored, as the
  Occurrence rows store them; a view keeps those that overlap it and builds their `Slot`s.
* `single_expand_month_view_ms`: the same 500 single events through `expand("")`, the engine's own cost
  per event.
* `horizon_expand_ms`: expanding every series once over two years from the start of `--year` (the
  recurrence horizon, what materializing the occurrences costs), with the number of occurrences.

Rendering the month page for the same events is `month_page_figures` below: it measures nothing until the
events views exist, and the run says so. The last line reads `month_view_ms=… single_month_view_ms=…
month_view_ratio_vs_single=… single_expand_month_view_ms=… occurrences_per_view=… horizon_expand_ms=…
horizon_occurrences=…`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from townhall.events.recurrence import DAYS, HORIZON, Slot, expand

ZONES = ["Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Asia/Tokyo", "Australia/Sydney", "UTC"]
VIEWER = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Series:
    rule: str
    start_local: datetime
    zone_name: str
    duration: timedelta


def make_series(count: int, year: int, rng: random.Random) -> list[Series]:
    """`count` series starting during the year before `year`, in the mix the module docstring gives."""
    made = []
    for _ in range(count):
        start = datetime(year - 1, 1, 1, rng.choice([7, 9, 12, 18, 19, 20]), rng.choice([0, 30])) + timedelta(
            days=rng.randrange(365)
        )
        day = DAYS[start.weekday()]
        kind = rng.random()
        if kind < 0.45:
            second = DAYS[(start.weekday() + 3) % 7]
            rule = (
                f"FREQ=WEEKLY;INTERVAL={rng.choice([1, 1, 2])};BYDAY={rng.choice([day, f'{day},{second}'])}"
            )
        elif kind < 0.75:
            nth = rng.choice([f"{(start.day - 1) // 7 + 1 if start.day <= 28 else -1}{day}", "-1" + day])
            rule = rng.choice([f"FREQ=MONTHLY;BYDAY={nth}", f"FREQ=MONTHLY;BYMONTHDAY={min(start.day, 28)}"])
        elif kind < 0.95:
            rule = rng.choice(["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=DAILY;INTERVAL=2"])
        else:
            rule = "FREQ=YEARLY"
        ending = rng.random()
        if ending < 0.1:
            rule += f";COUNT={rng.randrange(10, 200)}"
        elif ending < 0.2:
            rule += f";UNTIL={year}{rng.randrange(1, 13):02d}15T000000Z"
        made.append(Series(rule, start, rng.choice(ZONES), timedelta(minutes=rng.choice([30, 60, 90, 120]))))
    return made


def month_views(year: int) -> list[tuple[datetime, datetime]]:
    """The twelve month grids of `year` in the viewer's zone, as UTC windows."""
    views = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        grid_start = first - timedelta(days=first.weekday())
        grid_end = last + timedelta(days=7 - last.weekday())
        views.append(
            (
                datetime.combine(grid_start, datetime.min.time(), VIEWER).astimezone(UTC),
                datetime.combine(grid_end, datetime.min.time(), VIEWER).astimezone(UTC),
            )
        )
    return views


def expand_view(series: list[Series], window: tuple[datetime, datetime]) -> int:
    found = 0
    for one in series:
        found += len(
            expand(
                one.rule,
                start_local=one.start_local,
                zone_name=one.zone_name,
                duration=one.duration,
                window_start=window[0],
                window_end=window[1],
            )
        )
    return found


def stored_view(stored: list[tuple[datetime, datetime]], window: tuple[datetime, datetime]) -> int:
    """The baseline: stored starts and ends (as Occurrence rows hold them), filtered and made into Slots."""
    slots = [
        Slot(recurrence_id=s, starts_at=s, ends_at=e) for s, e in stored if s < window[1] and e > window[0]
    ]
    return len(slots)


def best(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    fastest, result = float("inf"), 0
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        fastest = min(fastest, time.perf_counter() - began)
    return fastest, result


def month_page_figures() -> dict[str, float] | None:
    """Rendering the month page for the same 500 series, against the same page for 500 single events.

    Needs the events views (issue 11's month grid), which do not exist yet: until someone adds the
    measurement here, this returns None and the run prints that the page was not measured.
    """
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(7)
    series = make_series(args.series, args.year, rng)
    singles = [
        Series("", datetime(args.year, 1, 1, 19) + timedelta(days=rng.randrange(365)), rng.choice(ZONES),
               timedelta(hours=2))
        for _ in range(args.series)
    ]  # fmt: skip
    stored = [
        (s.start_local.replace(tzinfo=ZoneInfo(s.zone_name)).astimezone(UTC),
         s.start_local.replace(tzinfo=ZoneInfo(s.zone_name)).astimezone(UTC) + s.duration)
        for s in singles
    ]  # fmt: skip
    views = month_views(args.year)
    expand_view(series, views[0])  # warm the parse and zone caches, as a running server has them
    recurring, single, single_expand, counts = [], [], [], []
    for window in views:
        seconds, found = best(lambda w=window: expand_view(series, w), args.repeat)  # type: ignore[misc]
        recurring.append(seconds)
        counts.append(found)
        single.append(best(lambda w=window: stored_view(stored, w), args.repeat)[0])  # type: ignore[misc]
        single_expand.append(best(lambda w=window: expand_view(singles, w), args.repeat)[0])  # type: ignore[misc]
    month_ms = statistics.median(recurring) * 1000
    single_ms = statistics.median(single) * 1000
    single_expand_ms = statistics.median(single_expand) * 1000
    horizon = (
        datetime(args.year, 1, 1, tzinfo=UTC),
        datetime(args.year, 1, 1, tzinfo=UTC) + HORIZON,
    )
    horizon_seconds, horizon_count = best(lambda: expand_view(series, horizon), max(1, args.repeat // 2))
    print(f"{args.series} series, {len(views)} month views of {args.year} in {VIEWER.key}")
    print(
        f"  expand all series per view:      {month_ms:8.2f} ms (median; {statistics.median(counts):.0f} occurrences)"
    )
    print(f"  500 stored single events -> Slot: {single_ms:8.3f} ms (baseline)")
    print(f"  500 single events via expand(''): {single_expand_ms:8.2f} ms")
    print(
        f"  every series over the horizon:   {horizon_seconds * 1000:8.1f} ms ({horizon_count} occurrences)"
    )
    page = month_page_figures()
    if page is None:
        print("  month page rendering: not measured (the events views do not exist yet)")
    else:
        for name, value in page.items():
            print(f"  {name}: {value:.2f}")
    print(
        f"month_view_ms={month_ms:.2f} single_month_view_ms={single_ms:.3f} "
        f"month_view_ratio_vs_single={month_ms / single_ms:.0f} single_expand_month_view_ms={single_expand_ms:.2f} "
        f"occurrences_per_view={statistics.median(counts):.0f} horizon_expand_ms={horizon_seconds * 1000:.1f} "
        f"horizon_occurrences={horizon_count}"
    )


if __name__ == "__main__":
    main()
