"""Import throughput: a generated chat of N messages (default 1,000,000) stored through the importers'
store, against only generating and iterating the same records, in the same run.

Run: `uv run python bench/import.py [N] [--batch 2000]` (add DATABASE_URL=postgres://… for PostgreSQL;
the default is a fresh SQLite data directory). Each phase runs in its own process, so its peak memory
(ru_maxrss, which includes Python and Django) is its own:

1. **Baseline:** generate the records (50 authors, one group chat, a thread reply in every 20
   messages, a reaction in every 10) and iterate them, storing nothing;
2. **Store:** the same records through `store_records` into a chat space of a fresh community: one
   transaction, placeholders, messages, replies, reactions, imported-item keys.

The last line reads `store_msgs_per_s=… baseline_msgs_per_s=… ratio=… store_peak_mb=…`.
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
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AUTHORS = 50


def records(n: int) -> Iterator[Any]:
    from townhall.importers.sources.base import Author, Conversation, Item, Reaction

    for a in range(AUTHORS):
        yield Author(source_id=f"+34 600 {a:06d}", name=f"Person {a}")
    yield Conversation(source_id="group", name="Old group")
    start = datetime(2019, 1, 1, tzinfo=UTC)
    for i in range(n):
        author = f"+34 600 {i % AUTHORS:06d}"
        thread = f"m{i - i % 20}" if i % 20 == 19 else None
        reactions = (Reaction("👍", (f"+34 600 {(i + 1) % AUTHORS:06d}",)),) if i % 10 == 5 else ()
        yield Item(
            source_id=f"m{i}", conversation_id="group", at=start + timedelta(seconds=30 * i), author_id=author,
            text=f"Message number {i}: see you at the *garden* on Saturday, bring seeds and gloves.",
            thread_id=thread, reactions=reactions, line=i + 1,
        )  # fmt: skip


def child(mode: str, n: int, batch: int) -> None:
    started = time.perf_counter()
    if mode == "baseline":
        count = sum(1 for _ in records(n))
        seconds = time.perf_counter() - started
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from townhall.community.models import Community
        from townhall.importers.store import Target, store_records
        from townhall.spaces.models import Space

        Community.objects.get_or_create(pk=1, defaults={"name": "Bench"})
        space = Space.objects.create(name="Archive", slug="archive", kind="chat")
        started = time.perf_counter()
        report = store_records(
            records(n), source="bench", multi_channel=False, target=Target(space=space), batch_size=batch
        )
        seconds = time.perf_counter() - started
        count = report.messages
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "messages": count, "seconds": seconds, "peak_mb": peak_mb}))


def run(mode: str, n: int, batch: int, data_dir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["TOWNHALL_DATA_DIR"] = str(data_dir)
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(n), "--batch", str(batch)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.batch)
        return 0
    with tempfile.TemporaryDirectory(prefix="townhall-bench-import-") as tmp:
        base = run("baseline", args.n, args.batch, Path(tmp) / "base")
        store = run("store", args.n, args.batch, Path(tmp) / "store")
    b_rate = base["messages"] / base["seconds"]
    s_rate = store["messages"] / store["seconds"]
    print(f"baseline (generate + iterate): {base['messages']:>10,} messages in {base['seconds']:7.1f} s  "
          f"{b_rate:>10,.0f} msg/s  peak {base['peak_mb']:6.0f} MB")  # fmt: skip
    print(f"store (one transaction):       {store['messages']:>10,} messages in {store['seconds']:7.1f} s  "
          f"{s_rate:>10,.0f} msg/s  peak {store['peak_mb']:6.0f} MB")  # fmt: skip
    print(f"store_msgs_per_s={s_rate:.0f} baseline_msgs_per_s={b_rate:.0f} ratio={b_rate / s_rate:.1f} "
          f"store_peak_mb={store['peak_mb']:.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
