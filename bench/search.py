"""Search latency through the API on the topic-page bench data, in the shared search index.

Run: `uv run python bench/search.py [--posts 1000000 --topics 50000 --members 10000 --requests 200]`
(DATABASE_URL=postgres://… for PostgreSQL). Seeds like bench/topic_page.py (half of all posts contain
"nebula"; "starN" is found in about posts/50,000 posts) and fills the search index from the posts in SQL
(`--reindex` uses `townhall manage reindex` instead and times it), then adds three posts of 16,000 times "a"
(the posts that used to stall a search for "a"; "b" on PostgreSQL). It starts Townhall with uvicorn and measures
`GET /api/v1/search?q=…` one request at a time. The last line reads
`search_selective_p95_ms=… search_common_p95_ms=… search_huge_p95_ms=…` (goals: 50, 150 and 500 ms).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

_spec = importlib.util.spec_from_file_location("topic_page_bench", Path(__file__).with_name("topic_page.py"))
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)

# The word of the huge posts: "a" stalled SQLite; on PostgreSQL "a" is a stop word (never indexed), so "b".
HUGE_WORD = "b" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "a"


def seed(env: dict[str, str], *, members: int, topics: int, posts: int, reindex: bool) -> None:
    """Members through `townhall seed`, posts with executemany, then the search index; in child processes."""
    manage = [sys.executable, "-m", "townhall.cli", "manage"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([sys.executable, "-m", "townhall.cli", "seed", "--members", str(members)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    code = textwrap.dedent(
        f"""
        import django, random
        django.setup()
        from django.db import connection, transaction
        from django.utils import timezone
        from townhall.accounts.models import User
        from townhall.spaces.models import Space
        from townhall.discussions.models import Topic

        topics, posts = {topics}, {posts}
        user_ids = list(User.objects.values_list("id", flat=True)[:{members}])
        space, _ = Space.objects.get_or_create(slug="bench", defaults={{"name": "Bench", "visibility": "public"}})
        now = timezone.now()
        words = "long exposures need a tracker patience and dark skies over the desert".split()
        per_topic = max(posts // topics, 1)
        rng = random.Random(7)
        cols = "topic_id, author_id, position, depth, path, body, body_html, hidden, reply_count, reaction_count, created_at"
        sql = f"INSERT INTO discussions_post ({{cols}}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ts = connection.ops.adapt_datetimefield_value(now)
        with transaction.atomic():
            Topic.objects.bulk_create(
                [Topic(space=space, author_id=rng.choice(user_ids), title=f"Bench topic {{i}}", slug=f"bench-topic-{{i}}",
                       last_posted_at=now, post_count=per_topic, last_position=per_topic) for i in range(topics)],
                batch_size=5000,
            )
            topic_ids = list(Topic.objects.filter(space=space).order_by("id").values_list("id", flat=True))
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
        """
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    began = time.perf_counter()
    if reindex:
        subprocess.run([*manage, "reindex", "--type", "post"], env=env, check=True)
    else:
        fill = textwrap.dedent(
            """
            import django
            django.setup()
            from django.db import connection, transaction
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO search_document"
                    " (type, object_id, space_id, container_id, title, body, author_id, created_at, visibility)"
                    " SELECT 'post', p.id, t.space_id, t.id, '', p.body, p.author_id, p.created_at, ''"
                    " FROM discussions_post p JOIN discussions_topic t ON t.id = p.topic_id ORDER BY p.id"
                )
            """
        )
        subprocess.run([sys.executable, "-c", fill], env=env, check=True)
    how = "townhall manage reindex" if reindex else "SQL"
    print(f"indexed {posts:,} posts with {how} in {time.perf_counter() - began:.0f} s")
    huge = textwrap.dedent(
        f"""
        import django
        django.setup()
        from townhall.accounts.models import User
        from townhall.core.effects import RowsWritten, emit
        from townhall.discussions.models import Post, Topic
        from townhall.spaces.models import Space

        space = Space.objects.get(slug="bench")
        author = User.objects.order_by("id").first()
        ids = []
        for i in range(3):
            topic = Topic.objects.create(space=space, author=author, title=f"Filler {{i}}", slug="filler",
                                         last_posted_at=space.created_at)
            body = " ".join(["{HUGE_WORD}"] * 16000)
            post = Post.objects.create(topic=topic, author=author, position=1, depth=0, path="00000001",
                                       body=body, body_html=f"<p>{{body}}</p>")
            ids.append(post.pk)
        emit(RowsWritten("discussions.post", tuple(ids)))  # written in bulk: the index refreshes them
        """
    )
    subprocess.run([sys.executable, "-c", huge], env=env, check=True)
    analyze = "import django; django.setup(); from django.db import connection; connection.cursor().execute('ANALYZE')"
    subprocess.run([sys.executable, "-c", analyze], env=env, check=True)  # fresh planner statistics


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def measure(client: httpx.Client, url: str, queries: list[str]) -> list[float]:
    timings = []
    for q in queries:
        began = time.perf_counter()
        response = client.get(url, params={"q": q})
        if response.status_code != 200:
            raise SystemExit(f"search answered {response.status_code}: {response.text[:200]}")
        if response.json().get("message"):
            raise SystemExit(f"search for {q!r} was stopped: {response.json()['message']}")
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=50_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--reindex", action="store_true", help="index with `townhall manage reindex` (slower)"
    )
    args = parser.parse_args()
    rng = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env["TOWNHALL_DATA_DIR"] = str(Path(tmp) / "data")
        env["DJANGO_SETTINGS_MODULE"] = "townhall.settings"
        env.setdefault("TOWNHALL_ALLOWED_HOSTS", "127.0.0.1,localhost")
        began = time.perf_counter()
        seed(env, members=args.members, topics=args.topics, posts=args.posts, reindex=args.reindex)
        print(f"seeded {args.posts:,} posts in {args.topics:,} topics by {args.members:,} members "
              f"in {time.perf_counter() - began:.0f} s ({os.environ.get('DATABASE_URL', 'SQLite')[:30]})")  # fmt: skip
        port = bench.free_port()
        server = bench.start(env, "townhall.asgi:application", port)
        try:
            url = f"http://127.0.0.1:{port}/api/v1/search"
            with httpx.Client(timeout=60) as client:
                measure(client, url, ["nebula"] * 5)  # warm up
                selective = measure(
                    client, url, [f"star{rng.randrange(50_000)}" for _ in range(args.requests)]
                )
                common = measure(client, url, ["nebula"] * max(args.requests // 4, 10))
                huge = measure(client, url, [HUGE_WORD] * max(args.requests // 4, 10))
        finally:
            server.terminate()
    sel95, com95, huge95 = pct(selective, 0.95), pct(common, 0.95), pct(huge, 0.95)
    print(f"selective term: p50 {pct(selective, 0.5):.1f} ms  p95 {sel95:.1f} ms")
    print(f"common term:    p50 {pct(common, 0.5):.1f} ms  p95 {com95:.1f} ms")
    print(f"'{HUGE_WORD}' (3 huge posts): p50 {pct(huge, 0.5):.1f} ms  p95 {huge95:.1f} ms")
    print(
        f"search_selective_p95_ms={sel95:.1f} search_common_p95_ms={com95:.1f} search_huge_p95_ms={huge95:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
