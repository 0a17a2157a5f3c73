"""What the broadcast log costs, and how fast a stream replays what a page missed.

Run: `uv run python bench/stream_log.py [--rounds 2000 --missed 1000]` (DATABASE_URL=postgres://… for
PostgreSQL; SQLite in a temporary data directory otherwise). Two figures, each against a baseline measured in
the same run:

1. Logging: `publish_on_commit` in a transaction, with the log's INSERT and without it (the transport is
   stubbed in both, so only the log differs); and a real reply (`create_post`, which logs one broadcast)
   with and without the log.
2. Replay: a member's stream opened through the real ASGI app (session auth, Guardian, channel layer) with
   `?after=` 1,000 broadcasts behind, until its `stream/live` frame, against the same stream opened without
   a cursor (nothing to replay); also with 3,000 broadcasts of spaces the member cannot read in between.

The last line reads `log_insert_us=… (inside an open transaction) reply_overhead_pct=… replay_1000_ms=… replay_1000_filtered_ms=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the factories
os.environ.setdefault("TOWNHALL_DATA_DIR", tempfile.mkdtemp(prefix="stream-bench-"))
os.environ.setdefault("TOWNHALL_TESTING", "1")  # tasks inline, a fast password hasher
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
os.environ.setdefault("TOWNHALL_ALLOWED_HOSTS", "localhost")

import django

django.setup()

from asgiref.testing import ApplicationCommunicator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402

import factories as testing  # noqa: E402
from townhall.asgi import application  # noqa: E402
from townhall.discussions import actions  # noqa: E402
from townhall.policy import Guardian  # noqa: E402
from townhall.realtime import log, publish  # noqa: E402
from townhall.realtime.publish import space_group  # noqa: E402
from townhall.spaces.models import Space  # noqa: E402


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def time_publish(rounds: int, *, logged: bool) -> list[float]:
    real = log.is_logged
    if not logged:
        log.is_logged = lambda groups: False
    try:
        samples = []
        for n in range(rounds):
            start = time.perf_counter()
            with transaction.atomic():
                publish.publish_on_commit([space_group(1)], {"type": "topic", "op": "pinned", "topic_id": n})
            samples.append(time.perf_counter() - start)
        return samples
    finally:
        log.is_logged = real


def time_replies(topic: Any, author: Any, rounds: int) -> tuple[list[float], list[float]]:
    """Replies alternately with and without the log (so that a busy machine slows both alike)."""
    real = log.is_logged
    with_log: list[float] = []
    without_log: list[float] = []
    try:
        for n in range(rounds * 2):
            logged = n % 2 == 0
            log.is_logged = real if logged else (lambda groups: False)
            start = time.perf_counter()
            actions.create_post(Guardian(author), topic, body=f"Reply {n}: clear skies tonight.")
            (with_log if logged else without_log).append(time.perf_counter() - start)
        return with_log, without_log
    finally:
        log.is_logged = real


async def open_stream(session_key: str, after: int | None) -> tuple[float, int]:
    """Seconds from the socket's opening to its `stream/live` frame, and the broadcasts replayed."""
    query = "" if after is None else f"after={after}"
    scope = {
        "type": "websocket",
        "path": "/ws/stream/",
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", f"sessionid={session_key}".encode())],
        "subprotocols": [],
    }  # fmt: skip
    stream = ApplicationCommunicator(application, scope)
    start = time.perf_counter()
    await stream.send_input({"type": "websocket.connect"})
    assert (await stream.receive_output(10))["type"] == "websocket.accept"
    replayed = 0
    while True:
        message = await stream.receive_output(30)
        frame = json.loads(message["text"])
        if frame.get("type") == "stream":
            assert frame["op"] == "live", frame
            break
        replayed += 1
    elapsed = time.perf_counter() - start
    await stream.send_input({"type": "websocket.disconnect", "code": 1000})
    await stream.wait(5)
    return elapsed, replayed


