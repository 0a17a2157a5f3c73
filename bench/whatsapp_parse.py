"""The WhatsApp parser alone, on a generated chat: lines and messages per second, and peak memory.

Run: `uv run python bench/whatsapp_parse.py [--lines 1000000] [--style android|ios]`

It writes a chat of `--lines` lines to a temporary file (mostly one-line messages, some of several
lines, media, deleted messages and system lines; day-first dates), then:
1. reads and splits the file into lines (the floor no parser can beat),
2. parses it (both passes) and counts the records, in a fresh process that reports its peak resident memory, and does the same for a file a tenth
   of the size: the two peaks should be about the same (memory flat whatever the file size).
The last line reads `whatsapp_parse_messages_per_s=… lines_per_s=… … peak_mb_full=… peak_mb_tenth=…`
(rates per CPU second of the parsing process; the wall-clock rate is printed too; goal: far above 20,000 messages per second, and flat memory).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from townhall.importers.archive import FileArchive
from townhall.importers.sources.base import MESSAGE, Item, Skipped
from townhall.importers.sources.whatsapp import WhatsAppSource
from townhall.importers.sources.whatsapp.reader import iter_lines

NAMES = ["Ann", "Bob Smith", "+44 7700 900123", "Zoë", "Ana-María", "李小龍", "Dee \U0001f913"]
WORDS = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
]


def generate(path: Path, *, lines: int, style: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    at = datetime(2019, 1, 1, 8, 0)
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write('01/01/2019, 08:00 - Ann created group "Bench"\n')
        written += 1
        while written < lines:
            at += timedelta(seconds=rng.randint(1, 90))
            head = f"[{at:%d/%m/%Y, %H:%M:%S}] " if style == "ios" else f"{at:%d/%m/%Y, %H:%M} - "
            roll = rng.random()
            name = rng.choice(NAMES)
            if roll < 0.01:
                f.write(f"{head}{name} left\n" if style == "android" else f"{head}Bench: \u200e{name} left\n")
                written += 1
                continue
            text = " ".join(rng.choices(WORDS, k=rng.randint(2, 14)))
            if roll < 0.05:
                text = "<Media omitted>"
            elif roll < 0.06:
                text = "This message was deleted"
            elif roll < 0.16:
                extra = rng.randint(1, 3)
                text += "".join("\n" + " ".join(rng.choices(WORDS, k=6)) for _ in range(extra))
                written += extra
            f.write(f"{head}{name}: {text}\n")
            written += 1


def split_only(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in iter_lines(stream))


def parse(path: Path) -> tuple[int, int, int]:
    messages = records = skipped = 0
    for record in WhatsAppSource().read(FileArchive(path), zone=ZoneInfo("Europe/Berlin")):
        records += 1
        if isinstance(record, Item) and record.kind == MESSAGE:
            messages += 1
        elif isinstance(record, Skipped):
            skipped += 1
    return messages, records, skipped


def child(path: Path) -> None:
    """Parse one file in this fresh process and print what it cost, peak resident memory included."""
    started, cpu = time.perf_counter(), time.process_time()
    messages, records, skipped = parse(path)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "messages": messages,
                "records": records,
                "skipped": skipped,
                "wall": wall,
                "cpu": cpu,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def measure(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--style", choices=["android", "ios"], default="android")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        full, tenth = Path(tmp) / "full.txt", Path(tmp) / "tenth.txt"
        generate(full, lines=args.lines, style=args.style)
        generate(tenth, lines=args.lines // 10, style=args.style)
        size_mb = full.stat().st_size / 1024**2

        started, cpu = time.perf_counter(), time.process_time()
        lines = split_only(full)
        split_s, split_cpu = time.perf_counter() - started, time.process_time() - cpu

        small = measure(tenth)
        big = measure(full)
    print(f"file: {lines:,} lines, {size_mb:.1f} MB, style {args.style}", file=sys.stderr)
    print(
        f"read and split only: {split_s:.2f} s wall, {split_cpu:.2f} s CPU ({lines / split_cpu:,.0f} lines/CPU s)",
        file=sys.stderr,
    )
    print(
        f"parse (two passes): {big['wall']:.2f} s wall, {big['cpu']:.2f} s CPU; {big['messages']:,} messages, "
        f"{big['records']:,} records, {big['skipped']} skipped",
        file=sys.stderr,
    )
    print(
        f"peak resident memory of the parsing process: {small['peak_mb']:.0f} MB at {lines // 10:,} lines, "
        f"{big['peak_mb']:.0f} MB at {lines:,} lines",
        file=sys.stderr,
    )
    # Rates per CPU second (the process's own time): on a shared machine the wall clock measures the
    # neighbours too. Both are printed above.
    print(
        f"whatsapp_parse_messages_per_s={big['messages'] / big['cpu']:.0f} lines_per_s={lines / big['cpu']:.0f} "
        f"wall_messages_per_s={big['messages'] / big['wall']:.0f} split_lines_per_s={lines / split_cpu:.0f} "
        f"peak_mb_full={big['peak_mb']:.0f} peak_mb_tenth={small['peak_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
