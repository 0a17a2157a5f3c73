"""How fast the Telegram parser reads a result.json, and how much memory it holds, against json.load.

Run: `uv run python bench/telegram_parse.py [--messages 1000000 --repeat 5]`. Two inputs: the 5,475-message
sample (`../shared/samples/telegram/chatanalytics_tg_BIG_20A_5475M_synthetic_faker.json`) and a generated
result.json of `--messages` messages in a temporary folder (Telegram Desktop's layout and fields: text as
a string and as entity lists, replies, edits, photos not included, reactions, service messages).

Each input is read two ways, each in a fresh Python process so that peak memory is that reading's own:
`parse` drains `TelegramSource().read()` (every record built); `json.load` (the baseline) loads the whole
file and touches every message's `text`, which is what reading it without streaming costs. Messages per
second are the best of `--repeat` readings (one for the generated file); peak memory is the process's
peak resident size less its size before reading (the interpreter and imports).

The last line reads `sample_msgs_per_s=… sample_ratio_vs_json_load=… sample_peak_mb=… big_msgs_per_s=…
big_ratio_vs_json_load=… big_peak_mb=… big_json_load_peak_mb=…`.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "samples"
    / "telegram"
    / "chatanalytics_tg_BIG_20A_5475M_synthetic_faker.json"
)

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from townhall.importers.archive import open_archive
    from townhall.importers.sources.base import Item
    from townhall.importers.sources.telegram import TelegramSource

    how, path, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])

    def rss_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    before = rss_mb()
    best, count = float("inf"), 0
    for _ in range(repeat):
        began = time.perf_counter()
        if how == "parse":
            archive = open_archive(path)
            count = sum(1 for r in TelegramSource().read(archive, zone=ZoneInfo("UTC")) if isinstance(r, Item))
            archive.close()
        else:
            with path.open("rb") as f:
                data = json.load(f)
            count = 0
            for m in data["messages"]:
                m.get("text")
                count += 1
            del data
        best = min(best, time.perf_counter() - began)
    print(json.dumps({"messages": count, "seconds": best, "peak_mb": rss_mb() - before}))
    """
)

WORDS = [
    "nebula",
    "tracker",
    "dew",
    "shield",
    "focus",
    "guide",
    "star",
    "cluster",
    "seeing",
    "polar",
    "align",
    "flats",
    "darks",
    "bias",
    "mount",
]
PEOPLE = [(f"user{100 + n}", f"Member {n}") for n in range(200)]


def generate(path: Path, messages: int) -> None:
    """A one-chat result.json of `messages` messages, written as a stream."""
    rng = random.Random(7)
    start = 1_500_000_000
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{\n "name": "Generated club",\n "type": "private_supergroup",\n "id": 123456,\n "messages": [\n'
        )
        for n in range(1, messages + 1):
            when = start + n * 30
            local = _iso(when)
            who_id, who = rng.choice(PEOPLE)
            if n % 50 == 0:
                m: dict[str, object] = {
                    "id": n, "type": "service", "date": local, "date_unixtime": str(when), "actor": who,
                    "actor_id": who_id, "action": "invite_members", "members": [rng.choice(PEOPLE)[1]], "text": "",
                    "text_entities": [],
                }  # fmt: skip
            else:
                sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))
                m = {
                    "id": n,
                    "type": "message",
                    "date": local,
                    "date_unixtime": str(when),
                    "from": who,
                    "from_id": who_id,
                }
                if n % 5 == 0:
                    parts = [{"type": "plain", "text": sentence + " "}, {"type": "bold", "text": "clear skies"},
                             {"type": "plain", "text": " see "}, {"type": "link", "text": "https://example.org/n"}]  # fmt: skip
                    m["text"] = [p if p["type"] != "plain" else p["text"] for p in parts]
                    m["text_entities"] = parts
                else:
                    m["text"] = sentence
                    m["text_entities"] = [{"type": "plain", "text": sentence}]
                if n % 10 == 0:
                    m["reply_to_message_id"] = n - rng.randint(1, 9)
                if n % 20 == 0:
                    m["photo"] = "(File not included. Change data exporting settings to download.)"
                    m["width"], m["height"] = 1280, 960
                if n % 15 == 0:
                    m["reactions"] = [{"type": "emoji", "count": 2, "emoji": "👍",
                                       "recent": [{"from": PEOPLE[1][1], "from_id": PEOPLE[1][0], "date": local}]}]  # fmt: skip
                if n % 40 == 0:
                    m["edited"], m["edited_unixtime"] = _iso(when + 60), str(when + 60)
            out.write("  " + json.dumps(m, ensure_ascii=False) + (",\n" if n < messages else "\n"))
        out.write(" ]\n}\n")


def _iso(epoch: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def measure(how: str, path: Path, repeat: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, how, str(path), str(repeat)], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, path: Path, repeat: int) -> tuple[float, float, float, float]:
    parse = measure("parse", path, repeat)
    base = measure("json.load", path, repeat)
    assert parse["messages"] == base["messages"], (parse, base)
    rate, base_rate = parse["messages"] / parse["seconds"], base["messages"] / base["seconds"]
    size = path.stat().st_size / 1024**2
    print(f"{label}: {int(parse['messages']):,} messages, {size:,.1f} MB")
    print(f"  parse      {rate:>12,.0f} msgs/s  peak {parse['peak_mb']:>8,.1f} MB")
    print(
        f"  json.load  {base_rate:>12,.0f} msgs/s  peak {base['peak_mb']:>8,.1f} MB   (baseline: whole file in memory)"
    )
    print(
        f"  parse / json.load: speed {rate / base_rate:.2f}x, memory {parse['peak_mb'] / max(base['peak_mb'], 0.1):.2f}x"
    )
    return rate, rate / base_rate, parse["peak_mb"], base["peak_mb"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages in the generated file")
    parser.add_argument("--repeat", type=int, default=5, help="readings of the sample (the best counts)")
    args = parser.parse_args()
    if not SAMPLE.exists():
        raise SystemExit(f"the sample is missing: {SAMPLE}")
    sample = report("sample", SAMPLE, args.repeat)
    with tempfile.TemporaryDirectory(prefix="telegram-bench-") as tmp:
        path = Path(tmp) / "result.json"
        generate(path, args.messages)
        big = report("generated", path, 1)
    print(
        f"sample_msgs_per_s={sample[0]:.0f} sample_ratio_vs_json_load={sample[1]:.2f} sample_peak_mb={sample[2]:.1f} "
        f"big_msgs_per_s={big[0]:.0f} big_ratio_vs_json_load={big[1]:.2f} big_peak_mb={big[2]:.1f} "
        f"big_json_load_peak_mb={big[3]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
