"""Import throughput on real files through the real parsers: a generated WhatsApp chat (default
1,000,000 lines) and the 5,475-message Telegram sample, stored through the importers' store, against
the parser alone reading and splitting the same file, in the same run.

Run: `uv run python bench/import.py [--lines 1000000] [--batch 2000] [--only whatsapp|telegram]
[--profile FILE]` (add DATABASE_URL=postgres://… for PostgreSQL; the default is a fresh SQLite data
directory). The WhatsApp file is written the way `bench/whatsapp_parse.py` writes one (Android style,
day-first dates, multi-line messages, media, deleted messages, system lines). Each phase runs in its
own process, so its peak memory (ru_maxrss, which includes Python and Django) is its own:

1. **Baseline:** the source's parser reads the file and every record is built and counted, nothing
   stored;
2. **Store:** the same records through `store_records` into a chat space of a fresh community: one
   transaction, placeholders, messages, system events, reactions, imported-item keys. As in
   production, the search index of the messages is left to tasks queued at the commit (batches of
   2,000 ids, run by the worker); the bench does not run them.
3. **Floor:** the database alone: the three rows per message the store writes (message, Activity row,
   imported-item key), prepared beforehand, as multi-row INSERTs in one transaction, only the INSERTs
   timed. `parse_then_floor_msgs_per_s` = 1 / (1 / parser + 1 / floor) is the most any importer
   that parses and then writes in one process could reach.

Rates are messages per wall-clock second and per CPU second of the process (on a shared machine the
wall clock measures the neighbours too). The last line per file reads
`FILE store_msgs_per_s=… baseline_msgs_per_s=… ratio=… store_peak_mb=…`.
Goals (issue 10): at least 20,000 messages per second on SQLite, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TELEGRAM = (
    Path(__file__).resolve().parents[2]
    / "shared/samples/telegram/chatanalytics_tg_BIG_20A_5475M_synthetic_faker.json"
)
ZONE = "Europe/Berlin"


def _records(source_key: str, path: Path) -> Any:
    from zoneinfo import ZoneInfo

    from townhall.importers.archive import open_archive
    from townhall.importers.registry import get_source

    archive = open_archive(path)
    return archive, get_source(source_key).read(archive, zone=ZoneInfo(ZONE))


def child(mode: str, source_key: str, path: Path, batch: int, profile: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from townhall.importers.sources.base import MESSAGE, Item

    if mode == "floor":
        count, seconds, cpu = _floor(source_key, int(path.name))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            json.dumps({"mode": mode, "messages": count, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb})
        )
        return
    if mode == "baseline":
        started, cpu = time.perf_counter(), time.process_time()
        archive, records = _records(source_key, path)
        count = sum(1 for r in records if isinstance(r, Item) and r.kind == MESSAGE)
        archive.close()
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from townhall.community.models import Community
        from townhall.importers.registry import get_source, is_multi_channel
        from townhall.importers.store import Target, store_records
        from townhall.spaces.models import Space

        Community.objects.get_or_create(pk=1, defaults={"name": "Bench"})
        space = Space.objects.create(name="Archive", slug=f"archive-{source_key}", kind="chat")
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        archive, records = _records(source_key, path)
        report = store_records(
            records, source=source_key, multi_channel=is_multi_channel(get_source(source_key)),
            target=Target(space=space), archive=archive, batch_size=batch,
        )  # fmt: skip
        archive.close()
        count = report.messages
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "messages": count, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb}))


def _floor(source_key: str, count: int) -> tuple[int, float, float]:
    """The database alone: the three rows the store writes per message (the message, its Activity
    row, its imported-item key), fully prepared (times as text, JSON encoded, every column given),
    sent as one INSERT per table per 2,000 messages in one transaction (as core.bulkinsert sends
    them); only the INSERTs are timed. No parser, no layer of Townhall's: what the same rows cost SQLite (or PostgreSQL)."""
    import random

    from django.core.management import call_command
    from django.db import connection, models, transaction

    call_command("migrate", verbosity=0)
    from townhall.accounts.models import User
    from townhall.activity.models import Activity
    from townhall.chat.models import Message
    from townhall.importers.models import ImportedItem
    from townhall.spaces.models import Space

    space = Space.objects.create(name="Floor", slug=f"floor-{source_key}", kind="chat")
    people = [
        User.objects.create(username=f"floor-{n}", email=f"floor-{n}@example.invalid").pk for n in range(7)
    ]

    def statement(model: type[models.Model]) -> tuple[str, Any]:
        """INSERT of every concrete column but the key, and a function making a row of it from the
        values given (the columns' defaults for the others). As core.bulkinsert sends rows: multi-row
        VALUES (…), (…) on SQLite; on PostgreSQL one array per column (SELECT FROM UNNEST), which
        spares psycopg and the planner thousands of placeholders."""
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)  # type: ignore[union-attr]
            sql = f"INSERT INTO {model._meta.db_table} ({names}) SELECT * FROM UNNEST({arrays})"
        else:
            sql = f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
        defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
        order = [f.attname for f in fields]
        return sql, lambda given: tuple(given[a] if a in given else defaults[a] for a in order)

    def multi_row(sql: str, rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
        """One INSERT of all `rows`."""
        if connection.vendor == "postgresql":
            return sql, [list(column) for column in zip(*rows, strict=True)]
        head, _, values = sql.partition(" VALUES ")
        return f"{head} VALUES {', '.join([values] * len(rows))}", [v for row in rows for v in row]

    rng = random.Random(7)
    from whatsapp_parse import WORDS as words  # the generated chat's vocabulary

    message_sql, message_row = statement(Message)
    activity_sql, activity_row = statement(Activity)
    item_sql, item_row = statement(ImportedItem)
    seconds = cpu = 0.0
    next_id = 1
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, count, 2000):
            messages, activities, items = [], [], []
            for n in range(start, min(count, start + 2000)):
                body = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14))).capitalize()
                at = f"2019-{1 + n % 12:02}-{1 + n % 28:02} {n % 24:02}:{n % 60:02}:00"
                author = people[n % len(people)]
                messages.append(message_row({
                    "space_id": space.pk, "author_id": author, "body": body,
                    "html": f"<p>{body}</p>\n", "created_at": at,
                }))  # fmt: skip
                activities.append(activity_row({
                    "actor_id": author, "verb": "message.sent", "target_type": "chat.message",
                    "target_id": next_id + n, "space_id": space.pk,
                    "data": json.dumps({"chars": len(body), "mentioned": []}), "created_at": at,
                }))  # fmt: skip
                items.append(item_row({
                    "source": source_key, "scope": str(space.pk), "kind": "message",
                    "source_id": f"{rng.getrandbits(96):024x}", "object_id": next_id + n, "run_id": None,
                }))  # fmt: skip
            started, cpu_started = time.perf_counter(), time.process_time()
            for sql, rows in ((message_sql, messages), (activity_sql, activities), (item_sql, items)):
                cursor.execute(*multi_row(sql, rows))
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    return count, seconds, cpu


