"""Search latency through the API on the topic-page bench data.

Run: `uv run python bench/search.py [--posts 1000000 --topics 50000 --members 10000 --requests 200]`
(DATABASE_URL=postgres://… for PostgreSQL). Seeds like bench/topic_page.py (half of all posts contain
"nebula"; "starN" is found in about posts/50,000 posts), starts Townhall with uvicorn and measures
`GET /api/v1/search?q=…` one request at a time. The last line reads
`search_selective_p95_ms=… search_common_p95_ms=…` (goals: 50 ms and 150 ms).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

_spec = importlib.util.spec_from_file_location("topic_page_bench", Path(__file__).with_name("topic_page.py"))
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)


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
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=50_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env["TOWNHALL_DATA_DIR"] = str(Path(tmp) / "data")
        env["DJANGO_SETTINGS_MODULE"] = "townhall.settings"
        env.setdefault("TOWNHALL_ALLOWED_HOSTS", "127.0.0.1,localhost")
        bench.seed(env, members=args.members, topics=args.topics, posts=args.posts)
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
        finally:
            server.terminate()
    sel95, com95 = pct(selective, 0.95), pct(common, 0.95)
    print(f"selective term: p50 {pct(selective, 0.5):.1f} ms  p95 {sel95:.1f} ms")
    print(f"common term:    p50 {pct(common, 0.5):.1f} ms  p95 {com95:.1f} ms")
    print(f"search_selective_p95_ms={sel95:.1f} search_common_p95_ms={com95:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
