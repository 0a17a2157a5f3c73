"""Topic page throughput and latency against a bare ASGI app and a plain Django view, in one run.

Run: `uv run python bench/topic_page.py [--posts 1000000 --topics 50000 --members 10000 --seconds 10]`
(add DATABASE_URL=postgres://… to measure PostgreSQL; the default is a fresh SQLite data directory).

It seeds members (`townhall seed --members`), one public space with `--topics` topics and `--posts`
posts (inserted with executemany, the search index included), then starts three uvicorn servers on
the same machine: a bare ASGI hello-world, and Townhall twice-over for a plain Django view (/healthz)
and the topic page (20 posts, anonymous visitor). Each is loaded at concurrency 50 and then 1 for
`--seconds` seconds. The last line reads
`topic_rps_ratio_vs_bare=… topic_p50_ms=… topic_p99_ms=…` (p50/p99 at concurrency 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

HELLO = textwrap.dedent(
    """
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"hello"})
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(env: dict[str, str], *, members: int, topics: int, posts: int) -> str:
    """Seed through Django in a child process; returns the path of the busiest topic's page."""
    subprocess.run(
        [sys.executable, "-m", "townhall.cli", "manage", "migrate", "--verbosity", "0"], env=env, check=True
    )
    subprocess.run([sys.executable, "-m", "townhall.cli", "seed", "--members", str(members)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    code = textwrap.dedent(
        f"""
        import django, random, sys
        django.setup()
        from django.db import connection, transaction
        from django.utils import timezone
        from townhall.accounts.models import User
        from townhall.spaces.models import Space
        from townhall.discussions.models import Topic, Post

        topics, posts = {topics}, {posts}
        user_ids = list(User.objects.values_list("id", flat=True)[:{members}])
        space, _ = Space.objects.get_or_create(slug="bench", defaults={{"name": "Bench", "visibility": "public"}})
        now = timezone.now()
        words = "long exposures need a tracker patience and dark skies over the desert".split()
        per_topic = max(posts // topics, 1)
        rng = random.Random(7)
        with transaction.atomic():
            Topic.objects.bulk_create(
                [Topic(space=space, author_id=rng.choice(user_ids), title=f"Bench topic {{i}}", slug=f"bench-topic-{{i}}",
                       last_posted_at=now, post_count=per_topic, last_position=per_topic) for i in range(topics)],
                batch_size=5000,
            )
            topic_ids = list(Topic.objects.filter(space=space).order_by("id").values_list("id", flat=True))
            cols = "topic_id, author_id, position, depth, path, body, body_html, hidden, reply_count, reaction_count, created_at"
            sql = f"INSERT INTO discussions_post ({{cols}}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            ts = connection.ops.adapt_datetimefield_value(now)
            with connection.cursor() as cur:
                batch = []
                for tid in topic_ids:
                    for pos in range(1, per_topic + 1):
                        depth = 0 if pos == 1 else 1
                        path = "00000001" if pos == 1 else f"00000001.{{pos:08d}}"
                        n = len(batch) + tid * per_topic
                        text = " ".join(rng.choice(words) for _ in range(30))
                        text += (" nebula" if n % 2 == 0 else " cluster") + f" star{{n % 50000}}"
                        batch.append((tid, rng.choice(user_ids), pos, depth, path, text, f"<p>{{text}}</p>",
                                      False, 0, 0, ts))
                        if len(batch) >= 20000:
                            cur.executemany(sql, batch)
                            batch = []
                if batch:
                    cur.executemany(sql, batch)
                if connection.vendor == "sqlite":
                    cur.execute("INSERT INTO discussions_post_fts(rowid, title, body) SELECT id, '', body FROM discussions_post")
                else:
                    cur.execute("INSERT INTO discussions_post_search (post_id, title, body, document) "
                                "SELECT id, '', body, to_tsvector('english', body) FROM discussions_post")
        with connection.cursor() as cur:  # fresh planner statistics after the bulk load
            cur.execute("ANALYZE")
        busiest = Topic.objects.filter(space=space).order_by("id").first()
        sys.stdout.write(busiest.get_absolute_url())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def start(env: dict[str, str], app: str, port: int, app_dir: str | None = None) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if app_dir:
        cmd += ["--app-dir", app_dir]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server for {app} did not start")


async def load(url: str, *, concurrency: int, seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while time.perf_counter() < stop:
                began = time.perf_counter()
                response = await client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                latencies.append((time.perf_counter() - began) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=50_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    random.seed(1)
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env["TOWNHALL_DATA_DIR"] = str(Path(tmp) / "data")
        env["DJANGO_SETTINGS_MODULE"] = "townhall.settings"
        env.setdefault("TOWNHALL_ALLOWED_HOSTS", "127.0.0.1,localhost")
        Path(tmp, "hello.py").write_text(HELLO)
        began = time.perf_counter()
        topic_path = seed(env, members=args.members, topics=args.topics, posts=args.posts)
        print(f"seeded {args.posts:,} posts in {args.topics:,} topics by {args.members:,} members "
              f"in {time.perf_counter() - began:.0f} s ({os.environ.get('DATABASE_URL', 'SQLite')[:30]})")  # fmt: skip
        bare_port, app_port = free_port(), free_port()
        bare = start(env, "hello:app", bare_port, app_dir=tmp)
        townhall = start(env, "townhall.asgi:application", app_port)
        try:
            targets = {
                "bare ASGI": f"http://127.0.0.1:{bare_port}/",
                "Django view": f"http://127.0.0.1:{app_port}/healthz",
                "topic page": f"http://127.0.0.1:{app_port}{topic_path}",
            }
            results: dict[tuple[str, int], tuple[float, list[float]]] = {}
            for concurrency in (50, 1):
                for name, url in targets.items():
                    asyncio.run(load(url, concurrency=concurrency, seconds=1))  # warm up
                    results[(name, concurrency)] = asyncio.run(
                        load(url, concurrency=concurrency, seconds=args.seconds)
                    )
                    rps, lat = results[(name, concurrency)]
                    print(f"{name:12} c={concurrency:<3} {rps:9.0f} req/s  p50 {pct(lat, 0.5):7.2f} ms  "
                          f"p99 {pct(lat, 0.99):7.2f} ms  (mean {statistics.fmean(lat):.2f} ms)")  # fmt: skip
        finally:
            bare.terminate()
            townhall.terminate()
    ratio = results[("topic page", 50)][0] / results[("bare ASGI", 50)][0]
    _, single = results[("topic page", 1)]
    print(
        f"topic_rps_ratio_vs_bare={ratio:.4f} topic_p50_ms={pct(single, 0.5):.2f} topic_p99_ms={pct(single, 0.99):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
