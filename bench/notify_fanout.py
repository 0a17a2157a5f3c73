"""Notification fan-out: a new topic in a space with 10,000 watchers, against a bare bulk insert of the
same rows in the same run.

Run: `DATABASE_URL=postgres://…/bench_fanout uv run python bench/notify_fanout.py [--watchers 10000
--workers 2 --requests 20]` (the database is emptied first: give it one of its own; without
DATABASE_URL a fresh SQLite data directory is used, where two workers share one writer).

It migrates and seeds a community, an author and `--watchers` members who watch one discussion space
(a second space has no watchers), then:

1. **Baseline:** the same `--watchers` notification rows (the fan-out's own row builder), written by one
   bulk INSERT per 1,000 in one transaction, in this process; then deleted.
2. **Fan-out:** `--workers` `townhall worker` processes are started; the author creates a topic through
   the action (as the create-topic request does) and the clock starts at its commit. The fan-out runs as
   in production: the required consumer's task runs the handler, then one task per 1,000 recipients
   stores them (audience, blocks, preferences, idempotent insert, one broadcast per recipient). The
   clock stops when all rows are stored.
3. **Requests:** with the workers stopped, `--requests` create-topic requests (POST /s/<slug>/new/
   through the Django test client, session, CSRF and middleware included) in the watched space and as
   many in the space without watchers; their medians.

Email: the watchers chose no delay (`email_delay_minutes=0`; "new topics in spaces you watch" emails
by default), the workers send to a local SMTP sink (aiosmtpd, in this process), and a second clock stops
when the sink has received every email.

The last lines read `inpage_fanout_s=… bare_insert_s=… fanout_ratio_vs_bare=…` (goal ≤ 3),
`email_all_handed_to_smtp_s=…` and
`create_topic_ms_watched=… create_topic_ms_unwatched=… request_ratio=…` (goal ≈ 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "townhall.cli", "manage", "flush", "--no-input", "--verbosity", "0"],
        env=env,
        check=False,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "townhall.cli", "manage", "migrate", "--verbosity", "0"], env=env, check=True
    )


def seed(watchers: int) -> dict[str, Any]:
    from townhall.accounts.models import User
    from townhall.community.models import Community, Membership
    from townhall.discussions.models import WATCHING, SpaceFollow
    from townhall.spaces.models import Space, SpaceMembership

    Community.objects.update_or_create(pk=1, defaults={"name": "Night Sky Collective"})
    author = User.objects.create_user(
        username="author", email="author@example.org", password="bench-pass-1234"
    )
    Membership.objects.create(user=author, state=Membership.ACTIVE)
    watched = Space.objects.create(name="Observing", slug="observing", visibility=Space.MEMBERS)
    quiet = Space.objects.create(name="Quiet", slug="quiet", visibility=Space.MEMBERS)
    SpaceMembership.objects.bulk_create([SpaceMembership(space=s, user=author) for s in (watched, quiet)])
    people = User.objects.bulk_create(
        [User(username=f"watcher{i}", email=f"watcher{i}@example.org") for i in range(watchers)],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(user=u, state=Membership.ACTIVE) for u in people], batch_size=2000
    )
    SpaceFollow.objects.bulk_create(
        [SpaceFollow(user=u, space=watched, level=WATCHING) for u in people], batch_size=2000
    )
    from townhall.notifications.models import Settings

    Settings.objects.bulk_create([Settings(user=u, email_delay_minutes=0) for u in people], batch_size=2000)
    return {"author": author, "watched": watched, "quiet": quiet, "ids": [u.pk for u in people]}


def bare_insert(world: dict[str, Any]) -> float:
    """The same rows, built by the fan-out's own row builder, in one transaction of bulk INSERTs."""
    from django.db import transaction
    from django.utils import timezone

    from townhall.notifications.fanout import _row
    from townhall.notifications.kinds import Notice
    from townhall.notifications.models import Notification

    notice = Notice(kind="new_topic", recipient_ids=(), source_key="bench:bare", url="/p/1/",
                    actor_id=world["author"].pk, space_id=world["watched"].pk, target="post:1",
                    thread_key="topic:1", data={"title": "Messier marathon", "excerpt": "Who is in?", "position": 1})  # fmt: skip
    ids = world["ids"]
    began = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.bulk_create(
            [_row(notice, user_id, {user_id: {"web"}}, {}, now) for user_id in ids],
            ignore_conflicts=True,
            batch_size=1000,
        )
    took = time.perf_counter() - began
    Notification.objects.filter(source_key="bench:bare").delete()
    return took


