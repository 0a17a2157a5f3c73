"""Chat fan-out: how fast a message reaches 1,000 open streams, against a bare ASGI broadcast in one run.

Run: `uv run python bench/chat_fanout.py [--clients 1000 --messages 30 --rate 10 --sustain 60]`
(`--redis` serves Townhall with two web processes and a private Redis as the channel layer; add
DATABASE_URL=postgres://… for PostgreSQL; the default is a fresh SQLite data directory, one process).

It seeds `--clients` members and one public chat space, starts `townhall serve`, and opens one WebSocket
stream per member (their own session cookie, as a browser tab would). Then:

1. **Burst:** `--messages` messages are sent one after another through the API
   (`POST /api/v1/spaces/<slug>/messages`); for each, the time from the moment it was sent until the
   last stream has its `chat/message_created` frame.
2. **Baseline:** the same clients on a bare ASGI app (the same uvicorn and websockets, no Django, no
   channel layer): an HTTP POST puts the frame on every socket's queue. Same sends, same measurements.
3. **Sustained:** `--rate` messages a second for `--sustain` seconds through the API, sent on schedule
   whether or not the earlier ones have arrived, by 40 members in turn (each stays within the send rate
   limit); for each, the time until the last stream has it.

The last line reads `fanout_ratio_vs_raw=… delivered_pct=… p99_ms=… sustained_within_500ms_pct=…` where
the ratio compares the burst's median completion times, delivery counts every (stream, message) pair of
both Townhall phases, and p99 is over the burst's per-stream latencies. Goals (issue 8): ratio ≤ 1.5,
100% delivered, p99 ≤ 300 ms, ≥ 95% of sustained messages complete within 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

RAW_APP = textwrap.dedent(
    """
    import asyncio, json

    queues = set()

    async def app(scope, receive, send):
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            queue = asyncio.Queue()
            queues.add(queue)
            await send({"type": "websocket.send", "text": json.dumps({"type": "stream", "op": "live"})})
            reader = asyncio.ensure_future(receive())
            try:
                while True:
                    getter = asyncio.ensure_future(queue.get())
                    done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                    if reader in done:
                        getter.cancel()
                        return
                    await send({"type": "websocket.send", "text": getter.result()})
            finally:
                queues.discard(queue)
        elif scope["type"] == "http" and scope["method"] != "POST":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ready"})
        elif scope["type"] == "http":
            body = b""
            while True:
                event = await receive()
                body += event.get("body", b"")
                if not event.get("more_body"):
                    break
            message_id = json.loads(body)["id"]
            frame = json.dumps({"type": "chat", "op": "message_created", "space_id": 1, "message_id": message_id})
            for queue in list(queues):
                queue.put_nowait(frame)
            await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps({"id": message_id}).encode()})
    """
)

SEED = textwrap.dedent(
    """
    import django, json, sys
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from townhall.accounts.models import AccessToken, User
    from townhall.accounts.actions import create_access_token
    from townhall.policy import Guardian
    from townhall.spaces.bulk import NewSpace, NewSpaceMember, bulk_add_space_members, bulk_create_spaces
    from townhall.spaces.models import Space

    clients, senders = int(sys.argv[1]), int(sys.argv[2])
    users = list(User.objects.filter(is_active=True).order_by("id")[: max(clients, senders)])
    space_id = bulk_create_spaces([NewSpace("Fan-out", kind="chat", visibility=Space.PUBLIC,
                                            created_by_id=users[0].pk)])[0]
    space = Space.objects.get(pk=space_id)
    bulk_add_space_members([NewSpaceMember(space_id, u.pk) for u in users[1:senders]])
    sessions = []
    for user in users[:clients]:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    tokens = [create_access_token(Guardian(u), u, name="fan-out bench", scope=AccessToken.WRITE)[1]
              for u in users[:senders]]
    print(json.dumps({"slug": space.slug, "sessions": sessions, "tokens": tokens}))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{what} did not start")