def time_replay(session_key: str, after: int | None, rounds: int, expect: int) -> list[float]:
    async def main() -> list[float]:
        samples = []
        for _ in range(rounds):
            elapsed, replayed = await open_stream(session_key, after)
            assert replayed == expect, (replayed, expect)
            samples.append(elapsed)
        return samples

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="publishes per variant")
    parser.add_argument("--replies", type=int, default=300, help="replies per variant")
    parser.add_argument("--missed", type=int, default=1000, help="broadcasts a page missed")
    parser.add_argument("--opens", type=int, default=7, help="stream openings per variant")
    args = parser.parse_args()
    settings.DISCUSSIONS_POST_RATE = "1000000/m"
    settings.STREAM_REPLAY_LIMIT = max(settings.STREAM_REPLAY_LIMIT, args.missed * 4 + 10)
    call_command("migrate", verbosity=0, interactive=False)
    vendor = connections["default"].vendor

    testing.make_community()
    reader, writer = testing.make_member("rui"), testing.make_member("lea")
    space = testing.make_space("Gear talk", members=[reader, writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    topic = actions.create_topic(Guardian(writer), space, title="Dew shields", body="Any tips?")

    # 1. The log's INSERT, alternating the variants so that drift hurts both alike.
    with_log, without_log = [], []
    for _ in range(4):
        without_log += time_publish(args.rounds // 4, logged=False)
        with_log += time_publish(args.rounds // 4, logged=True)
    alone = median_us(with_log) - median_us(without_log)
    print(f"[{vendor}] publish_on_commit in a transaction of its own: {median_us(without_log):.0f} µs without "
          f"the log, {median_us(with_log):.0f} µs with it (+{alone:.0f} µs, the commit now writes)")  # fmt: skip
    samples = []
    with transaction.atomic():  # inside a transaction that writes anyway, as an action's does
        for n in range(args.rounds):
            start = time.perf_counter()
            log.write([space_group(1)], {"type": "topic", "op": "pinned", "topic_id": n})
            samples.append(time.perf_counter() - start)
    insert_us = median_us(samples)
    print(f"[{vendor}] the log's INSERT inside an open transaction: {insert_us:.0f} µs")
    replies_with, replies_without = time_replies(topic, writer, args.replies)
    reply_with, reply_without = median_us(replies_with) / 1000, median_us(replies_without) / 1000
    overhead_pct = (reply_with / reply_without - 1) * 100
    print(f"[{vendor}] a reply (create_post): {reply_without:.2f} ms without the log, {reply_with:.2f} ms with it "
          f"({overhead_pct:+.1f} %)")  # fmt: skip

    # 2. Replay.
    client = Client()
    client.force_login(reader)
    key = client.cookies["sessionid"].value
    head = log.head()
    for n in range(args.missed):
        publish.publish([space_group(space.pk)], {"type": "topic", "op": "pinned", "topic_id": n})
    baseline = time_replay(key, None, args.opens, 0)
    replay = time_replay(key, head, args.opens, args.missed)
    base_ms, replay_ms = statistics.median(baseline) * 1000, statistics.median(replay) * 1000
    print(f"[{vendor}] opening a stream: {base_ms:.1f} ms with nothing to replay, {replay_ms:.1f} ms replaying "
          f"{args.missed} broadcasts ({replay_ms / base_ms:.1f}x; {(replay_ms - base_ms) / args.missed * 1000:.0f} µs "
          f"a broadcast)")  # fmt: skip
    head = log.head()
    for n in range(args.missed):
        publish.publish([space_group(space.pk)], {"type": "topic", "op": "pinned", "topic_id": n})
        for m in range(3):  # what the reader may not read: scanned, never sent
            publish.publish([space_group(closed.pk)], {"type": "topic", "op": "pinned", "topic_id": m})
    filtered = time_replay(key, head, args.opens, args.missed)
    filtered_ms = statistics.median(filtered) * 1000
    print(f"[{vendor}] replaying {args.missed} among {args.missed * 4} logged broadcasts: {filtered_ms:.1f} ms "
          f"({filtered_ms / base_ms:.1f}x the opening without replay)")  # fmt: skip
    connections.close_all()
    print(
        f"log_insert_us={insert_us:.0f} reply_overhead_pct={overhead_pct:.1f} "
        f"replay_1000_ms={replay_ms:.1f} replay_1000_filtered_ms={filtered_ms:.1f}"
    )


if __name__ == "__main__":
    main()
