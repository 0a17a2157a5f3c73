"""Topic page throughput and latency against a bare ASGI app and a plain Django view, in one run.

Run: `uv run python bench/topic_page.py [--posts 1000000 --topics 50000 --members 10000 --seconds 10]`
(add DATABASE_URL=postgres://… to measure PostgreSQL; the default is a fresh SQLite data directory).

It seeds members (`townhall seed --members`), one public space with `--topics` topics and `--posts`
posts (written by the discussions bulk layer, as the actions would write them: counters, the authors'
follow and read rows, rendered HTML, Activity; the search index follows its RowsWritten events), and
prints how long that took. Then it starts two uvicorn servers on
the same machine: a bare ASGI hello-world, and Townhall for a plain Django view (/healthz), the topic
page (20 posts) for an anonymous visitor (served from the page cache after the first request), and the
same page for a signed-in member (rendered every time). Each is loaded at concurrency 50 and then 1 for
`--seconds` seconds. The last two lines read
`member_topic_rps_ratio_vs_bare=… member_topic_p50_ms=… member_topic_p99_ms=…` and
`topic_rps_ratio_vs_bare=… topic_p50_ms=… topic_p99_ms=…` (p50/p99 at concurrency 1).

The run fails (exit code 1, a line starting with "FAILED:") when the Townhall server logged any
exception or error, such as a request that broke when wrk left in the middle of it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
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


def seed(env: dict[str, str], *, members: int, topics: int, posts: int) -> tuple[str, str]:
    """Seed through Django in a child process; returns the busiest topic's path and a member's session key."""
    subprocess.run(
        [sys.executable, "-m", "townhall.cli", "manage", "migrate", "--verbosity", "0"], env=env, check=True
    )
    # Debug is off: pages link the collected, hashed static files (`townhall serve` would collect them).
    subprocess.run([sys.executable, "-m", "townhall.cli", "manage", "collectstatic", "--noinput", "--verbosity", "0"],
                   env=env, check=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "townhall.cli", "seed", "--members", str(members)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    code = textwrap.dedent(
        f"""
        import django, random, sys
        django.setup()
        from datetime import timedelta
        from django.db import connection
        from django.utils import timezone
        from townhall.accounts.models import User
        from townhall.spaces.bulk import NewSpace, bulk_create_spaces
        from townhall.spaces.models import Space
        from townhall.discussions.bulk import NewReply, NewTopic, bulk_create_topics
        from townhall.discussions.models import Topic

        topics, posts = {topics}, {posts}
        user_ids = list(User.objects.values_list("id", flat=True)[:{members}])
        space = Space.objects.filter(slug="bench").first()
        if space is None:
            space = Space.objects.get(pk=bulk_create_spaces([NewSpace("Bench", visibility="public")])[0])
        words = "long exposures need a tracker patience and dark skies over the desert".split()
        per_topic = max(posts // topics, 1)
        rng = random.Random(7)
        start = timezone.now() - timedelta(minutes=topics + 1)
        written = 0

        def text():
            global written
            body = " ".join(rng.choice(words) for _ in range(30))
            body += (" nebula" if written % 2 == 0 else " cluster") + f" star{{written % 50000}}"
            written += 1
            return body

        def conversation():
            # Flat threads (every reply answers the topic), a minute per topic and a second per reply.
            for i in range(topics):
                at = start + timedelta(minutes=i)
                author, body = rng.choice(user_ids), text()
                replies = [NewReply(rng.choice(user_ids), text(), at + timedelta(seconds=pos))
                           for pos in range(2, per_topic + 1)]
                yield NewTopic(space.pk, author, f"Bench topic {{i}}", body, at, replies=replies)

        # The bulk layer writes what the actions would: positions and paths, counters, the authors'
        # follow and read rows, rendered HTML, Activity; its RowsWritten events keep the search index.
        bulk_create_topics(conversation())
        with connection.cursor() as cur:  # fresh planner statistics after the bulk load
            cur.execute("ANALYZE")
        busiest = Topic.objects.filter(space=space).order_by("id").first()
        # A signed-in member's session, for the uncached figure.
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        member = User.objects.get(pk=user_ids[0])
        session = SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.create()
        sys.stdout.write(busiest.get_absolute_url() + "\\n" + session.session_key)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    path, session_key = out.stdout.strip().splitlines()[-2:]
    return path, session_key


def start(
    env: dict[str, str], app: str, port: int, app_dir: str | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start uvicorn for `app`; its output (warnings, errors, tracebacks) goes to `log` when given."""
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
    output = log.open("ab") if log is not None else None
    proc = subprocess.Popen(cmd, env=env, stdout=output, stderr=subprocess.STDOUT)
    if output is not None:
        output.close()  # the child keeps its own descriptor
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server for {app} did not start")


# What a server must never print during a run: a clean log proves that no request failed, including
# the ones wrk abandons when its time is up (a client leaving mid-request).
PROBLEM = re.compile(
    r"Traceback \(most recent call last\)|Exception in ASGI application|Internal Server Error|^ERROR|\bERROR:"
)


def logged_problems(log: Path) -> list[str]:
    """The lines of `log` that report an exception or error, with the exception's own line after each."""
    text = log.read_text(errors="replace") if log.exists() else ""
    lines = text.splitlines()
    found: list[str] = []
    for index, line in enumerate(lines):
        if PROBLEM.search(line):
            # The exception itself is the last line of its traceback: the next line without indentation.
            tail = next((ln for ln in lines[index + 1 :] if ln and not ln[0].isspace()), "")
            found.append(
                f"{line.strip()} -> {tail.strip()}" if tail and "Traceback" in line else line.strip()
            )
    return found


@dataclass
class Figures:
    rps: float
    p50: float
    p99: float


async def _httpx_load(
    url: str, *, concurrency: int, seconds: float, cookies: dict[str, str] | None
) -> Figures:
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, cookies=cookies) as client:

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
    ordered = sorted(latencies)
    return Figures(len(ordered) / elapsed, ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)])


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk_load(url: str, *, concurrency: int, seconds: float, cookies: dict[str, str] | None) -> Figures:
    cmd = ["wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{max(int(seconds), 1)}s", "--latency"]
    if cookies:
        cmd += ["-H", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered with errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    return Figures(rps, p50, p99)


def load(url: str, *, concurrency: int, seconds: float, cookies: dict[str, str] | None = None) -> Figures:
    """wrk when installed (a C client that does not bottleneck the server), else an httpx client."""
    if shutil.which("wrk"):
        return _wrk_load(url, concurrency=concurrency, seconds=seconds, cookies=cookies)
    return asyncio.run(_httpx_load(url, concurrency=concurrency, seconds=seconds, cookies=cookies))


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
        topic_path, session_key = seed(env, members=args.members, topics=args.topics, posts=args.posts)
        print(f"seeded {args.posts:,} posts in {args.topics:,} topics by {args.members:,} members "
              f"in {time.perf_counter() - began:.0f} s ({os.environ.get('DATABASE_URL', 'SQLite')[:30]})")  # fmt: skip
        bare_port, app_port = free_port(), free_port()
        townhall_log = Path(tmp) / "townhall-server.log"
        bare = start(env, "hello:app", bare_port, app_dir=tmp)
        townhall = start(env, "townhall.asgi:application", app_port, log=townhall_log)
        try:
            member = {"sessionid": session_key}
            targets = {
                "bare ASGI": (f"http://127.0.0.1:{bare_port}/", None),
                "Django view": (f"http://127.0.0.1:{app_port}/healthz", None),
                "topic page": (f"http://127.0.0.1:{app_port}{topic_path}", None),
                "topic member": (f"http://127.0.0.1:{app_port}{topic_path}", member),
            }
            print(f"load from {'wrk' if shutil.which('wrk') else 'httpx (install wrk for truer figures)'}")
            results: dict[tuple[str, int], Figures] = {}
            for concurrency in (50, 1):
                for name, (url, cookies) in targets.items():
                    load(url, concurrency=concurrency, seconds=1, cookies=cookies)  # warm up
                    got = results[(name, concurrency)] = load(
                        url, concurrency=concurrency, seconds=args.seconds, cookies=cookies
                    )
                    print(f"{name:12} c={concurrency:<3} {got.rps:9.0f} req/s  p50 {got.p50:7.2f} ms  "
                          f"p99 {got.p99:7.2f} ms")  # fmt: skip
        finally:
            bare.terminate()
            townhall.terminate()
            townhall.wait(30)
        problems = logged_problems(townhall_log)
        if problems:
            print(f"FAILED: the Townhall server logged errors during the run ({len(problems)} line(s)):")
            for problem in problems[:10]:
                print(f"  {problem}")
            return 1
        print("server log clean: no exception or error during the run")
    for name, prefix in (("topic member", "member_topic"), ("topic page", "topic")):
        ratio = results[(name, 50)].rps / results[("bare ASGI", 50)].rps
        single = results[(name, 1)]
        print(f"{prefix}_rps_ratio_vs_bare={ratio:.4f} {prefix}_p50_ms={single.p50:.2f} "
              f"{prefix}_p99_ms={single.p99:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
