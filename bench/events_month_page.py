"""Rendering the site's month page with 500 recurring series materialized, against 500 single events, in one run.

Run: `uv run python bench/events_month_page.py [--events 500 --repeat 5 --month 2027-03]` (a fresh SQLite
database in a temporary directory; add DATABASE_URL=postgres://… to measure PostgreSQL).

Two spaces of the events kind are filled through the events actions: one with `--events` weekly or daily
series starting before the month (their occurrences materialized as the app keeps them), one with
`--events` single events spread over the month. The month page (/events/month/?month=…&space=…) is then
rendered through Django's test client for a signed-in member, `--repeat` times each, and the best time is
kept. The series' month holds many more dates than the singles' (every series has dates in it), so the
line also gives the time per date shown. The last line reads
`series_month_ms=… single_month_ms=… month_page_ratio_vs_single=… series_dates=… single_dates=…
series_queries=… single_queries=…`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--month", default="2027-03")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="th-bench-month-"))
    os.environ["TOWNHALL_DATA_DIR"] = str(data)  # never the real data directory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import factories as testing  # the test factories: a community, members, spaces
    from townhall.events import actions
    from townhall.events.actions import EventInput
    from townhall.events.models import Occurrence
    from townhall.policy import Guardian
    from townhall.spaces.models import Space

    settings.EVENTS_CREATE_RATE = "1000000/m"
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # pages link the hashed static files
    testing.make_community()
    moderator = testing.make_member("mod", display_name="Mod")
    viewer = testing.make_member("viewer", display_name="Viewer")
    viewer.time_zone = "Europe/Berlin"
    viewer.save(update_fields=["time_zone"])
    spaces = {
        name: testing.make_space(name, kind="events", visibility=Space.MEMBERS, moderators=[moderator],
                                 members=[viewer])
        for name in ("Series", "Singles")
    }  # fmt: skip
    year, month = (int(p) for p in args.month.split("-"))
    first = datetime(year, month, 1, 19)
    rng = random.Random(11)
    zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
    started = time.perf_counter()
    for n in range(args.events):
        start = first - timedelta(days=rng.randrange(7, 60), hours=rng.randrange(0, 10))
        rule = rng.choice(["FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=DAILY;INTERVAL=3", "FREQ=MONTHLY"])
        data_in = EventInput(title=f"Series {n}", starts_local=start, ends_local=start + timedelta(hours=2),
                             time_zone=rng.choice(zones), rrule=rule, venue="Hall")  # fmt: skip
        actions.create_event(Guardian(moderator), spaces["Series"], data=data_in)
        day = first + timedelta(days=rng.randrange(0, 28), hours=rng.randrange(-8, 3))
        data_in = EventInput(title=f"Single {n}", starts_local=day, ends_local=day + timedelta(hours=2),
                             time_zone=rng.choice(zones), venue="Hall")  # fmt: skip
        actions.create_event(Guardian(moderator), spaces["Singles"], data=data_in)
    occurrences = Occurrence.objects.count()
    print(
        f"seeded {2 * args.events} events, {occurrences} occurrences in {time.perf_counter() - started:.1f} s"
    )

    client = Client()
    client.force_login(viewer)
    figures: dict[str, tuple[float, int, int]] = {}
    for name in ("Series", "Singles"):
        url = f"/events/month/?month={args.month}&space={spaces[name].slug}"
        client.get(url)  # warm templates and routes
        best = float("inf")
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                took = time.perf_counter() - began
            assert response.status_code == 200, response.status_code
            best = min(best, took)
        dates = response.content.decode().count('<a class="cal-chip')
        figures[name] = (best * 1000, dates, len(captured.captured_queries))
        print(f"{name:8} month page: {best * 1000:8.1f} ms, {dates} dates shown, "
              f"{len(captured.captured_queries)} queries, {best * 1e6 / max(dates, 1):.0f} µs per date")  # fmt: skip
    series_ms, series_dates, series_queries = figures["Series"]
    single_ms, single_dates, single_queries = figures["Singles"]
    print(
        f"series_month_ms={series_ms:.1f} single_month_ms={single_ms:.1f} "
        f"month_page_ratio_vs_single={series_ms / single_ms:.2f} series_dates={series_dates} "
        f"single_dates={single_dates} series_queries={series_queries} single_queries={single_queries}"
    )


if __name__ == "__main__":
    main()