def run(
    mode: str, source_key: str, path: Path, batch: int, data_dir: Path, profile: str = ""
) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["TOWNHALL_DATA_DIR"] = str(data_dir)
    argv = [sys.executable, __file__, "--child", mode, "--source", source_key, "--path", str(path)]
    argv += ["--batch", str(batch), "--profile", profile]
    out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare(label: str, source_key: str, path: Path, batch: int, tmp: Path, profile: str) -> None:
    base = run("baseline", source_key, path, batch, tmp / f"{label}-base")
    store = run("store", source_key, path, batch, tmp / f"{label}-store", profile)
    floor = run("floor", source_key, Path(str(store["messages"])), batch, tmp / f"{label}-floor")
    for name, r in (
        ("baseline (parse only)", base),
        ("store (parse + write)", store),
        ("floor (rows, DB only)", floor),
    ):
        print(f"{label:9} {name:22} {r['messages']:>10,} messages in {r['seconds']:7.1f} s "
              f"({r['cpu']:6.1f} s CPU)  {r['messages'] / r['seconds']:>9,.0f} msg/s  "
              f"{r['messages'] / r['cpu']:>9,.0f} msg/CPU s  peak {r['peak_mb']:5.0f} MB")  # fmt: skip
    b_rate, s_rate = base["messages"] / base["seconds"], store["messages"] / store["seconds"]
    f_rate = floor["messages"] / floor["seconds"]
    # Parsing and writing one after the other, with no Townhall code between them, could not beat this:
    ceiling = 1 / (1 / b_rate + 1 / f_rate)
    print(f"{label} floor_msgs_per_s={f_rate:.0f} parse_then_floor_msgs_per_s={ceiling:.0f}", flush=True)
    print(f"{label} store_msgs_per_s={s_rate:.0f} store_msgs_per_cpu_s={store['messages'] / store['cpu']:.0f} "
          f"baseline_msgs_per_s={b_rate:.0f} ratio={b_rate / s_rate:.1f} store_peak_mb={store['peak_mb']:.0f} "
          f"baseline_peak_mb={base['peak_mb']:.0f}", flush=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--only", choices=["whatsapp", "telegram"], default="")
    parser.add_argument(
        "--profile", default="", help="cProfile output of the store phase (per file: FILE.whatsapp…)"
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--source", default="", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.source, Path(args.path), args.batch, args.profile)
        return 0
    with tempfile.TemporaryDirectory(prefix="townhall-bench-import-") as name:
        tmp = Path(name)
        if args.only in ("", "whatsapp"):
            sys.path.insert(0, str(Path(__file__).parent))
            from whatsapp_parse import generate

            chat = tmp / "chat.txt"
            generate(chat, lines=args.lines, style="android")
            print(f"whatsapp: {args.lines:,} lines, {chat.stat().st_size / 1024**2:.1f} MB", flush=True)
            profile = f"{args.profile}.whatsapp" if args.profile else ""
            compare("whatsapp", "whatsapp", chat, args.batch, tmp, profile)
        if args.only in ("", "telegram"):
            profile = f"{args.profile}.telegram" if args.profile else ""
            compare("telegram", "telegram", TELEGRAM, args.batch, tmp, profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
