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

With the database (skip it with `--no-db`; a fresh SQLite data directory, or DATABASE_URL=postgres://…),
in a child process: the same series and single events are stored as the app stores them (an Event each,
its Occurrence rows made by `occurrences.sync_occurrences` as of the 1st of January of `--year`), and
a month view is the calendar's range query over Occurrence rows (one space, `starts_at` before the view's
end and `ends_at` after its start, with the event joined), built into Slots:

* `materialize_ms_per_series`: `sync_occurrences` of one new series (two years of dates), on average.
* `db_month_view_ms` for the series and `db_single_month_view_ms` for the single events (the baseline),
  the median view, each the best of `--repeat`: Occurrence objects with their Event joined.
* `db_lean_month_view_ms`: the same query reading only what a grid cell shows (`values_list` of the
  occurrence's times, whether it is cancelled, and the event's id, title, zone and all-day flag).

Rendering the month page for the same events is `month_page_figures` below: it measures nothing until the
events views exist, and the run says so. The last line reads `month_view_ms=… single_month_view_ms=…
month_view_ratio_vs_single=… single_expand_month_view_ms=… occurrences_per_view=… horizon_expand_ms=…
horizon_occurrences=… materialize_ms_per_series=… db_month_view_ms=… db_single_month_view_ms=…
db_month_view_ratio_vs_single=… db_lean_month_view_ms=… db_lean_month_view_ratio_vs_single=…` (the
database figures only without `--no-db`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
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


DB_CHILD = textwrap.dedent(
    """
    import json, statistics, sys, time
    from datetime import datetime, timedelta, UTC
    import django
    django.setup()
    from django.db import transaction
    from townhall.events import recurrence
    from townhall.events.models import Event, Occurrence
    from townhall.events.occurrences import sync_occurrences
    from townhall.spaces.models import Space

    spec = json.loads(sys.stdin.read())
    now = datetime.fromisoformat(spec["now"])
    views = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in spec["views"]]

    def store(slug, events):
        space = Space.objects.create(slug=slug, name=slug.title(), visibility=Space.PUBLIC, kind="events")
        began = time.perf_counter()
        for rule, start, zone_name, minutes in events:
            start = datetime.fromisoformat(start)
            starts_at = recurrence.to_utc(start, zone_name)
            length = timedelta(minutes=minutes)
            with transaction.atomic():
                event = Event.objects.create(
                    space=space, title="Bench", time_zone=zone_name, starts_at=starts_at,
                    ends_at=starts_at + length, rrule=rule,
                    series_ends_at=recurrence.series_end(rule, start_local=start, zone_name=zone_name,
                                                         duration=length),
                )
                sync_occurrences(event, now=now)
        return space, time.perf_counter() - began

    def in_view(space, window):
        return (Occurrence.objects.filter(space=space, starts_at__lt=window[1], ends_at__gt=window[0])
                .order_by("starts_at", "id"))

    def view(space, window):
        rows = in_view(space, window).select_related("event")
        return len([recurrence.Slot(r.recurrence_id, r.starts_at, r.ends_at) for r in rows])

    def lean_view(space, window):
        rows = in_view(space, window).values_list(
            "recurrence_id", "starts_at", "ends_at", "cancelled_at", "event_id", "event__title",
            "event__time_zone", "event__all_day",
        )
        return len([recurrence.Slot(r[0], r[1], r[2]) for r in rows])

    def median_view(space, how=view):
        best_each = []
        for window in views:
            best = float("inf")
            for _ in range(spec["repeat"]):
                began = time.perf_counter()
                how(space, window)
                best = min(best, time.perf_counter() - began)
            best_each.append(best)
        return statistics.median(best_each)

    series_space, seconds = store("bench-series", spec["series"])
    single_space, _ = store("bench-single", spec["singles"])
    print(json.dumps({
        "materialize_ms_per_series": seconds * 1000 / len(spec["series"]),
        "rows": Occurrence.objects.filter(space=series_space).count(),
        "db_month_view_ms": median_view(series_space) * 1000,
        "db_single_month_view_ms": median_view(single_space) * 1000,
        "db_lean_month_view_ms": median_view(series_space, lean_view) * 1000,
        "db_lean_single_month_view_ms": median_view(single_space, lean_view) * 1000,
    }))
    """
)


def database_figures(
    series: list[Series],
    singles: list[Series],
    views: list[tuple[datetime, datetime]],
    year: int,
    repeat: int,
) -> dict[str, float]:
    """Store the events as the app does and time the calendar's range query; in a child process."""
    spec = {
        "now": datetime(year, 1, 1, tzinfo=UTC).isoformat(),
        "views": [(a.isoformat(), b.isoformat()) for a, b in views],
        "repeat": repeat,
        "series": [
            (s.rule, s.start_local.isoformat(), s.zone_name, s.duration.seconds // 60) for s in series
        ],
        "singles": [
            (s.rule, s.start_local.isoformat(), s.zone_name, s.duration.seconds // 60) for s in singles
        ],
    }
    with tempfile.TemporaryDirectory(prefix="townhall-bench-events-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env["TOWNHALL_DATA_DIR"] = str(Path(tmp) / "data")
        env["DJANGO_SETTINGS_MODULE"] = "townhall.settings"
        manage = [sys.executable, "-m", "townhall.cli", "manage"]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
        done = subprocess.run(
            [sys.executable, "-c", DB_CHILD], env=env, input=json.dumps(spec), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"the database part failed:\n{done.stderr[-3000:]}")
        figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return figures


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
    parser.add_argument("--no-db", action="store_true", help="only the pure expansion figures")
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
    db: dict[str, float] = {}
    if not args.no_db:
        db = database_figures(series, singles, views, args.year, args.repeat)
        where = os.environ.get("DATABASE_URL", "SQLite")[:30]
        print(f"  stored ({where}): sync_occurrences per series {db['materialize_ms_per_series']:.1f} ms, "
              f"{db['rows']:.0f} rows")  # fmt: skip
        print(f"  month view from Occurrence rows:   {db['db_month_view_ms']:8.2f} ms")
        print(f"  the same for 500 single events:    {db['db_single_month_view_ms']:8.2f} ms (baseline)")
        print(f"  month view, grid fields only:      {db['db_lean_month_view_ms']:8.2f} ms "
              f"(500 single events: {db['db_lean_single_month_view_ms']:.2f} ms)")  # fmt: skip
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
        + (
            f" materialize_ms_per_series={db['materialize_ms_per_series']:.1f}"
            f" db_month_view_ms={db['db_month_view_ms']:.2f}"
            f" db_single_month_view_ms={db['db_single_month_view_ms']:.2f}"
            f" db_month_view_ratio_vs_single={db['db_month_view_ms'] / db['db_single_month_view_ms']:.1f}"
            f" db_lean_month_view_ms={db['db_lean_month_view_ms']:.2f}"
            f" db_lean_month_view_ratio_vs_single={db['db_lean_month_view_ms'] / db['db_lean_single_month_view_ms']:.1f}"
            if db
            else ""
        )
    )


if __name__ == "__main__":
    main()