def start_workers(n: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for i in range(n):
        log = (logs / f"worker{i}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "townhall.cli", "worker", "--interval", "0.05"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if all("Starting worker" in (logs / f"worker{i}.log").read_text() for i in range(n)):
            return workers
        time.sleep(0.2)
    raise SystemExit("FAILED: the workers did not start")


class Sink:
    """A local SMTP server that counts what it received."""

    def __init__(self) -> None:
        import socket

        from aiosmtpd.controller import Controller

        self.received = 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += len(envelope.rcpt_tos)
        return "250 OK"


def fan_out(world: dict[str, Any], expected: int, sink: Sink) -> tuple[float, float]:
    from townhall.discussions import actions
    from townhall.notifications.models import Notification
    from townhall.policy import Guardian

    topic = actions.create_topic(
        Guardian(world["author"]), world["watched"], title="Messier marathon", body="Who?"
    )
    began = time.perf_counter()  # create_topic committed: the fan-out task is queued
    key = f"post:{topic.posts.get().pk}"
    inpage = None
    while True:
        if inpage is None and Notification.objects.filter(source_key=key).count() >= expected:
            inpage = time.perf_counter() - began
        if inpage is not None and sink.received >= expected:
            return inpage, time.perf_counter() - began
        if time.perf_counter() - began > 900:
            raise SystemExit(f"FAILED: not done within 15 minutes ({sink.received} emails received)")
        time.sleep(0.01)


def requests_ms(world: dict[str, Any], spaces: list[Any], n: int) -> list[float]:
    """Median create-topic request time in each space, the spaces taking turns (a noisy machine slows
    both alike)."""
    from django.conf import settings
    from django.test import Client

    settings.DISCUSSIONS_TOPIC_RATE = "100000/m"
    settings.ALLOWED_HOSTS = ["*"]
    # Static files are not collected in the bench's data directory: plain storage names them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(world["author"])
    times: list[list[float]] = [[] for _ in spaces]
    for i in range(n):
        for space, took in zip(spaces, times, strict=True):
            began = time.perf_counter()
            response = client.post(
                f"/s/{space.slug}/new/",
                {"title": f"Bench topic {i}", "kind": "discussion", "body": "Clear skies?"},
            )
            took.append((time.perf_counter() - began) * 1000)
            if response.status_code != 302:  # a redirect to the new topic; 200 is the form with an error
                raise SystemExit(f"FAILED: create-topic answered {response.status_code}")
    return [statistics.median(took) for took in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"} and not k.startswith("PYTEST")}
    env.update(TOWNHALL_DATA_DIR=str(tmp / "data"), PYTHONUNBUFFERED="1", TOWNHALL_EMBEDDED_WORKER="0")
    db = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    migrate(env)
    setup_django(env)
    began = time.perf_counter()
    world = seed(args.watchers)
    print(f"seeded {args.watchers:,} watchers in {time.perf_counter() - began:.1f} s ({db})")

    bare = statistics.median(bare_insert(world) for _ in range(3))
    print(f"bare bulk insert of {args.watchers:,} rows: {bare:.3f} s (median of 3)")

    sink = Sink()
    env.update(TOWNHALL_EMAIL_HOST="127.0.0.1", TOWNHALL_EMAIL_PORT=str(sink.port), TOWNHALL_EMAIL_TLS="0")
    workers = start_workers(args.workers, env, tmp)
    try:
        inpage, emailed = fan_out(world, args.watchers, sink)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    print(
        f"fan-out with {args.workers} workers, commit to all {args.watchers:,} in-page rows: {inpage:.3f} s"
    )
    print(
        f"fan-out with {args.workers} workers, commit to all {args.watchers:,} emails handed to SMTP: {emailed:.3f} s"
    )
    sink.controller.stop()

    from django_tasks_db.models import DBTaskResult

    watched, unwatched = requests_ms(world, [world["watched"], world["quiet"]], args.requests)
    DBTaskResult.objects.all().delete()  # the requests' fan-outs, never run
    print(f"inpage_fanout_s={inpage:.3f} bare_insert_s={bare:.3f} fanout_ratio_vs_bare={inpage / bare:.2f}")
    print(f"email_all_handed_to_smtp_s={emailed:.3f} email_ratio_vs_bare={emailed / bare:.2f}")
    print(
        f"create_topic_ms_watched={watched:.1f} create_topic_ms_unwatched={unwatched:.1f} "
        f"request_ratio={watched / unwatched:.2f}"
    )


if __name__ == "__main__":
    main()