@dataclass
class Clients:
    """Open sockets and, per message id, when each socket received it (perf_counter seconds)."""

    sockets: list[ClientConnection] = field(default_factory=list)
    arrivals: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def open(self, url: str, cookies: list[str | None], origin: str) -> None:
        gate = asyncio.Semaphore(50)  # open at most 50 at a time, as tabs would reconnect after a restart
        live = [asyncio.Event() for _ in cookies]

        async def one(index: int, cookie: str | None) -> None:
            headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
            async with gate:
                ws = await connect(url, additional_headers=headers, origin=origin, max_queue=None)  # type: ignore[arg-type]
                self.sockets.append(ws)
                self.readers.append(asyncio.create_task(self._read(ws, live[index])))
                await asyncio.wait_for(live[index].wait(), 30)

        await asyncio.gather(*(one(i, c) for i, c in enumerate(cookies)))

    async def _read(self, ws: ClientConnection, live: asyncio.Event) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "chat" and frame.get("op") == "message_created":
                    self.arrivals[int(frame["message_id"])].append(time.perf_counter())
                elif frame.get("type") == "stream" and frame.get("op") == "live":
                    live.set()

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.readers:
            task.cancel()


@dataclass
class Sent:
    message_id: int
    at: float


async def wait_all(clients: Clients, sent: list[Sent], count: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(len(clients.arrivals.get(s.message_id, ())) >= count for s in sent):
            return
        await asyncio.sleep(0.005)


def completions(clients: Clients, sent: list[Sent], count: int) -> tuple[list[float], list[float], int]:
    """(per-message completion ms for fully delivered messages, per-stream latencies ms, pairs delivered)."""
    done: list[float] = []
    each: list[float] = []
    delivered = 0
    for s in sent:
        times = clients.arrivals.get(s.message_id, [])
        delivered += min(len(times), count)
        each.extend((t - s.at) * 1000 for t in times)
        if len(times) >= count:
            done.append((max(times) - s.at) * 1000)
    return done, each, delivered


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def burst(http: httpx.AsyncClient, clients: Clients, post: Any, *, messages: int) -> list[Sent]:
    sent: list[Sent] = []
    for i in range(messages):
        at = time.perf_counter()
        message_id = await post(http, i)
        sent.append(Sent(message_id, at))
        await wait_all(clients, [sent[-1]], len(clients.sockets), timeout=10)
        await asyncio.sleep(0.05)
    return sent


async def sustained(
    http: httpx.AsyncClient, clients: Clients, post: Any, *, rate: float, seconds: float
) -> list[Sent]:
    sent: list[Sent] = []
    start = time.perf_counter()
    total = int(rate * seconds)

    async def one(i: int) -> None:
        at = time.perf_counter()
        sent.append(Sent(await post(http, i), at))

    tasks = []
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    await wait_all(clients, sent, len(clients.sockets), timeout=15)
    return sent


def townhall_env(args: argparse.Namespace, data_dir: str, port: int, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TOWNHALL_TESTING")}
    env.update(
        TOWNHALL_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="townhall.settings",
        TOWNHALL_SECRET_KEY="fan-out-bench-" + "x" * 40,
        TOWNHALL_ALLOWED_HOSTS="127.0.0.1,localhost",
        TOWNHALL_BASE_URL=f"http://127.0.0.1:{port}",
        TOWNHALL_API_WRITE_RATE="100000/m",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"


async def run(args: argparse.Namespace) -> int:
    data_dir = tempfile.mkdtemp(prefix="fanout-bench-")
    redis: subprocess.Popen[bytes] | None = None
    redis_url = None
    if args.redis:
        redis, redis_url = start_redis()
    port, raw_port = free_port(), free_port()
    env = townhall_env(args, data_dir, port, redis_url)
    townhall = [sys.executable, "-m", "townhall.cli"]
    procs: list[subprocess.Popen[bytes]] = []
    log = Path(data_dir) / "server.log"
    try:
        t0 = time.perf_counter()
        subprocess.run([*townhall, "manage", "migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run(
            [*townhall, "seed", "--members", str(args.clients)], env=env, check=True, capture_output=True
        )
        senders = 40
        out = subprocess.run(
            [sys.executable, "-c", SEED, str(args.clients), str(senders)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        seeded = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"seeded {args.clients} members with sessions in {time.perf_counter() - t0:.1f} s", flush=True)

        serve = [*townhall, "serve", "--port", str(port)] + (["--workers", "2"] if args.redis else [])
        with log.open("ab") as output:
            procs.append(subprocess.Popen(serve, env=env, stdout=output, stderr=subprocess.STDOUT))
        wait_http(f"http://127.0.0.1:{port}/healthz", procs[-1], "townhall serve")
        raw_dir = Path(data_dir) / "raw"
        raw_dir.mkdir()
        (raw_dir / "rawapp.py").write_text(RAW_APP)
        raw_cmd = [sys.executable, "-m", "uvicorn", "rawapp:app", "--app-dir", str(raw_dir), "--port", str(raw_port),
                   "--ws", "websockets-sansio", "--log-level", "warning", "--no-access-log"]  # fmt: skip
        procs.append(subprocess.Popen(raw_cmd, env=env))
        wait_http(f"http://127.0.0.1:{raw_port}/", procs[-1], "the bare ASGI app")

        mode = "two web processes + Redis" if args.redis else "embedded, one process"
        db = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
        print(f"Townhall: {mode}, {db}; {args.clients} streams", flush=True)

        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=30) as http:
            # --- the bare ASGI baseline ---------------------------------------------------------
            raw = Clients()
            await raw.open(
                f"ws://127.0.0.1:{raw_port}/ws", [None] * args.clients, f"http://127.0.0.1:{raw_port}"
            )

            async def raw_post(client: httpx.AsyncClient, i: int) -> int:
                response = await client.post(f"http://127.0.0.1:{raw_port}/send", json={"id": 1_000_000 + i})
                return int(response.json()["id"])

            raw_sent = await burst(http, raw, raw_post, messages=args.messages)
            raw_done, _, _ = completions(raw, raw_sent, args.clients)
            await raw.close()

            # --- Townhall -----------------------------------------------------------------------
            streams = Clients()
            opened = time.perf_counter()
            await streams.open(
                f"ws://127.0.0.1:{port}/ws/stream/", seeded["sessions"], f"http://127.0.0.1:{port}"
            )
            print(f"{args.clients} streams live in {time.perf_counter() - opened:.1f} s", flush=True)
            url = f"http://127.0.0.1:{port}/api/v1/spaces/{seeded['slug']}/messages"

            api_ms: list[float] = []

            async def post(client: httpx.AsyncClient, i: int) -> int:
                token = seeded["tokens"][i % len(seeded["tokens"])]
                began = time.perf_counter()
                response = await client.post(
                    url, json={"body": f"Fan-out message {i}"}, headers={"Authorization": f"Bearer {token}"}
                )
                if response.status_code != 201:
                    raise SystemExit(
                        f"FAILED: sending answered {response.status_code}: {response.text[:300]}"
                    )
                api_ms.append((time.perf_counter() - began) * 1000)
                return int(response.json()["id"])

            sent = await burst(http, streams, post, messages=args.messages)
            burst_api = list(api_ms)
            done, each, delivered = completions(streams, sent, args.clients)
            expected = args.clients * len(sent)
            long_sent = await sustained(http, streams, post, rate=args.rate, seconds=args.sustain)
            long_done, _, long_delivered = completions(streams, long_sent, args.clients)
            expected += args.clients * len(long_sent)
            delivered += long_delivered
            await streams.close()

        raw_median = statistics.median(raw_done) if raw_done else float("nan")
        median = statistics.median(done) if done else float("nan")
        within = sum(1 for ms in long_done if ms <= 500) / max(len(long_sent), 1) * 100
        print(f"bare ASGI burst: median completion {raw_median:.1f} ms, p99 {pct(raw_done, 99):.1f} ms")
        print(
            f"Townhall burst: median completion {median:.1f} ms, p99 completion {pct(done, 99):.1f} ms, "
            f"per-stream p50 {pct(each, 50):.1f} ms p99 {pct(each, 99):.1f} ms; the send request itself "
            f"took {statistics.median(burst_api):.1f} ms (median)"
        )
        print(
            f"Townhall sustained {args.rate:g}/s for {args.sustain:g} s: {len(long_sent)} messages, median "
            f"completion {statistics.median(long_done) if long_done else float('nan'):.1f} ms, "
            f"p95 {pct(long_done, 95):.1f} ms, {within:.1f}% within 500 ms"
        )
        print(
            f"fanout_ratio_vs_raw={median / raw_median:.2f} delivered_pct={delivered / expected * 100:.2f} "
            f"p99_ms={pct(each, 99):.1f} sustained_within_500ms_pct={within:.1f}"
        )
        problems = [
            ln for ln in log.read_text(errors="replace").splitlines() if "Traceback" in ln or "ERROR" in ln
        ]
        if problems:
            print(f"FAILED: the server logged {len(problems)} problem line(s), the first: {problems[0]}")
            return 1
        return 0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        if redis is not None:
            redis.terminate()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--sustain", type=float, default=60.0)
    parser.add_argument("--redis", action="store_true", help="two web processes and a private Redis")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (and the server log)")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
