"""Several web processes and one Redis, as in production: two real `townhall serve` processes (granian)
share a SQLite database and a private Redis started by the test; real WebSocket clients (the
`websockets` package) connect to each.

- A reply posted through one process reaches the clients of both.
- Redis goes away: the streams close with 1013 (the page says live updates are paused), a reply posted
  meanwhile is stored and answered 201, pages still render (nothing answers 500); Redis comes back: the
  clients reconnect with their last seq and get the reply they missed, then hear new ones live.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parents[1]
TOWNHALL = [sys.executable, "-m", "townhall.cli"]

SETUP = """
import json, django
django.setup()
from django.test import Client
import factories as testing
from townhall.accounts.actions import create_access_token
from townhall.discussions import actions
from townhall.policy import Guardian

testing.make_community()
reader, writer = testing.make_member("rui"), testing.make_member("lea")
space = testing.make_space("Gear talk", members=[reader, writer])
topic = actions.create_topic(Guardian(writer), space, title="Dew shields", body="Any tips?")
chat = testing.make_space("Night chat", kind="chat", members=[reader, writer])
_, token = create_access_token(Guardian(writer), writer, name="test", scope="write")
browser = Client()
browser.force_login(reader)
print(json.dumps({"session": browser.cookies["sessionid"].value, "token": token, "topic": topic.pk,
                  "slug": topic.slug if hasattr(topic, "slug") else "", "chat": chat.slug}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Redis:
    """A private redis-server on a free port, without persistence; stopped and started by the test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def site_env(data_dir: Path, redis_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "TOWNHALL_DEBUG",
            "TOWNHALL_SECRET_KEY",
            "TOWNHALL_ALLOWED_HOSTS",
        }
        and not k.startswith("PYTEST")
    }
    env.update(
        TOWNHALL_DATA_DIR=str(data_dir),
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        DJANGO_SETTINGS_MODULE="townhall.settings",
    )
    return env


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*TOWNHALL, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # granian's workers share the group: stopped together
        )
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@dataclass
class Site:
    redis: Redis
    ports: tuple[int, int]
    session: str
    token: str
    topic: int
    logs: tuple[Path, Path]
    chat: str = ""

    def base(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n]}"

    def reply(self, n: int, body: str) -> httpx.Response:
        """The writer replies through the API of process `n`."""
        return httpx.post(
            f"{self.base(n)}/api/v1/topics/{self.topic}/posts",
            json={"body": body},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    def say(self, n: int, body: str) -> httpx.Response:
        """The writer sends a chat message through the API of process `n`."""
        return httpx.post(
            f"{self.base(n)}/api/v1/spaces/{self.chat}/messages",
            json={"body": body},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("two-processes")
    redis = Redis(free_port())
    redis.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        env = site_env(data_dir, f"redis://127.0.0.1:{redis.port}/0")
        migrated = subprocess.run(
            [*TOWNHALL, "manage", "migrate", "--verbosity", "0"], env=env, capture_output=True, text=True
        )
        assert migrated.returncode == 0, migrated.stderr
        made = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        facts = json.loads(made.stdout.strip().splitlines()[-1])
        ports = (free_port(), free_port())
        logs = (data_dir / "a.log", data_dir / "b.log")
        for port, log in zip(
            ports, logs, strict=True
        ):  # one after the other: the first collects static files
            procs.append(serve(env, port, log))
        yield Site(redis, ports, facts["session"], facts["token"], facts["topic"], logs, facts["chat"])
    finally:
        for proc in procs:
            stop(proc)
        redis.stop()


class Page:
    """One tab's stream, as townhall.js keeps it: the frames it got and its last seq."""

    def __init__(self, site: Site, n: int) -> None:
        self.site, self.n = site, n
        self.socket: Any = None
        self.frames: list[dict[str, Any]] = []
        self.seq: int | None = None

    async def open(self) -> list[dict[str, Any]]:
        """Connect (resuming after the last seq, if any); the frames up to `stream/live`."""
        query = "" if self.seq is None else f"?after={self.seq}"
        self.socket = await websockets.connect(
            f"ws://127.0.0.1:{self.site.ports[self.n]}/ws/stream/{query}",
            origin=self.site.base(self.n),
            additional_headers={"Cookie": f"sessionid={self.site.session}"},
            open_timeout=30,
        )
        opening = []
        while True:
            frame = await self.next(10)
            opening.append(frame)
            if frame.get("type") == "stream" and frame.get("op") == "live":
                return opening

    async def reopen(self, within: float = 20) -> list[dict[str, Any]]:
        """Reconnect as townhall.js does after a close: try again until the stream accepts."""
        deadline = time.monotonic() + within
        while True:
            try:
                return await self.open()
            except (websockets.InvalidStatus, OSError):
                assert time.monotonic() < deadline, "the stream did not come back"
                await asyncio.sleep(0.5)

    async def next(self, timeout: float) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        self.frames.append(frame)
        if isinstance(frame.get("seq"), int):
            self.seq = max(self.seq or 0, frame["seq"])
        return frame

    async def reply_arrives(self, post_id: int, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.next(max(0.01, deadline - time.monotonic()))
            if frame.get("op") == "post_created" and frame.get("post_id") == post_id:
                return frame

    async def closed_with(self, timeout: float) -> int | None:
        """Wait for the server to close the socket (reading on); its close code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                await self.next(max(0.01, deadline - time.monotonic()))
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006
        except TimeoutError:
            return None
        return None


def test_a_reply_through_one_process_reaches_the_clients_of_both(site: Site) -> None:
    async def scenario() -> None:
        pages = [Page(site, 0), Page(site, 1)]
        for page in pages:
            await page.open()
        for through in (0, 1):
            answer = await asyncio.to_thread(site.reply, through, f"Through process {through}.")
            assert answer.status_code == 201, answer.text
            post_id = answer.json()["id"]
            frames = [await page.reply_arrives(post_id) for page in pages]
            assert frames[0] == frames[1]  # the same broadcast, with the same seq, on both processes
            assert frames[0]["seq"] > 0 and frames[0]["topic_id"] == site.topic
        for page in pages:
            await page.socket.close()

    asyncio.run(scenario())
    assert "Traceback" not in site.output()


def test_redis_going_away_pauses_the_streams_and_loses_nothing(site: Site) -> None:
    async def scenario() -> None:
        pages = [Page(site, 0), Page(site, 1)]
        for page in pages:
            await page.open()
        before = await asyncio.to_thread(site.reply, 0, "Before the outage.")
        for page in pages:
            await page.reply_arrives(before.json()["id"])

        site.redis.stop()
        for page in pages:  # a heartbeat's pong cannot come back through the layer: 1013, try again later
            await page.socket.send(json.dumps({"type": "heartbeat"}))
        codes = [await page.closed_with(15) for page in pages]
        assert codes == [1013, 1013], codes

        during = await asyncio.to_thread(site.reply, 0, "While Redis is away.")
        assert during.status_code == 201, during.text  # stored, not a 500
        missed = during.json()["id"]
        said = await asyncio.to_thread(site.say, 1, "Chat while Redis is away.")
        assert said.status_code == 201, said.text  # a chat message is stored too, not a 500
        for n in (0, 1):  # pages render for the signed-in reader, and for visitors
            for path in (f"/t/{site.topic}/", "/", f"/s/{site.chat}/"):
                page = await asyncio.to_thread(
                    httpx.get,
                    site.base(n) + path,
                    cookies={"sessionid": site.session},
                    timeout=30,
                    follow_redirects=True,
                )
                assert page.status_code < 500, (path, page.status_code)
        with pytest.raises((websockets.InvalidStatus, websockets.ConnectionClosed, OSError)):
            await Page(site, 1).open()  # a stream cannot open without its layer; it is refused, not crashed

        site.redis.start()
        for page in pages:
            opening = await page.reopen()  # resumes after the last seq it saw
            assert [f.get("post_id") for f in opening if f.get("op") == "post_created"] == [missed]
            chat = [f.get("message_id") for f in opening if f.get("op") == "message_created"]
            assert chat == [said.json()["id"]]  # the chat message sent meanwhile is replayed too
        after = await asyncio.to_thread(site.reply, 1, "After the outage.")
        assert after.status_code == 201
        for page in pages:
            await page.reply_arrives(after.json()["id"])
            seqs = [f["seq"] for f in page.frames if "seq" in f and f.get("type") == "topic"]
            assert len(seqs) == len(set(seqs))  # nothing twice
            await page.socket.close()

    asyncio.run(scenario())
